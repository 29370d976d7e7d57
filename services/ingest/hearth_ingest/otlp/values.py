"""OTLP values to JSON-ready Python values, and the byte limits of stored text.

Everything here is pure and cheap: the hot loops in :mod:`.records` inline the common cases (a
non-empty string or non-zero int attribute) and call :func:`any_value` only for the rest.

JSON conventions (shared by every JSON column):

- ``AnyValue`` strings, bools, ints (int64, as JSON numbers), doubles, arrays (JSON arrays) and
  kvlists (JSON objects) map to their JSON counterparts; ``bytes`` become standard base64 text;
  an empty ``AnyValue`` is ``null``. NaN and ±inf doubles become ``null`` (orjson), as JSON has no
  spelling for them.
- Attribute keys stay literal: ``http.route`` is one key, never a nested path.
- Duplicate keys: the last one wins (OTLP forbids them; we never fail on them).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

#: span_name, message and service_name are capped at this many UTF-8 bytes (data-model.md).
MAX_NAME_BYTES = 512
#: exception_message and exception_stacktrace are capped at this many UTF-8 bytes (data-model.md).
MAX_EXCEPTION_BYTES = 32_000
#: The attributes JSON of one record is kept under this many bytes (data-model.md: a record ≤ 10 MB).
MAX_ATTRIBUTES_BYTES = 10_000_000
#: Attribute listing the keys whose values were cut to respect MAX_ATTRIBUTES_BYTES.
TRUNCATED_KEY = "logfire.truncated"
_MAX_TRUNCATED_KEYS = 1000

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MAX = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def any_value(value: Any) -> Any:  # noqa: PLR0911 - one return per AnyValue variant
    """An OTLP ``AnyValue`` as a JSON-ready Python value (see the module docstring)."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "int_value":
        return value.int_value
    if which == "double_value":
        return value.double_value
    if which == "bool_value":
        return value.bool_value
    if which == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


def attributes_dict(key_values: Iterable[Any]) -> dict[str, Any]:
    """OTLP ``KeyValue``s as a dict (the fast path of the hot loops, for cold callers)."""
    out: dict[str, Any] = {}
    for kv in key_values:
        value = kv.value
        # Non-empty strings and non-zero ints are read directly (see records.convert_spans_into).
        item = value.string_value or value.int_value
        out[kv.key] = item if item else any_value(value)
    return out


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` UTF-8 bytes, never inside a character."""
    # A code point is at most 4 bytes: short strings skip the encode entirely.
    if len(text) * 4 <= max_bytes:
        return text
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    # The cut can only split the last character; "ignore" drops exactly that partial sequence.
    return raw[:max_bytes].decode("utf-8", "ignore")


def as_text(value: Any) -> str | None:
    """A promoted text column's value: strings as they are, numbers spelled out, anything else NULL."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def as_int32(value: Any) -> int | None:
    """An ``int32`` column's value; NULL when it is not an integer that fits (never an error)."""
    if isinstance(value, int) and not isinstance(value, bool) and _INT32_MIN <= value <= _INT32_MAX:
        return value
    return None


def as_int64(value: Any) -> int | None:
    """An ``int64`` column's value; NULL when it is not an integer (OTLP ints always fit)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def clamp_u64(value: int) -> int:
    """An OTLP unsigned 64-bit count for an ``int64`` column: counts past 2^63 are saturated."""
    return value if value <= _INT64_MAX else _INT64_MAX


def clamp_u64_list(values: list[int]) -> list[int]:
    """Like :func:`clamp_u64` over a bucket-count list (one ``max`` in the common case)."""
    if values and max(values) > _INT64_MAX:
        return [clamp_u64(v) for v in values]
    return values


def iso_timestamp(unix_nano: int) -> str:
    """``2024-09-27T15:19:42.123456Z``: the timestamp spelling of query responses, for JSON columns."""
    return (_EPOCH + timedelta(microseconds=unix_nano // 1000)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dumps(value: Any) -> bytes:
    """JSON bytes of ``value``; Python's stdlib as a last resort for what orjson refuses (deep nesting).

    orjson stops at 255 nesting levels; decoded JSON attributes (see :mod:`.records`) can nest deeper
    than protobuf's own 100-level limit allows for ``AnyValue``.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _fallback_dumps(value)


def _fallback_dumps(value: Any) -> bytes:
    import json  # noqa: PLC0415 - the rare path only

    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode()
    except (ValueError, TypeError, RecursionError):
        return b"null"


def fit_attributes(attributes: dict[str, Any], encoded: bytes, limit: int = MAX_ATTRIBUTES_BYTES) -> bytes:
    """The JSON of ``attributes`` within ``limit`` bytes (``encoded`` is its current, too large, JSON).

    The largest values are cut first, each to what still fits; a cut value is stored as the prefix of
    its text (its JSON text for non-strings), and the cut keys are listed, largest first, in the
    ``logfire.truncated`` attribute so users can tell a cut value from a short one. Deterministic: the
    same input always gives the same output (WAL replays must produce identical rows).
    """
    sizes = sorted(((len(dumps(v)), k) for k, v in attributes.items()), reverse=True)
    out = dict(attributes)
    truncated: list[str] = []
    # Leave room for the logfire.truncated list itself.
    excess = len(encoded) - limit + sum(len(k) + 8 for _, k in sizes[:64]) + 64
    for size, key in sizes:
        if excess <= 0 or len(truncated) >= _MAX_TRUNCATED_KEYS:
            break
        value = out[key]
        text = value if isinstance(value, str) else dumps(value).decode("utf-8")
        cut = truncate_utf8(text, max(0, size - excess - 16))
        out[key] = cut
        truncated.append(key)
        excess -= size - len(dumps(cut))
    out[TRUNCATED_KEY] = truncated
    result = dumps(out)
    if len(result) <= limit:
        return result
    # JSON escaping made the cut prefixes longer than estimated: empty them.
    for key in truncated:
        out[key] = ""
    result = dumps(out)
    if len(result) <= limit:
        return result
    # Only a huge number of small attributes gets here: keep the first ones that fit.
    kept: dict[str, Any] = {}
    budget = limit // 2
    for key, value in attributes.items():
        size = len(dumps(value)) + len(key) + 6
        if size > budget:
            if len(truncated) < _MAX_TRUNCATED_KEYS and key not in truncated:
                truncated.append(key)
            continue
        budget -= size
        kept[key] = value
    kept[TRUNCATED_KEY] = truncated
    return dumps(kept)
