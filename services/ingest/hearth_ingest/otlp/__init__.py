"""OTLP → Arrow: pure functions, no I/O (the WAL processor and the HTTP API build on them)::

    request = decode_request("traces", body, content_type)        # InvalidOtlp (400) on bad input
    result = spans_to_records(request, project_id=p, received_at=t, now=t)
    result.records        # pa.Table of RECORDS_SCHEMA (+ one "logfire ingest error" row if any dropped)
    result.metrics        # pa.Table of METRICS_SCHEMA (metrics_to_rows)
    result.rejected, result.error_message                         # OTLP partial_success

Modules: ``decode`` (protobuf / OTLP-JSON bodies), ``records`` (spans and logs; its docstring lists
every mapping decision data-model.md leaves open), ``metrics`` (data points), ``context``
(per-resource/per-scope columns), ``values`` (AnyValue → JSON, text limits).
"""

from __future__ import annotations

from hearth_ingest.otlp.decode import ExportRequest, decode_request
from hearth_ingest.otlp.metrics import metrics_to_rows
from hearth_ingest.otlp.records import logs_to_records, spans_to_records
from hearth_ingest.otlp.result import ConversionResult

__all__ = [
    "ConversionResult",
    "ExportRequest",
    "decode_request",
    "logs_to_records",
    "metrics_to_rows",
    "spans_to_records",
]
