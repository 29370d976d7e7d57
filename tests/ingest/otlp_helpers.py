"""Builders of OTLP requests and a checked conversion helper, shared by the ``test_otlp_*`` modules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from hearth_ingest.otlp import ConversionResult, logs_to_records, metrics_to_rows, spans_to_records
from hearth_ingest.otlp.native import spans_body_to_records
from hearth_shared.schema import validate_table

NOW = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
RECEIVED = NOW + timedelta(milliseconds=5)
PROJECT = "proj-1"
TRACE_ID = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
SPAN_ID = bytes.fromhex("b7ad6b7169203331")
PARENT_ID = bytes.fromhex("00f067aa0ba902b7")

_CONVERTERS = {"traces": spans_to_records, "logs": logs_to_records, "metrics": metrics_to_rows}


def ns(moment: datetime) -> int:
    """Unix nanoseconds of ``moment`` (exact)."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000


def convert(
    signal: str, request: Any, *, now: datetime = NOW, received_at: datetime = RECEIVED
) -> ConversionResult:
    """Convert with the fixed project/times, and check both tables against their schemas."""
    result: ConversionResult = _CONVERTERS[signal](
        request, project_id=PROJECT, received_at=received_at, now=now
    )
    validate_table("records", result.records)
    validate_table("metrics", result.metrics)
    if signal == "traces":
        # Every traces case is also a case of the C fast path: it must give the same rows.
        native = spans_body_to_records(
            request.SerializeToString(), project_id=PROJECT, received_at=received_at, now=now
        )
        validate_table("records", native.records)
        assert_same_records(native.records, result.records)
        assert (native.rejected, native.error_message) == (result.rejected, result.error_message)
    return result


def assert_same_records(actual: pa.Table, expected: pa.Table) -> None:
    """The same rows in any order (as multisets); a failure names the first row that differs."""
    assert actual.num_rows == expected.num_rows, (actual.num_rows, expected.num_rows)
    got, want = sorted(map(_row_text, actual.to_pylist())), sorted(map(_row_text, expected.to_pylist()))
    for got_row, want_row in zip(got, want, strict=True):
        assert got_row == want_row


def _row_text(row: dict[str, Any]) -> str:
    return repr(sorted(row.items()))


def rows(result: ConversionResult, *, kind: str | None = None) -> list[dict[str, Any]]:
    """The ``records`` rows (optionally of one kind) as dicts."""
    out: list[dict[str, Any]] = result.records.to_pylist()
    return [row for row in out if kind is None or row["kind"] == kind]


def any_value(value: Any) -> AnyValue:
    """A Python value as an OTLP AnyValue (bytes → bytes_value, dict → kvlist, list → array)."""
    out = AnyValue()
    if isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, int):
        out.int_value = value
    elif isinstance(value, float):
        out.double_value = value
    elif isinstance(value, str):
        out.string_value = value
    elif isinstance(value, bytes):
        out.bytes_value = value
    elif isinstance(value, list):
        out.array_value.values.extend(any_value(v) for v in value)
    elif isinstance(value, dict):
        out.kvlist_value.values.extend(key_value(k, v) for k, v in value.items())
    elif value is not None:
        raise TypeError(value)
    return out


def key_value(key: str, value: Any) -> KeyValue:
    return KeyValue(key=key, value=any_value(value))


def trace_request(
    *spans: dict[str, Any],
    resource: dict[str, Any] | None = None,
    scope: tuple[str, str] = ("logfire", "5.2.0"),
) -> ExportTraceServiceRequest:
    """One resource, one scope, the given spans (keyword dicts of Span fields; ``attributes`` a dict)."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.extend(
        key_value(k, v) for k, v in (resource if resource is not None else {"service.name": "svc"}).items()
    )
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name, scope_spans.scope.version = scope
    for fields in spans:
        span = scope_spans.spans.add()
        values: dict[str, Any] = {
            "trace_id": TRACE_ID,
            "span_id": SPAN_ID,
            "name": "span",
            "start_time_unix_nano": ns(NOW - timedelta(seconds=1)),
            "end_time_unix_nano": ns(NOW - timedelta(milliseconds=500)),
        }
        values.update(fields)
        for name, value in values.items():
            if name == "attributes":
                span.attributes.extend(key_value(k, v) for k, v in value.items())
            elif name == "events":
                for event in value:
                    added = span.events.add(name=event["name"], time_unix_nano=event.get("time", 0))
                    added.attributes.extend(key_value(k, v) for k, v in event.get("attributes", {}).items())
            elif name == "status":
                span.status.code, span.status.message = value
            else:
                setattr(span, name, value)
    return request


def logs_request(
    *records: dict[str, Any], resource: dict[str, Any] | None = None
) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    resource_logs.resource.attributes.extend(
        key_value(k, v) for k, v in (resource if resource is not None else {"service.name": "svc"}).items()
    )
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.name = "app.logger"
    for fields in records:
        record = scope_logs.log_records.add()
        for name, value in fields.items():
            if name == "attributes":
                record.attributes.extend(key_value(k, v) for k, v in value.items())
            elif name == "body":
                record.body.CopyFrom(any_value(value))
            else:
                setattr(record, name, value)
    return request


def wire_varint(value: int) -> bytes:
    """A protobuf varint, for requests built byte by byte (wire-format oddities protobuf would not write)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def wire_field(number: int, wire_type: int, payload: bytes) -> bytes:
    """One protobuf field: its tag, then ``payload`` (length-prefixed for wire type 2)."""
    if wire_type == 2:
        payload = wire_varint(len(payload)) + payload
    return wire_varint(number << 3 | wire_type) + payload
