"""Arrow columns as the JSON values Logfire's query service sends, converted a column at a time.

- timestamps: RFC 3339 text with microseconds, ``Z`` for UTC (``"2024-09-27T15:19:42.000000Z"``), the
  zone's offset for other zones (``+02:00``), no suffix for naive timestamps;
- dates ``"2024-09-27"``; times, durations and intervals as Arrow's text;
- lists and structs as JSON arrays and objects; binary as hex; decimals as numbers; NaN/inf as null.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

_US = "us"


_UTC_NAMES = ("UTC", "+00:00", "Z", "ETC/UTC")
_NAIVE_US = pa.timestamp(_US)
# Years 1..9999: Arrow's plain cast to text spells those as ``YYYY-MM-DD HH:MM:SS.ffffff``.
_CAST_LOW = pa.scalar(-62135596800_000_000, _NAIVE_US)  # 0001-01-01T00:00:00
_CAST_HIGH = pa.scalar(253402300799_999_999, _NAIVE_US)  # 9999-12-31T23:59:59.999999


def _cast_text_fits(naive: pa.Array) -> bool:
    bounds = pc.min_max(naive)
    low, high = bounds["min"], bounds["max"]
    return not low.is_valid or (
        pc.greater_equal(low, _CAST_LOW).as_py() and pc.less_equal(high, _CAST_HIGH).as_py()
    )


def timestamp_text(array: pa.Array) -> pa.Array:
    """A timestamp column as RFC 3339 text with exactly six fractional digits."""
    unit_type = array.type
    tz = unit_type.tz
    if unit_type.unit != _US:
        array = pc.cast(array, pa.timestamp(_US, tz=tz), safe=False)
    if tz is None or tz.upper() in _UTC_NAMES:
        suffix = "" if tz is None else "Z"
        # UTC wall clock = the stored instant: a zone-free cast to text is ~7x cheaper than strftime
        # (which looks the zone up per value); strftime stays for years a plain cast cannot spell.
        naive = array.cast(_NAIVE_US)
        if _cast_text_fits(naive):
            text = pc.replace_substring(pc.cast(naive, pa.string()), " ", "T", max_replacements=1)
            return pc.binary_join_element_wise(text, suffix, "") if suffix else text
        return pc.strftime(array, format="%Y-%m-%dT%H:%M:%S" + suffix)
    text = pc.strftime(array, format="%Y-%m-%dT%H:%M:%S%z")
    return pc.replace_substring_regex(text, pattern=r"([+-]\d\d)(\d\d)$", replacement=r"\1:\2")


def _to_text(array: pa.Array) -> pa.Array:
    try:
        return pc.cast(array, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in array.to_pylist()], pa.string())


def _nested_json(array: pa.Array) -> pa.Array:
    return pa.array(
        [None if v is None else orjson.dumps(v, default=json_default).decode() for v in array.to_pylist()],
        pa.string(),
    )


def json_default(value: Any) -> Any:
    """orjson fallback for values inside lists and structs."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def is_nested(data_type: pa.DataType) -> bool:
    t = pa.types
    return bool(
        t.is_list(data_type)
        or t.is_large_list(data_type)
        or t.is_fixed_size_list(data_type)
        or t.is_struct(data_type)
        or t.is_map(data_type)
        or t.is_list_view(data_type)
        or t.is_large_list_view(data_type)
    )


def _plain(data_type: pa.DataType) -> Callable[[pa.Array], pa.Array] | None:
    """How to turn a column of this type into JSON-ready values; None when to_pylist already is."""
    t = pa.types
    if t.is_timestamp(data_type):
        return timestamp_text
    if t.is_date(data_type) or t.is_time(data_type) or t.is_duration(data_type) or t.is_interval(data_type):
        return _to_text
    if t.is_binary(data_type) or t.is_large_binary(data_type) or t.is_fixed_size_binary(data_type):
        return lambda array: pa.array([None if v is None else v.hex() for v in array.to_pylist()])
    if t.is_decimal(data_type):
        return lambda array: pc.cast(array, pa.float64())
    if t.is_dictionary(data_type):
        return lambda array: json_ready_array(array.dictionary_decode())
    return None


def json_ready_array(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    convert = _plain(array.type)
    if convert is None:
        return array
    if isinstance(array, pa.ChunkedArray):
        return pa.chunked_array([convert(chunk) for chunk in array.chunks], type=None)
    return convert(array)


def json_columns(table: pa.Table) -> dict[str, list[Any]]:
    """Each column's values, JSON-ready (lists and structs as Python lists/dicts)."""
    return {
        name: json_ready_array(column).to_pylist()
        for name, column in zip(table.column_names, table.columns, strict=True)
    }


def json_rows(table: pa.Table) -> list[dict[str, Any]]:
    """The rows as dicts of JSON-ready values (duplicate column names: the last one wins, as in JSON)."""
    columns = json_columns(table)
    names = list(columns)
    values = [columns[name] for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def text_array(array: pa.Array | pa.ChunkedArray) -> list[str | None]:
    """A column as CSV cells: text, lists and structs as JSON, booleans ``true``/``false``."""
    if is_nested(array.type):
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        return [cell for chunk in chunks for cell in _nested_json(chunk).to_pylist()]
    ready = json_ready_array(array)
    if pa.types.is_string(ready.type) or pa.types.is_large_string(ready.type):
        cells: list[str | None] = ready.to_pylist()
        return cells
    return [None if v is None else v for v in _cast_text(ready).to_pylist()]


def _cast_text(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    try:
        return pc.cast(array, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in array.to_pylist()], pa.string())
