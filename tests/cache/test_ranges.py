"""Range header parsing on its own: the three forms object_store sends, clamping, and what is refused."""

from __future__ import annotations

import pytest

from hearth_cache.errors import RangeNotSatisfiable
from hearth_cache.ranges import ByteRange, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 1)),
        ("bytes=0-99", (0, 100)),
        ("bytes=10-999", (10, 1000)),
        ("bytes=10-5000", (10, 1000)),  # past the end: clamped
        ("bytes=990-", (990, 1000)),
        ("bytes=-10", (990, 1000)),
        ("bytes=-5000", (0, 1000)),  # a suffix longer than the object is the whole object
        ("Bytes = 3 - 4", (3, 5)),
    ],
)
def test_accepted_ranges(header: str, expected: tuple[int, int]) -> None:
    parsed = parse_range(header, 1000)
    assert (parsed.start, parsed.end) == expected
    assert parsed.content_range == f"bytes {expected[0]}-{expected[1] - 1}/1000"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=1000-",
        "bytes=1000-1001",
        "bytes=5-2",
        "bytes=-0",
        "bytes=-",
        "bytes=0-1,5-6",
        "items=0-1",
        "abc",
    ],
)
def test_refused_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range(header, 1000)
    assert caught.value.size == 1000


def test_an_empty_object_has_no_satisfiable_range() -> None:
    for header in ("bytes=0-", "bytes=-1", "bytes=0-0"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(header, 0)


def test_length() -> None:
    assert ByteRange(10, 20, 30).length == 10
