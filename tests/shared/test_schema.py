"""The Arrow schemas of ``records``/``records_all``/``metrics`` against data-model.md, and their helpers.

The column lists below are transcribed by hand from ``reference/data-model.md`` on purpose: changing a
schema must be a deliberate edit in two places.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]  # no stubs yet
import pytest

from hearth_shared.errors import HearthError
from hearth_shared.schema import (
    METRICS_SCHEMA,
    PARQUET_SCHEMA_OPTIONS,
    RECORDS_SCHEMA,
    TABLES,
    SchemaMismatch,
    arrow_type_name,
    description_of,
    empty_table,
    schemas_document,
    sql_type_name,
    validate_table,
)

RECORDS_COLUMNS = [
    "start_timestamp",
    "end_timestamp",
    "duration",
    "created_at",
    "day",
    "project_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "kind",
    "level",
    "span_name",
    "message",
    "attributes",
    "attributes_json_schema",
    "tags",
    "is_exception",
    "exception_type",
    "exception_message",
    "exception_stacktrace",
    "otel_status_code",
    "otel_status_message",
    "otel_events",
    "otel_links",
    "otel_scope_name",
    "otel_scope_version",
    "otel_scope_attributes",
    "otel_resource_attributes",
    "service_name",
    "service_version",
    "service_namespace",
    "service_instance_id",
    "process_pid",
    "deployment_environment",
    "telemetry_sdk_name",
    "telemetry_sdk_language",
    "telemetry_sdk_version",
    "http_response_status_code",
    "http_method",
    "http_route",
    "url_full",
    "url_path",
    "url_query",
    "log_body",
]

METRICS_COLUMNS = [
    "recorded_timestamp",
    "start_timestamp",
    "created_at",
    "day",
    "project_id",
    "metric_name",
    "metric_type",
    "metric_description",
    "unit",
    "aggregation_temporality",
    "is_monotonic",
    "scalar_value",
    "histogram_min",
    "histogram_max",
    "histogram_sum",
    "histogram_count",
    "histogram_bucket_counts",
    "histogram_explicit_bounds",
    "exp_histogram_scale",
    "exp_histogram_zero_count",
    "exp_histogram_zero_threshold",
    "exp_histogram_positive_bucket_counts",
    "exp_histogram_negative_bucket_counts",
    "exp_histogram_positive_bucket_counts_offset",
    "exp_histogram_negative_bucket_counts_offset",
    "exemplars",
    "attributes",
    "attributes_json_schema",
    "otel_scope_name",
    "otel_scope_version",
    "otel_scope_attributes",
    "otel_resource_attributes",
    "service_name",
    "service_namespace",
    "service_version",
    "service_instance_id",
    "process_pid",
    "deployment_environment",
    "telemetry_sdk_name",
    "telemetry_sdk_language",
    "telemetry_sdk_version",
]

RECORDS_NON_NULL = {
    "start_timestamp",
    "end_timestamp",
    "created_at",
    "day",
    "project_id",
    "trace_id",
    "span_id",
    "kind",
    "level",
    "span_name",
    "message",
    "service_name",
}
METRICS_NON_NULL = {"created_at", "day", "project_id", "metric_name", "metric_type", "unit", "service_name"}

TS = pa.timestamp("us", tz="UTC")

# `GET /v1/schemas` of the hosted Logfire service (Sept 2025), column -> (data_type, nullable), transcribed
# from logfire-mcp's recorded response. Our SQL rendering must say the same.
HOSTED_SQL_TYPES: dict[str, dict[str, tuple[str, bool]]] = {
    "records": {
        "attributes": ("TEXT", True),
        "attributes_json_schema": ("TEXT", True),
        "created_at": ("TIMESTAMP WITH TIME ZONE", False),
        "day": ("DATE", False),
        "deployment_environment": ("TEXT", True),
        "duration": ("DOUBLE PRECISION", True),
        "end_timestamp": ("TIMESTAMP WITH TIME ZONE", False),
        "exception_message": ("TEXT", True),
        "exception_stacktrace": ("TEXT", True),
        "exception_type": ("TEXT", True),
        "http_method": ("TEXT", True),
        "http_response_status_code": ("INTEGER", True),
        "http_route": ("TEXT", True),
        "is_exception": ("BOOLEAN", True),
        "kind": ("TEXT", False),
        "level": ("INTEGER", False),
        "log_body": ("TEXT", True),
        "message": ("TEXT", False),
        "otel_events": ("TEXT", True),
        "otel_links": ("TEXT", True),
        "otel_resource_attributes": ("TEXT", True),
        "otel_scope_attributes": ("TEXT", True),
        "otel_scope_name": ("TEXT", True),
        "otel_scope_version": ("TEXT", True),
        "otel_status_code": ("TEXT", True),
        "otel_status_message": ("TEXT", True),
        "parent_span_id": ("TEXT", True),
        "process_pid": ("INTEGER", True),
        "project_id": ("TEXT", False),
        "service_instance_id": ("TEXT", True),
        "service_name": ("TEXT", False),
        "service_namespace": ("TEXT", True),
        "service_version": ("TEXT", True),
        "span_id": ("TEXT", False),
        "span_name": ("TEXT", False),
        "start_timestamp": ("TIMESTAMP WITH TIME ZONE", False),
        "tags": ("TEXT[]", True),
        "telemetry_sdk_language": ("TEXT", True),
        "telemetry_sdk_name": ("TEXT", True),
        "telemetry_sdk_version": ("TEXT", True),
        "trace_id": ("TEXT", False),
        "url_full": ("TEXT", True),
        "url_path": ("TEXT", True),
        "url_query": ("TEXT", True),
    },
    "metrics": {
        "aggregation_temporality": ("TEXT", True),
        "attributes": ("TEXT", True),
        "attributes_json_schema": ("TEXT", True),
        "created_at": ("TIMESTAMP WITH TIME ZONE", False),
        "day": ("DATE", False),
        "deployment_environment": ("TEXT", True),
        "exemplars": ("TEXT", True),
        "exp_histogram_negative_bucket_counts": ("INTEGER[]", True),
        "exp_histogram_negative_bucket_counts_offset": ("INTEGER", True),
        "exp_histogram_positive_bucket_counts": ("INTEGER[]", True),
        "exp_histogram_positive_bucket_counts_offset": ("INTEGER", True),
        "exp_histogram_scale": ("INTEGER", True),
        "exp_histogram_zero_count": ("INTEGER", True),
        "exp_histogram_zero_threshold": ("DOUBLE PRECISION", True),
        "histogram_bucket_counts": ("INTEGER[]", True),
        "histogram_count": ("INTEGER", True),
        "histogram_explicit_bounds": ("DOUBLE PRECISION[]", True),
        "histogram_max": ("DOUBLE PRECISION", True),
        "histogram_min": ("DOUBLE PRECISION", True),
        "histogram_sum": ("DOUBLE PRECISION", True),
        "is_monotonic": ("BOOLEAN", True),
        "metric_description": ("TEXT", True),
        "metric_name": ("TEXT", False),
        "metric_type": ("TEXT", False),
        "otel_resource_attributes": ("TEXT", True),
        "otel_scope_attributes": ("TEXT", True),
        "otel_scope_name": ("TEXT", True),
        "otel_scope_version": ("TEXT", True),
        "process_pid": ("INTEGER", True),
        "project_id": ("TEXT", False),
        "recorded_timestamp": ("TIMESTAMP WITH TIME ZONE", True),
        "scalar_value": ("DOUBLE PRECISION", True),
        "service_instance_id": ("TEXT", True),
        "service_name": ("TEXT", False),
        "service_namespace": ("TEXT", True),
        "service_version": ("TEXT", True),
        "start_timestamp": ("TIMESTAMP WITH TIME ZONE", True),
        "telemetry_sdk_language": ("TEXT", True),
        "telemetry_sdk_name": ("TEXT", True),
        "telemetry_sdk_version": ("TEXT", True),
        "unit": ("TEXT", False),
    },
}


# ---------------------------------------------------------------- sample rows (every column filled)


def _record_rows() -> list[dict[str, Any]]:
    start = dt.datetime(2025, 9, 24, 16, 34, 4, 123456, tzinfo=dt.UTC)
    common: dict[str, Any] = {
        "created_at": start + dt.timedelta(seconds=1),
        "day": start.date(),
        "project_id": "proj_1",
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "attributes": json.dumps({"http.route": "/items/{id}", "user": {"id": 7}}),
        "attributes_json_schema": json.dumps({"type": "object", "properties": {"user": {"type": "object"}}}),
        "tags": ["tag1", "run-42"],
        "otel_scope_name": "logfire",
        "otel_scope_version": "4.41.0",
        "otel_scope_attributes": "{}",
        "otel_resource_attributes": json.dumps({"service.name": "api", "process.pid": 4242}),
        "service_name": "api",
        "service_version": "1.2.3",
        "service_namespace": "shop",
        "service_instance_id": "api-7f9c",
        "process_pid": 4242,
        "deployment_environment": "prod",
        "telemetry_sdk_name": "opentelemetry",
        "telemetry_sdk_language": "python",
        "telemetry_sdk_version": "1.45.2",
        "http_response_status_code": 500,
        "http_method": "GET",
        "http_route": "/items/{id}",
        "url_full": "https://shop.example/items/7?full=1",
        "url_path": "/items/7",
        "url_query": "full=1",
    }
    exception = {
        "is_exception": True,
        "exception_type": "ValueError",
        "exception_message": "bad item",
        "exception_stacktrace": (
            'Traceback (most recent call last):\n  File "app.py", line 3\nValueError: bad item'
        ),
        "otel_status_code": "ERROR",
        "otel_status_message": "ValueError: bad item",
        "otel_events": json.dumps([{"name": "exception", "attributes": {"exception.type": "ValueError"}}]),
        "otel_links": json.dumps([{"trace_id": "1" * 32, "span_id": "2" * 16}]),
    }
    span = {
        **common,
        **exception,
        "start_timestamp": start,
        "end_timestamp": start + dt.timedelta(milliseconds=250),
        "duration": 0.25,
        "span_id": "b7ad6b7169203331",
        "parent_span_id": "00f067aa0ba902b7",
        "kind": "span",
        "level": 17,
        "span_name": "GET /items/{id}",
        "message": "GET /items/7",
        "log_body": "request failed",
    }
    log = {
        **common,
        **exception,
        "start_timestamp": start,
        "end_timestamp": start,
        "duration": 0.0,
        "span_id": "c8be7c827a314442",
        "parent_span_id": "b7ad6b7169203331",
        "kind": "log",
        "level": 9,
        "span_name": "item {id} loaded",
        "message": "item 7 loaded",
        "log_body": json.dumps({"structured": True}),
    }
    return [span, log]


def _metric_rows() -> list[dict[str, Any]]:
    recorded = dt.datetime(2025, 9, 24, 16, 35, tzinfo=dt.UTC)
    row: dict[str, Any] = {
        "recorded_timestamp": recorded,
        "start_timestamp": recorded - dt.timedelta(minutes=1),
        "created_at": recorded + dt.timedelta(seconds=2),
        "day": recorded.date(),
        "project_id": "proj_1",
        "metric_name": "http.server.duration",
        "metric_type": "histogram",
        "metric_description": "Duration of HTTP server requests.",
        "unit": "ms",
        "aggregation_temporality": "delta",
        "is_monotonic": False,
        "scalar_value": 3.5,
        "histogram_min": 0.5,
        "histogram_max": 120.0,
        "histogram_sum": 410.25,
        "histogram_count": 12,
        "histogram_bucket_counts": [1, 5, 6],
        "histogram_explicit_bounds": [1.0, 10.0],
        "exp_histogram_scale": -2,
        "exp_histogram_zero_count": 0,
        "exp_histogram_zero_threshold": 1e-9,
        "exp_histogram_positive_bucket_counts": [2, 0, 3],
        "exp_histogram_negative_bucket_counts": [1],
        "exp_histogram_positive_bucket_counts_offset": -3,
        "exp_histogram_negative_bucket_counts_offset": 4,
        "exemplars": json.dumps([{"value": 120.0, "trace_id": "0af7651916cd43dd8448eb211c80319c"}]),
        "attributes": json.dumps({"http.route": "/items/{id}"}),
        "attributes_json_schema": json.dumps({"type": "object"}),
        "otel_scope_name": "opentelemetry.instrumentation.asgi",
        "otel_scope_version": "0.66b2",
        "otel_scope_attributes": "{}",
        "otel_resource_attributes": json.dumps({"service.name": "api"}),
        "service_name": "api",
        "service_namespace": "shop",
        "service_version": "1.2.3",
        "service_instance_id": "api-7f9c",
        "process_pid": 4242,
        "deployment_environment": "prod",
        "telemetry_sdk_name": "opentelemetry",
        "telemetry_sdk_language": "python",
        "telemetry_sdk_version": "1.45.2",
    }
    gauge = {**row, "metric_name": "process.cpu.utilization", "metric_type": "gauge", "scalar_value": 0.42}
    return [row, gauge]


def _good_table(name: str) -> pa.Table:
    rows = _metric_rows() if name == "metrics" else _record_rows()
    return pa.Table.from_pylist(rows, schema=TABLES[name].schema)


# ---------------------------------------------------------------- columns, types, nullability


def test_records_columns_in_order() -> None:
    assert RECORDS_SCHEMA.names == RECORDS_COLUMNS
    assert TABLES["records"].schema.names == RECORDS_COLUMNS
    assert TABLES["records_all"].schema is RECORDS_SCHEMA


def test_metrics_columns_in_order() -> None:
    assert METRICS_SCHEMA.names == METRICS_COLUMNS
    assert TABLES["metrics"].schema is METRICS_SCHEMA


def test_table_specs() -> None:
    assert list(TABLES) == ["records", "records_all", "metrics"]
    assert TABLES["records"].time_column == "start_timestamp"
    assert TABLES["records_all"].time_column == "start_timestamp"
    assert TABLES["metrics"].time_column == "recorded_timestamp"
    assert "pending" in TABLES["records_all"].description
    for name, spec in TABLES.items():
        assert spec.name == name
        assert spec.description.strip()
        assert spec.time_column in spec.schema.names
    with pytest.raises(TypeError):
        TABLES["x"] = TABLES["records"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("column", "data_type"),
    [
        ("start_timestamp", TS),
        ("end_timestamp", TS),
        ("created_at", TS),
        ("duration", pa.float64()),
        ("day", pa.date32()),
        ("project_id", pa.string()),
        ("trace_id", pa.string()),
        ("attributes", pa.string()),
        ("level", pa.int32()),
        ("process_pid", pa.int64()),
        ("http_response_status_code", pa.int32()),
        ("tags", pa.list_(pa.string())),
        ("is_exception", pa.bool_()),
        ("log_body", pa.string()),
    ],
)
def test_records_types(column: str, data_type: pa.DataType) -> None:
    assert RECORDS_SCHEMA.field(column).type.equals(data_type)


@pytest.mark.parametrize(
    ("column", "data_type"),
    [
        ("recorded_timestamp", TS),
        ("start_timestamp", TS),
        ("created_at", TS),
        ("day", pa.date32()),
        ("scalar_value", pa.float64()),
        ("is_monotonic", pa.bool_()),
        ("histogram_count", pa.int64()),
        ("histogram_bucket_counts", pa.list_(pa.int64())),
        ("histogram_explicit_bounds", pa.list_(pa.float64())),
        ("exp_histogram_scale", pa.int32()),
        ("exp_histogram_zero_count", pa.int64()),
        ("exp_histogram_positive_bucket_counts", pa.list_(pa.int64())),
        ("exp_histogram_negative_bucket_counts_offset", pa.int32()),
        ("process_pid", pa.int64()),
        ("unit", pa.string()),
    ],
)
def test_metrics_types(column: str, data_type: pa.DataType) -> None:
    assert METRICS_SCHEMA.field(column).type.equals(data_type)


def test_timestamps_are_utc_microseconds_and_text_is_utf8() -> None:
    for schema in (RECORDS_SCHEMA, METRICS_SCHEMA):
        for field in schema:
            assert not pa.types.is_large_string(field.type), field.name
            if pa.types.is_timestamp(field.type):
                assert field.type.unit == "us"
                assert field.type.tz == "UTC"


@pytest.mark.parametrize(
    ("schema", "non_null"), [(RECORDS_SCHEMA, RECORDS_NON_NULL), (METRICS_SCHEMA, METRICS_NON_NULL)]
)
def test_nullability(schema: pa.Schema, non_null: set[str]) -> None:
    assert {field.name for field in schema if not field.nullable} == non_null


def test_every_field_has_a_description() -> None:
    for schema in (RECORDS_SCHEMA, METRICS_SCHEMA):
        for field in schema:
            assert description_of(field).strip(), field.name
    assert description_of(RECORDS_SCHEMA.field("level")).startswith("Severity number")


def test_matches_the_hosted_service_schemas_response() -> None:
    document = schemas_document(["records", "metrics"])
    for table in document["tables"]:
        ours = {col: (info["data_type"], info["nullable"]) for col, info in table["schema"].items()}
        assert ours == HOSTED_SQL_TYPES[table["name"]]


# ---------------------------------------------------------------- empty_table / validate_table


@pytest.mark.parametrize("name", ["records", "records_all", "metrics"])
def test_empty_table(name: str) -> None:
    table = empty_table(name)
    assert table.num_rows == 0
    assert table.schema.equals(TABLES[name].schema, check_metadata=True)
    validate_table(name, table)


def test_unknown_table() -> None:
    with pytest.raises(KeyError, match="known tables: records, records_all, metrics"):
        empty_table("spans")


@pytest.mark.parametrize("name", ["records", "records_all", "metrics"])
def test_validate_accepts_a_good_table(name: str) -> None:
    validate_table(name, _good_table(name))


def test_validate_accepts_a_table_without_descriptions() -> None:
    table = _good_table("records")
    validate_table("records", table.replace_schema_metadata(None).cast(RECORDS_SCHEMA.remove_metadata()))


def test_validate_reports_missing_and_extra_columns() -> None:
    table = (
        _good_table("records").drop_columns(["trace_id", "log_body"]).append_column("spam", pa.array([1, 2]))
    )
    with pytest.raises(SchemaMismatch) as info:
        validate_table("records", table)
    message = str(info.value)
    assert "missing columns: trace_id, log_body" in message
    assert "extra columns: spam" in message
    assert info.value.missing == ["trace_id", "log_body"]
    assert info.value.unexpected == ["spam"]
    assert isinstance(info.value, HearthError)
    assert isinstance(info.value, ValueError)


def _replace(table: pa.Table, column: str, field: pa.Field, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(column), field, values)


def test_validate_reports_a_naive_timestamp() -> None:
    table = _good_table("records")
    naive = table.column("start_timestamp").cast(pa.timestamp("us"))
    bad = _replace(
        table, "start_timestamp", pa.field("start_timestamp", pa.timestamp("us"), nullable=False), naive
    )
    with pytest.raises(SchemaMismatch, match=r"start_timestamp \(expected timestamp\[us, tz=UTC\]"):
        validate_table("records", bad)


def test_validate_reports_large_string_and_wrong_int_width() -> None:
    table = _good_table("metrics")
    table = _replace(
        table,
        "metric_name",
        pa.field("metric_name", pa.large_string(), nullable=False),
        table.column("metric_name").cast(pa.large_string()),
    )
    table = _replace(
        table,
        "exp_histogram_scale",
        pa.field("exp_histogram_scale", pa.int64()),
        table.column("exp_histogram_scale").cast(pa.int64()),
    )
    with pytest.raises(SchemaMismatch) as info:
        validate_table("metrics", table)
    assert len(info.value.mistyped) == 2
    assert "metric_name (expected string, got large_string)" in str(info.value)
    assert "exp_histogram_scale (expected int32, got int64)" in str(info.value)


def test_validate_reports_nullable_flag_and_nulls() -> None:
    loose = pa.Table.from_pylist(_record_rows())  # inferred schema: every field nullable
    loose = loose.select(RECORDS_COLUMNS).cast(
        pa.schema([pa.field(f.name, f.type, nullable=True) for f in RECORDS_SCHEMA])
    )
    with pytest.raises(SchemaMismatch, match=r"project_id \(expected non-null, got nullable field\)"):
        validate_table("records", loose)

    rows = _record_rows()
    rows[1]["service_name"] = None
    with_null = pa.Table.from_pylist(rows, schema=RECORDS_SCHEMA)
    with pytest.raises(SchemaMismatch, match=r"service_name \(non-null column holds 1 null\(s\)\)"):
        validate_table("records", with_null)


def test_validate_reports_column_order() -> None:
    table = _good_table("metrics")
    shuffled = table.select(list(reversed(table.schema.names)))
    with pytest.raises(
        SchemaMismatch, match="columns out of order, expected: recorded_timestamp, start_timestamp"
    ):
        validate_table("metrics", shuffled)


def test_validate_reports_duplicate_columns() -> None:
    table = _good_table("metrics")
    duplicated = table.append_column(table.schema.field("unit"), table.column("unit"))
    with pytest.raises(SchemaMismatch, match=r"extra columns: unit \(duplicated\)"):
        validate_table("metrics", duplicated)


# ---------------------------------------------------------------- /v1/schemas document


def test_schemas_document_shape() -> None:
    document = schemas_document()
    assert list(document) == ["tables"]
    assert [t["name"] for t in document["tables"]] == ["records", "records_all", "metrics"]
    for table in document["tables"]:
        assert set(table) == {"name", "description", "schema"}
        assert isinstance(table["description"], str)
        assert list(table["schema"]) == TABLES[table["name"]].schema.names
        for column in table["schema"].values():
            assert set(column) == {"data_type", "nullable", "description"}
            assert isinstance(column["data_type"], str)
            assert isinstance(column["nullable"], bool)
            assert column["description"]
    records = document["tables"][0]["schema"]
    assert records["start_timestamp"]["data_type"] == "TIMESTAMP WITH TIME ZONE"
    assert records["start_timestamp"]["nullable"] is False
    assert records["tags"]["data_type"] == "TEXT[]"
    json.dumps(document)  # plain JSON all the way down


def test_schemas_document_with_arrow_type_names() -> None:
    document = schemas_document(["metrics"], type_names="arrow")
    assert [t["name"] for t in document["tables"]] == ["metrics"]
    schema = document["tables"][0]["schema"]
    assert schema["recorded_timestamp"] == {
        "data_type": {"Timestamp": ["Microsecond", "UTC"]},
        "nullable": True,
        "description": description_of(METRICS_SCHEMA.field("recorded_timestamp")),
    }
    assert schema["metric_name"]["data_type"] == "Utf8"
    assert schema["histogram_explicit_bounds"]["data_type"]["List"]["data_type"] == "Float64"
    json.dumps(document)


# ---------------------------------------------------------------- type names


def _item(data_type: Any, *, name: str = "item", nullable: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "data_type": data_type,
        "nullable": nullable,
        "dict_id": 0,
        "dict_is_ordered": False,
        "metadata": {},
    }


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        (pa.null(), "Null"),
        (pa.bool_(), "Boolean"),
        (pa.int8(), "Int8"),
        (pa.int16(), "Int16"),
        (pa.int32(), "Int32"),
        (pa.int64(), "Int64"),
        (pa.uint8(), "UInt8"),
        (pa.uint16(), "UInt16"),
        (pa.uint32(), "UInt32"),
        (pa.uint64(), "UInt64"),
        (pa.float16(), "Float16"),
        (pa.float32(), "Float32"),
        (pa.float64(), "Float64"),
        (pa.string(), "Utf8"),
        (pa.large_string(), "LargeUtf8"),
        (pa.string_view(), "Utf8View"),
        (pa.binary(), "Binary"),
        (pa.large_binary(), "LargeBinary"),
        (pa.binary(16), {"FixedSizeBinary": 16}),
        (pa.date32(), "Date32"),
        (pa.date64(), "Date64"),
        (pa.timestamp("us", tz="UTC"), {"Timestamp": ["Microsecond", "UTC"]}),
        (pa.timestamp("ns"), {"Timestamp": ["Nanosecond", None]}),
        (pa.timestamp("ms", tz="Europe/Paris"), {"Timestamp": ["Millisecond", "Europe/Paris"]}),
        (pa.timestamp("s"), {"Timestamp": ["Second", None]}),
        (pa.time32("ms"), {"Time32": "Millisecond"}),
        (pa.time64("us"), {"Time64": "Microsecond"}),
        (pa.duration("us"), {"Duration": "Microsecond"}),
        (pa.duration("s"), {"Duration": "Second"}),
        (pa.month_day_nano_interval(), {"Interval": "MonthDayNano"}),
        (pa.decimal128(38, 10), {"Decimal128": [38, 10]}),
        (pa.decimal256(50, 2), {"Decimal256": [50, 2]}),
        (pa.list_(pa.string()), {"List": _item("Utf8")}),
        (pa.list_(pa.int64()), {"List": _item("Int64")}),
        (pa.large_list(pa.float64()), {"LargeList": _item("Float64")}),
        (pa.list_(pa.int32(), 3), {"FixedSizeList": [_item("Int32"), 3]}),
        (
            pa.list_(pa.list_(pa.string())),
            {"List": _item({"List": _item("Utf8")})},
        ),
        (
            pa.struct([pa.field("a", pa.int64(), nullable=False), pa.field("b", pa.string())]),
            {"Struct": [_item("Int64", name="a", nullable=False), _item("Utf8", name="b")]},
        ),
        (pa.dictionary(pa.uint16(), pa.string()), {"Dictionary": ["UInt16", "Utf8"]}),
    ],
)
def test_arrow_type_name(data_type: pa.DataType, expected: Any) -> None:
    assert arrow_type_name(data_type) == expected
    json.dumps(expected)


def test_arrow_type_name_of_list_matches_the_hosted_query_response() -> None:
    # `tags` in a real `/v2/query` schema (logfire SDK cassette test_query_json_read_sync).
    assert arrow_type_name(RECORDS_SCHEMA.field("tags").type) == {
        "List": {
            "name": "item",
            "data_type": "Utf8",
            "nullable": True,
            "dict_id": 0,
            "dict_is_ordered": False,
            "metadata": {},
        }
    }


def test_arrow_type_name_falls_back_to_pyarrow_spelling() -> None:
    union = pa.sparse_union([pa.field("i", pa.int32()), pa.field("s", pa.string())])
    assert arrow_type_name(union) == str(union)


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        (pa.string(), "TEXT"),
        (pa.large_string(), "TEXT"),
        (pa.int32(), "INTEGER"),
        (pa.int64(), "INTEGER"),
        (pa.float64(), "DOUBLE PRECISION"),
        (pa.float32(), "REAL"),
        (pa.bool_(), "BOOLEAN"),
        (pa.date32(), "DATE"),
        (TS, "TIMESTAMP WITH TIME ZONE"),
        (pa.timestamp("us"), "TIMESTAMP"),
        (pa.list_(pa.string()), "TEXT[]"),
        (pa.list_(pa.int64()), "INTEGER[]"),
        (pa.decimal128(10, 2), "NUMERIC(10, 2)"),
        (pa.binary(), "BYTEA"),
        (pa.duration("us"), "INTERVAL"),
        (pa.dictionary(pa.int32(), pa.string()), "TEXT"),
    ],
)
def test_sql_type_name(data_type: pa.DataType, expected: str) -> None:
    assert sql_type_name(data_type) == expected


# ---------------------------------------------------------------- Parquet roundtrip


@pytest.mark.parametrize("name", ["records", "metrics"])
def test_parquet_roundtrip(name: str, tmp_path: Path) -> None:
    table = _good_table(name)
    for column in table.column_names:
        assert table.column(column).null_count == 0, f"sample rows leave {column} empty"
    validate_table(name, table)

    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path, compression="zstd", **PARQUET_SCHEMA_OPTIONS)
    back = pq.read_table(path)

    assert back.schema.equals(TABLES[name].schema, check_metadata=True)  # descriptions, tz, list items
    assert back.equals(table)
    assert back.to_pylist() == table.to_pylist()
    time_type = back.schema.field(TABLES[name].time_column).type
    assert (time_type.unit, time_type.tz) == ("us", "UTC")
    validate_table(name, back)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


def test_parquet_default_options_rename_list_items(tmp_path: Path) -> None:
    """Why PARQUET_SCHEMA_OPTIONS exists: without it, `tags` comes back as list<element: string>."""
    path = tmp_path / "default.parquet"
    pq.write_table(_good_table("records"), path, compression="zstd")
    tags = pq.read_table(path).schema.field("tags").type
    assert tags.value_field.name == "element"
    rendered = arrow_type_name(tags)
    assert isinstance(rendered, dict)
    assert rendered["List"]["name"] == "element"
