"""The Arrow schemas of the tables users query, defined once and used everywhere.

Ingest converts OTLP into tables of these schemas, Parquet files hold them, the query engine registers
them, ``/v1/schemas`` is rendered from them. Column meanings live in each field's metadata (see
:mod:`hearth_shared.schema.fields`)::

    from hearth_shared.schema import TABLES, validate_table

    spec = TABLES["records"]            # TableSpec(name, schema, time_column, description)
    validate_table("records", batch_table)  # raises SchemaMismatch naming every bad column
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

from hearth_shared.errors import HearthError
from hearth_shared.schema.fields import DESCRIPTION_KEY, description_of
from hearth_shared.schema.metrics import METRICS_SCHEMA
from hearth_shared.schema.records import RECORDS_SCHEMA
from hearth_shared.schema.types import ArrowTypeName, arrow_type_name, field_json, sql_type_name

__all__ = [
    "DESCRIPTION_KEY",
    "METRICS_SCHEMA",
    "PARQUET_SCHEMA_OPTIONS",
    "RECORDS_SCHEMA",
    "TABLES",
    "ArrowTypeName",
    "SchemaMismatch",
    "TableSpec",
    "arrow_type_name",
    "description_of",
    "empty_table",
    "field_json",
    "schemas_document",
    "sql_type_name",
    "table_spec",
    "validate_table",
]


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A queryable table: its Arrow schema and the column the time-range filter applies to."""

    name: str
    schema: pa.Schema
    time_column: str
    description: str


TABLES: Mapping[str, TableSpec] = MappingProxyType(
    {
        "records": TableSpec(
            name="records",
            schema=RECORDS_SCHEMA,
            time_column="start_timestamp",
            description=(
                "Spans, logs and span events, one row each. Pending spans (spans still running) are "
                "excluded: query `records_all` to see them."
            ),
        ),
        "records_all": TableSpec(
            name="records_all",
            schema=RECORDS_SCHEMA,
            time_column="start_timestamp",
            description=(
                "Every row of `records` plus pending spans (`kind = 'pending_span'`): spans that have "
                "started and not yet ended, stored under the real span's ids."
            ),
        ),
        "metrics": TableSpec(
            name="metrics",
            schema=METRICS_SCHEMA,
            time_column="recorded_timestamp",
            description=(
                "Metric data points (gauges, sums, histograms, exponential histograms), one row per "
                "data point."
            ),
        ),
    }
)


#: Keyword arguments every Parquet writer of these tables passes, so files read back with exactly these
#: schemas: ``pq.write_table(t, f, compression="zstd", **PARQUET_SCHEMA_OPTIONS)``, same for ParquetWriter.
#: pyarrow's default (``use_compliant_nested_type=True``) names list items ``element`` in the file, so
#: ``tags`` would come back as ``list<element: string>``: DataFusion can then see different list types in
#: old and new files, and ``/v2/query`` would name the item ``"element"`` where Logfire says ``"item"``.
PARQUET_SCHEMA_OPTIONS: Mapping[str, Any] = MappingProxyType({"use_compliant_nested_type": False})


class SchemaMismatch(HearthError, ValueError):
    """A table does not have the exact columns, order, types or nullability of its schema.

    This is a bug in the code that built the table (never the user's fault), hence a 500. The lists name
    every offending column so the message alone says what to fix.
    """

    code = "schema-mismatch"
    title = "Table does not match its schema"

    def __init__(
        self,
        table: str,
        *,
        missing: list[str],
        extra: list[str],
        mistyped: list[str],
        order: list[str] | None = None,
    ) -> None:
        parts: list[str] = []
        if missing:
            parts.append("missing columns: " + ", ".join(missing))
        if extra:
            parts.append("extra columns: " + ", ".join(extra))
        if mistyped:
            parts.append("mistyped columns: " + "; ".join(mistyped))
        if order:
            parts.append("columns out of order, expected: " + ", ".join(order))
        super().__init__(f"table {table!r} does not match its schema: " + " | ".join(parts))
        self.table = table
        self.missing = missing
        self.unexpected = extra  # (``extra`` is HearthError's dict of problem members)
        self.mistyped = mistyped
        self.expected_order = order


def table_spec(name: str) -> TableSpec:
    """The spec of table ``name``; ``KeyError`` naming the known tables otherwise."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}") from None


def empty_table(name: str) -> pa.Table:
    """A table of zero rows with table ``name``'s schema (descriptions included)."""
    return table_spec(name).schema.empty_table()


def validate_table(name: str, table: pa.Table) -> None:
    """Check that ``table`` has exactly table ``name``'s columns, in order, with the same types.

    A column is mistyped when its Arrow type differs (timezone and list item type included), when its
    nullability flag differs from the schema's, or when a non-null column holds nulls. Field metadata
    (descriptions) is not compared. Build conforming tables with
    ``pa.Table.from_pylist(rows, schema=TABLES[name].schema)`` or ``table.cast(schema)``.

    Raises :class:`SchemaMismatch` listing every problem at once.
    """
    schema = table_spec(name).schema
    expected = {field.name: field for field in schema}
    actual = {field.name: field for field in table.schema}
    missing = [column for column in expected if column not in actual]
    extra = [column for column in actual if column not in expected]
    names = table.schema.names
    duplicates = sorted({column for column in names if names.count(column) > 1})
    extra.extend(f"{column} (duplicated)" for column in duplicates)
    mistyped: list[str] = []
    for column, want in expected.items():
        got = actual.get(column)
        if got is None or column in duplicates:
            continue
        if not got.type.equals(want.type):
            mistyped.append(f"{column} (expected {want.type}, got {got.type})")
        elif got.nullable != want.nullable:
            mistyped.append(
                f"{column} (expected {'nullable' if want.nullable else 'non-null'}, "
                f"got {'nullable' if got.nullable else 'non-null'} field)"
            )
        elif not want.nullable and table.column(column).null_count:
            mistyped.append(f"{column} (non-null column holds {table.column(column).null_count} null(s))")
    order: list[str] | None = None
    if not (missing or extra) and names != schema.names:
        order = list(schema.names)
    if missing or extra or mistyped or order:
        raise SchemaMismatch(name, missing=missing, extra=extra, mistyped=mistyped, order=order)


def schemas_document(
    names: Iterable[str] | None = None, *, type_names: Literal["sql", "arrow"] = "sql"
) -> dict[str, Any]:
    """The body of ``GET /v1/schemas``: ``{"tables": [{"name", "description", "schema": {col: {...}}}]}``.

    Each column maps to ``{"data_type", "nullable", "description"}``, in schema order. ``type_names``
    picks the spelling of ``data_type``: ``"sql"`` (default) is what the hosted Logfire service sends on
    this endpoint (``"TEXT"``, ``"TIMESTAMP WITH TIME ZONE"``, ``"TEXT[]"``… — logfire-mcp pastes them
    into a ``CREATE TABLE`` for an LLM); ``"arrow"`` gives the ``/v2/query`` spelling
    (``"Utf8"``, ``{"Timestamp": ["Microsecond", "UTC"]}``…). ``names`` defaults to every table.
    """
    render = sql_type_name if type_names == "sql" else arrow_type_name
    tables = []
    for name in TABLES if names is None else names:
        spec = table_spec(name)
        tables.append(
            {
                "name": spec.name,
                "description": spec.description,
                "schema": {
                    field.name: {
                        "data_type": render(field.type),
                        "nullable": field.nullable,
                        "description": description_of(field),
                    }
                    for field in spec.schema
                },
            }
        )
    return {"tables": tables}
