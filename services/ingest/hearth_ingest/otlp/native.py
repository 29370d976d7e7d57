"""Spans through the C converter (``hearth_otlp_native``), with the Python converter for the rest.

The C code writes the Arrow buffers of the common spans straight from the protobuf bytes; it reports
every span it does not handle (events, links, rejections, unusual attribute types — see its header) and
declines requests with anything unusual in the wire format. Those go through
:func:`~hearth_ingest.otlp.records.spans_to_records`' own loop, so the mapping rules have one definition
and the result is the same table (rows in another order: the C rows first). Tests compare both paths on
the same requests, column by column.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from hearth_otlp_native import configure, convert_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from hearth_ingest.otlp.builder import (
    EMPTY_METRICS,
    RecordsBuilder,
    finish_request,
    json_schema_keys,
    records_table,
)
from hearth_ingest.otlp.context import Segments, resource_columns, scope_columns
from hearth_ingest.otlp.records import convert_spans_into, spans_to_records
from hearth_ingest.otlp.result import ConversionResult, Rejections, unix_nano
from hearth_shared.schema import RECORDS_SCHEMA

configure(orjson.dumps, orjson.loads, orjson.JSONDecodeError, json_schema_keys)

_TIMESTAMP = RECORDS_SCHEMA.field("start_timestamp").type
_FIXED_WIDTH = {
    "start_timestamp": _TIMESTAMP,
    "end_timestamp": _TIMESTAMP,
    "duration": pa.float64(),
    "level": pa.int32(),
    "http_response_status_code": pa.int32(),
}


def spans_body_to_records(
    body: bytes, *, project_id: str, received_at: datetime, now: datetime
) -> ConversionResult:
    """:func:`spans_to_records` of the ``ExportTraceServiceRequest`` in ``body`` (protobuf bytes)."""
    rejections = Rejections.for_window("spans", now)
    converted = convert_spans(body, rejections.window_start, rejections.window_end)
    if converted is None:  # something unusual in the wire format: all of it in Python
        request = ExportTraceServiceRequest.FromString(body)
        return spans_to_records(request, project_id=project_id, received_at=received_at, now=now)
    rows, columns, runs, resources, scopes, complex_spans = converted

    builder = RecordsBuilder()
    accepted = rows
    if complex_spans:
        request = ExportTraceServiceRequest.FromString(body)
        for (resource_index, scope_index), group in groupby(complex_spans, key=lambda span: span[:2]):
            resource_spans = request.resource_spans[resource_index]
            scope_spans = resource_spans.scope_spans[scope_index]
            spans = [scope_spans.spans[index] for _, _, index in group]
            accepted += convert_spans_into(spans, builder, rejections)
            builder.close_segment(resource_columns(resource_spans.resource), scope_columns(scope_spans.scope))
    native = _native_table(
        rows, columns, _segments(runs, resources, scopes), project_id, unix_nano(received_at) // 1000
    )
    if not complex_spans:  # (rejected spans are among the complex ones)
        return ConversionResult(native, EMPTY_METRICS, 0, "")
    result = finish_request(
        builder,
        rejections,
        accepted=accepted,
        signal="traces",
        project_id=project_id,
        received_at=received_at,
    )
    records = pa.concat_tables([native, result.records]) if rows else result.records
    return ConversionResult(records, result.metrics, result.rejected, result.error_message)


def _segments(
    runs: list[tuple[int, int, int]], resources: list[bytes | None], scopes: list[bytes | None]
) -> Segments:
    resource_cols = [resource_columns(Resource.FromString(raw or b"")) for raw in resources]
    scope_cols = [scope_columns(InstrumentationScope.FromString(raw or b"")) for raw in scopes]
    segments = Segments()
    segments.runs = [(count, resource_cols[r], scope_cols[s]) for count, r, s in runs]
    return segments


def _array(data_type: pa.DataType, rows: int, buffers: tuple[Any, ...]) -> pa.Array:
    validity, *rest = buffers
    return pa.Array.from_buffers(
        data_type, rows, [None if validity is None else pa.py_buffer(validity), *map(pa.py_buffer, rest)]
    )


def _native_table(
    rows: int, columns: dict[str, Any], segments: Segments, project_id: str, created_at_us: int
) -> pa.Table:
    arrays: dict[str, Any] = {}
    for name, buffers in columns.items():
        if name in _FIXED_WIDTH:
            arrays[name] = _array(_FIXED_WIDTH[name], rows, buffers)
        elif name == "tags":
            validity, offsets, values = buffers
            tag_values = _array(pa.string(), len(values[1]) // 4 - 1, values)  # offsets hold count + 1
            arrays[name] = pa.Array.from_buffers(
                RECORDS_SCHEMA.field("tags").type,
                rows,
                [None if validity is None else pa.py_buffer(validity), pa.py_buffer(offsets)],
                children=[tag_values],
            )
        else:
            arrays[name] = _array(pa.string(), rows, buffers)
    return records_table(arrays, rows, project_id=project_id, created_at_us=created_at_us, segments=segments)
