"""``Range: bytes=…`` (RFC 9110 §14.1.2) for one object of known size.

Accepted forms: ``bytes=a-b`` (inclusive; ``b`` past the end is clamped), ``bytes=a-`` (to the end)
and ``bytes=-n`` (the last ``n`` bytes; more than the size means the whole object). These are the
three forms object_store's HTTP client sends (``GetRange::Bounded``/``Offset``/``Suffix``).

Anything else is refused with 416 rather than ignored: a multi-range, another unit or a malformed
header from a reader of multi-hundred-megabyte objects is a bug to surface, not a reason to send the
whole object. A range starting at or past the end (or any range of an empty object) is 416 too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hearth_cache.errors import RangeNotSatisfiable

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes ``[start, end)`` of an object of ``size`` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end - 1}/{self.size}"


def parse_range(header: str, size: int) -> ByteRange:
    """The range ``header`` asks for in an object of ``size`` bytes; raises ``RangeNotSatisfiable``."""
    match = _RANGE.match(header)
    if match is None:
        raise RangeNotSatisfiable(
            f"unsupported Range {header!r}: use one of bytes=a-b, bytes=a- or bytes=-n", size=size
        )
    first, last = match.group(1), match.group(2)
    if not first:
        if not last or int(last) == 0:
            raise RangeNotSatisfiable(f"Range {header!r} asks for no bytes", size=size)
        start, end = max(0, size - int(last)), size
    else:
        start = int(first)
        end = size if not last else min(size, int(last) + 1)
        if last and int(last) < start:
            raise RangeNotSatisfiable(f"Range {header!r} ends before it starts", size=size)
    if start >= size:
        raise RangeNotSatisfiable(
            f"Range {header!r} starts at or past the end of the object ({size} bytes)", size=size
        )
    return ByteRange(start, end, size)
