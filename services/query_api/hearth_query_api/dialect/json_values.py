"""Reading values out of JSON text by a literal path, fast enough to run on every row.

Used by the JSON functions in :mod:`hearth_query_api.engine.udfs` (pure Python, no DataFusion here).

Semantics (those of ``datafusion-functions-json``, which hosted Logfire uses):

* a path is a tuple of keys (``str``, object member; a key with dots is one literal key) and indexes
  (``int``, array element, negative counts from the end);
* invalid JSON, a missing key, an index out of range or a step into a scalar all give "missing"
  (SQL NULL), never an error: attribute schemas drift and queries must keep running.

Speed: ``orjson.loads`` of a ~350-byte attributes object costs ~1.2 µs, so for the common case (a string
key) :func:`value_at` first looks for the encoded key ``"key":`` with ``str.find`` and, when nothing but
flat members precede it (no ``{`` other than the root's and no ``[`` before it), parses only the value
with the C scanners of the standard library. Anything else falls back to a full ``orjson`` parse, so
results never depend on the path taken.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any, Final

import orjson

PathStep = str | int
Path = tuple[PathStep, ...]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


#: Returned by :func:`value_at` when the path leads nowhere (SQL NULL).
MISSING: Final = _Missing()

_scan_string = json.decoder.scanstring  # type: ignore[attr-defined]  # C accelerated
_scan_value = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # C accelerated
_loads = orjson.loads


def encode_path(path: Sequence[PathStep]) -> str:
    """The path as the JSON array literal the translator passes to the UDFs (``'["a",0]'``)."""
    return orjson.dumps(list(path)).decode()


def decode_path(text: str) -> Path:
    """Inverse of :func:`encode_path`; ``ValueError`` for anything but an array of strings/ints."""
    steps = orjson.loads(text)
    if not isinstance(steps, list) or not all(
        isinstance(s, str) or (isinstance(s, int) and not isinstance(s, bool)) for s in steps
    ):
        raise ValueError(f"not a JSON path: {text!r}")
    return tuple(steps)


def _step(value: Any, step: PathStep) -> Any:
    if isinstance(step, str):
        return value.get(step, MISSING) if isinstance(value, dict) else MISSING
    if isinstance(value, list) and -len(value) <= step < len(value):
        return value[step]
    return MISSING


def _full(text: str, path: Path) -> Any:
    try:
        value = _loads(text)
    except orjson.JSONDecodeError:
        return MISSING
    for step in path:
        value = _step(value, step)
        if value is MISSING:
            return MISSING
    return value


@functools.lru_cache(maxsize=1024)
def _needles(key: str) -> tuple[str, str]:
    """``'"key"'`` and ``'"key":'`` as orjson writes them (cached: computed per row otherwise)."""
    quoted = orjson.dumps(key).decode()
    return quoted, quoted + ":"


def _member(text: str, key: str) -> Any:
    """The value of top-level member ``key`` of the object ``text``; ``None`` means "use the slow path"."""
    needle, member = _needles(key)
    pos = text.find(member)
    if pos < 0:
        # absent, unless written with whitespace before ':' or with escapes: leave those to the parser
        return None if (needle in text or "\\" in text) else MISSING
    if pos == 0 or text[pos - 1] == "\\" or text.count("{", 0, pos) != 1 or text.count("[", 0, pos):
        return None  # maybe nested or inside a string: only a real parse can tell
    start = pos + len(member)
    try:
        if text[start] == '"':
            return _scan_string(text, start + 1)[0]
        return _scan_value(text, start)[0]
    except (StopIteration, ValueError, IndexError):
        return None


def value_at(text: str, path: Path) -> Any:
    """The value at ``path`` in JSON ``text`` as a Python object, or :data:`MISSING`."""
    if not path:
        return _full(text, path)
    first = path[0]
    if isinstance(first, str):
        value = _member(text, first)
        if value is None:
            return _full(text, path)
        for step in path[1:]:
            if value is MISSING:
                break
            value = _step(value, step)
        return value
    return _full(text, path)


def as_json(value: Any) -> str | None:
    """``->``: the value as JSON text (JSON ``null`` stays ``'null'``); NULL when missing."""
    return None if value is MISSING else orjson.dumps(value).decode()


def as_text(value: Any) -> str | None:
    """``->>``: strings unquoted, other scalars and containers as JSON text; NULL for null/missing."""
    if value is None or value is MISSING:
        return None
    if type(value) is str:
        return value
    return orjson.dumps(value).decode()


def as_str(value: Any) -> str | None:
    return value if type(value) is str else None


def as_int(value: Any) -> int | None:
    return value if type(value) is int and -(2**63) <= value < 2**63 else None


def as_float(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) else None


def as_bool(value: Any) -> bool | None:
    return value if type(value) is bool else None


def length(value: Any) -> int | None:
    return len(value) if type(value) in (list, dict) else None


def keys(value: Any) -> list[str] | None:
    return list(value) if type(value) is dict else None
