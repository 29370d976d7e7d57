"""One WAL record → the tables it adds rows to, by the pure functions of :mod:`hearth_ingest.otlp`.

The time window is judged against the record's arrival time, not the clock at processing: a replay
of the same segment days later makes exactly the same rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hearth_ingest.otlp import ConversionResult, logs_to_records, metrics_to_rows, spans_to_records
from hearth_ingest.otlp.native import spans_body_to_records
from hearth_ingest.wal.format import Signal, WalRecord
from hearth_shared.catalog.files import TableName

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def convert_record(record: WalRecord, *, native: bool = True) -> list[tuple[TableName, pa.Table]]:
    received_at = EPOCH + timedelta(microseconds=record.received_at_ns // 1000)  # exact, unlike a float
    project_id = record.project_id
    body = record.protobuf()
    result: ConversionResult
    if record.signal is Signal.TRACES and native:
        result = spans_body_to_records(body, project_id=project_id, received_at=received_at, now=received_at)
    elif record.signal is Signal.TRACES:
        request = ExportTraceServiceRequest.FromString(body)
        result = spans_to_records(request, project_id=project_id, received_at=received_at, now=received_at)
    elif record.signal is Signal.LOGS:
        logs = ExportLogsServiceRequest.FromString(body)
        result = logs_to_records(logs, project_id=project_id, received_at=received_at, now=received_at)
    else:
        metrics = ExportMetricsServiceRequest.FromString(body)
        result = metrics_to_rows(metrics, project_id=project_id, received_at=received_at, now=received_at)
    return [("records", result.records), ("metrics", result.metrics)]
