"""Names of Arrow types as Logfire's clients see them.

Two renderings, one per place they appear on the wire:

- :func:`arrow_type_name` — the ``data_type`` of ``/v2/query`` response schemas. Logfire's query service is
  DataFusion (Rust), which serialises ``arrow_schema::DataType`` with serde, so we produce exactly that
  JSON: unit variants are strings (``"Utf8"``, ``"Int32"``, ``"Date32"``), variants with data are one-key
  objects (``{"Timestamp": ["Microsecond", "UTC"]}``, ``{"Decimal128": [38, 10]}``), and nested types
  embed full serde *fields*. Lists therefore render as in the real service's responses::

      {"List": {"name": "item", "data_type": "Utf8", "nullable": true,
                "dict_id": 0, "dict_is_ordered": false, "metadata": {}}}

  (The SDK strips ``dict_id``, ``dict_is_ordered`` and ``metadata`` itself; sending them is what the
  hosted service does.)
- :func:`sql_type_name` — the ``data_type`` of ``/v1/schemas``. The hosted service answers that endpoint
  with PostgreSQL-style names (``"TEXT"``, ``"INTEGER"``, ``"TIMESTAMP WITH TIME ZONE"``, ``"TEXT[]"``…),
  because logfire-mcp pastes them into a ``CREATE TABLE`` statement for an LLM to read. Like the hosted
  service, every integer width is ``INTEGER``.

Types with no exact rendering fall back to pyarrow's own spelling (``str(data_type)``) rather than failing:
a query must never fail because of how its result type is named.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

#: A rendered Arrow type: a string for plain types, a one-key JSON object for parameterised ones.
ArrowTypeName = str | dict[str, Any]

_TIME_UNITS = {"s": "Second", "ms": "Millisecond", "us": "Microsecond", "ns": "Nanosecond"}

_SIMPLE: dict[pa.DataType, str] = {
    pa.null(): "Null",
    pa.bool_(): "Boolean",
    pa.int8(): "Int8",
    pa.int16(): "Int16",
    pa.int32(): "Int32",
    pa.int64(): "Int64",
    pa.uint8(): "UInt8",
    pa.uint16(): "UInt16",
    pa.uint32(): "UInt32",
    pa.uint64(): "UInt64",
    pa.float16(): "Float16",
    pa.float32(): "Float32",
    pa.float64(): "Float64",
    pa.string(): "Utf8",
    pa.large_string(): "LargeUtf8",
    pa.string_view(): "Utf8View",
    pa.binary(): "Binary",
    pa.large_binary(): "LargeBinary",
    pa.binary_view(): "BinaryView",
    pa.date32(): "Date32",
    pa.date64(): "Date64",
}


def arrow_type_name(data_type: pa.DataType) -> ArrowTypeName:  # noqa: PLR0911, PLR0912 - one branch per type family
    """``data_type`` as arrow-rs serde JSON, the spelling of Logfire's ``/v2/query`` schemas.

    >>> arrow_type_name(pa.string())
    'Utf8'
    >>> arrow_type_name(pa.timestamp("us", tz="UTC"))
    {'Timestamp': ['Microsecond', 'UTC']}
    """
    simple = _SIMPLE.get(data_type)
    if simple is not None:
        return simple
    t = pa.types
    if t.is_timestamp(data_type):
        return {"Timestamp": [_TIME_UNITS[data_type.unit], data_type.tz]}
    if t.is_time32(data_type):
        return {"Time32": _TIME_UNITS[data_type.unit]}
    if t.is_time64(data_type):
        return {"Time64": _TIME_UNITS[data_type.unit]}
    if t.is_duration(data_type):
        return {"Duration": _TIME_UNITS[data_type.unit]}
    if t.is_interval(data_type):  # pyarrow has only the month-day-nano interval
        return {"Interval": "MonthDayNano"}
    if t.is_decimal(data_type):
        return {f"Decimal{data_type.bit_width}": [data_type.precision, data_type.scale]}
    if t.is_fixed_size_binary(data_type):
        return {"FixedSizeBinary": data_type.byte_width}
    if t.is_list(data_type):
        return {"List": field_json(data_type.value_field)}
    if t.is_large_list(data_type):
        return {"LargeList": field_json(data_type.value_field)}
    if t.is_fixed_size_list(data_type):
        return {"FixedSizeList": [field_json(data_type.value_field), data_type.list_size]}
    if t.is_list_view(data_type):
        return {"ListView": field_json(data_type.value_field)}
    if t.is_large_list_view(data_type):
        return {"LargeListView": field_json(data_type.value_field)}
    if t.is_map(data_type):
        entries = pa.field("entries", pa.struct([data_type.key_field, data_type.item_field]), nullable=False)
        return {"Map": [field_json(entries), data_type.keys_sorted]}
    if t.is_struct(data_type):
        return {"Struct": [field_json(data_type.field(i)) for i in range(data_type.num_fields)]}
    if t.is_dictionary(data_type):
        return {"Dictionary": [arrow_type_name(data_type.index_type), arrow_type_name(data_type.value_type)]}
    return str(data_type)


def field_json(field: pa.Field) -> dict[str, Any]:
    """A field as arrow-rs serde JSON (the form nested types embed), e.g. the ``item`` of a list."""
    metadata = {
        (k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else str(v))
        for k, v in (field.metadata or {}).items()
    }
    return {
        "name": field.name,
        "data_type": arrow_type_name(field.type),
        "nullable": field.nullable,
        "dict_id": 0,
        "dict_is_ordered": bool(pa.types.is_dictionary(field.type) and field.type.ordered),
        "metadata": metadata,
    }


def sql_type_name(data_type: pa.DataType) -> str:  # noqa: PLR0911, PLR0912 - one branch per type family
    """``data_type`` as a PostgreSQL-style type name, the spelling of Logfire's ``/v1/schemas``.

    >>> sql_type_name(pa.list_(pa.string()))
    'TEXT[]'
    """
    t = pa.types
    if t.is_string(data_type) or t.is_large_string(data_type) or t.is_string_view(data_type):
        return "TEXT"
    if t.is_boolean(data_type):
        return "BOOLEAN"
    if t.is_integer(data_type):
        # Every width: the hosted service says INTEGER even for its 64-bit counts (histogram_count).
        return "INTEGER"
    if t.is_float16(data_type) or t.is_float32(data_type):
        return "REAL"
    if t.is_float64(data_type):
        return "DOUBLE PRECISION"
    if t.is_decimal(data_type):
        return f"NUMERIC({data_type.precision}, {data_type.scale})"
    if t.is_date(data_type):
        return "DATE"
    if t.is_timestamp(data_type):
        return "TIMESTAMP WITH TIME ZONE" if data_type.tz is not None else "TIMESTAMP"
    if t.is_time(data_type):
        return "TIME"
    if t.is_duration(data_type) or t.is_interval(data_type):
        return "INTERVAL"
    if (
        t.is_binary(data_type)
        or t.is_large_binary(data_type)
        or t.is_binary_view(data_type)
        or t.is_fixed_size_binary(data_type)
    ):
        return "BYTEA"
    if t.is_list(data_type) or t.is_large_list(data_type) or t.is_fixed_size_list(data_type):
        return f"{sql_type_name(data_type.value_type)}[]"
    if t.is_dictionary(data_type):
        return sql_type_name(data_type.value_type)
    if t.is_null(data_type):
        return "NULL"
    return str(data_type).upper()
