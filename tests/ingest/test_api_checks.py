"""The door count (``otlp_checks``) agrees with what the conversion drops, record for record.

The response's ``partial_success`` is computed before conversion; these cases pin it to the
converters' own ``rejected`` and ``error_message`` at the edges of every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hearth_otlp_native import count_spans
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
    Sum,
    Summary,
    SummaryDataPoint,
)

from hearth_ingest.otlp import logs_to_records, metrics_to_rows, spans_to_records
from hearth_ingest.otlp.result import MAX_AGE, MAX_FUTURE
from hearth_ingest.otlp_checks import count_rejections, received_at
from tests.ingest.otlp_helpers import wire_field, wire_varint

# Sub-microsecond digits on purpose: the pipeline judges at microsecond precision, so must the door.
RECEIVED_NS = 1_790_000_000_123_456_789
NOW_NS = RECEIVED_NS // 1000 * 1000
LO = NOW_NS - MAX_AGE // timedelta(microseconds=1) * 1000
HI = NOW_NS + MAX_FUTURE // timedelta(microseconds=1) * 1000
TRACE = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
SPAN = bytes.fromhex("b7ad6b7169203331")


def spans(*items: tuple[int, bytes, bytes]) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add().scope_spans.add()
    for start, trace_id, span_id in items:
        scope.spans.add(name="s", trace_id=trace_id, span_id=span_id, start_time_unix_nano=start)
    # a second resource, so the walk covers more than the first
    other = request.resource_spans.add().scope_spans.add()
    other.spans.add(name="t", trace_id=TRACE, span_id=SPAN, start_time_unix_nano=NOW_NS)
    return request


def logs(*items: tuple[int, int]) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    scope = request.resource_logs.add().scope_logs.add()
    for at, observed in items:
        scope.log_records.add(time_unix_nano=at, observed_time_unix_nano=observed)
    return request


def metrics(*metric_list: Metric) -> ExportMetricsServiceRequest:
    request = ExportMetricsServiceRequest()
    request.resource_metrics.add().scope_metrics.add().metrics.extend(metric_list)
    return request


CASES: dict[str, tuple[str, Callable[[], Any]]] = {
    "spans in window, at both edges": ("traces", lambda: spans((LO, TRACE, SPAN), (HI, TRACE, SPAN))),
    "spans just outside both edges": ("traces", lambda: spans((LO - 1, TRACE, SPAN), (HI + 1, TRACE, SPAN))),
    "span at zero time": ("traces", lambda: spans((0, TRACE, SPAN))),
    "bad ids": (
        "traces",
        lambda: spans(
            (NOW_NS, bytes(16), SPAN),
            (NOW_NS, TRACE, bytes(8)),
            (NOW_NS, TRACE[:15], SPAN),
            (NOW_NS, TRACE, SPAN + b"x"),
            (NOW_NS, b"", b""),
        ),
    ),
    "old span with bad ids counts as old": ("traces", lambda: spans((LO - 1, b"", b""))),
    "no spans": ("traces", ExportTraceServiceRequest),
    "log times and fallbacks": (
        "logs",
        lambda: logs((LO, 0), (LO - 1, 0), (0, LO - 1), (0, HI), (0, HI + 1), (0, 0), (NOW_NS, LO - 5)),
    ),
    "metrics of every kind": (
        "metrics",
        lambda: metrics(
            Metric(
                name="g", gauge=Gauge(data_points=[NumberDataPoint(time_unix_nano=t) for t in (LO, LO - 1)])
            ),
            Metric(name="s", sum=Sum(data_points=[NumberDataPoint(time_unix_nano=t) for t in (HI, HI + 1)])),
            Metric(name="h", histogram=Histogram(data_points=[HistogramDataPoint(time_unix_nano=0)])),
            Metric(
                name="e",
                exponential_histogram=ExponentialHistogram(
                    data_points=[ExponentialHistogramDataPoint(time_unix_nano=NOW_NS)]
                ),
            ),
            Metric(name="q", summary=Summary(data_points=[SummaryDataPoint(time_unix_nano=NOW_NS)] * 3)),
            Metric(name="empty"),
        ),
    ),
    "only summaries": (
        "metrics",
        lambda: metrics(Metric(name="q", summary=Summary(data_points=[SummaryDataPoint()]))),
    ),
}
CONVERTERS = {"traces": spans_to_records, "logs": logs_to_records, "metrics": metrics_to_rows}


@pytest.mark.parametrize("case", list(CASES))
def test_door_count_matches_the_conversion(case: str) -> None:
    signal, build = CASES[case]
    request = build()
    at = received_at(RECEIVED_NS)
    converted = CONVERTERS[signal](request, project_id="p", received_at=at, now=at)
    counted = count_rejections(signal, request, RECEIVED_NS)  # type: ignore[arg-type]
    assert (counted.rejected, counted.error_message) == (converted.rejected, converted.error_message)
    # the C count straight from the protobuf bytes (traces) gives the same answer
    from_bytes = count_rejections(
        signal,  # type: ignore[arg-type]
        request,
        RECEIVED_NS,
        protobuf_body=request.SerializeToString(),
    )
    assert from_bytes == counted


def test_the_c_count_reads_the_bytes_and_leaves_oddities_to_python() -> None:
    request = spans((LO - 1, TRACE, SPAN), (HI + 1, TRACE, SPAN), (NOW_NS, TRACE, b""), (NOW_NS, TRACE, SPAN))
    body = request.SerializeToString()
    assert count_spans(body, LO, HI) == (5, 1, 1, 1)  # (spans() adds a span of a second resource)
    # a start time sent as a varint is an unknown field to protobuf (the span starts at 0): Python counts
    span = wire_field(1, 2, TRACE) + wire_field(2, 2, SPAN) + wire_field(7, 0, wire_varint(NOW_NS))
    odd = wire_field(1, 2, wire_field(2, 2, wire_field(2, 2, span)))
    assert count_spans(odd, LO, HI) is None
    counted = count_rejections("traces", ExportTraceServiceRequest.FromString(odd), RECEIVED_NS)
    assert (counted.total, counted.rejected) == (1, 1)


def test_totals_and_messages() -> None:
    counted = count_rejections("traces", spans((LO - 1, TRACE, SPAN), (HI + 1, TRACE, SPAN)), RECEIVED_NS)
    assert (counted.total, counted.rejected) == (3, 2)
    assert counted.error_message.startswith("rejected 2 of 3 spans: 2 outside the accepted time window")

    counted = count_rejections("traces", ExportTraceServiceRequest(), RECEIVED_NS)
    assert (counted.total, counted.rejected, counted.error_message) == (0, 0, "")

    counted = count_rejections("logs", logs((0, 0)), RECEIVED_NS)  # no time at all: received_at
    assert (counted.total, counted.rejected) == (1, 0)

    summaries = metrics(Metric(name="q", summary=Summary(data_points=[SummaryDataPoint()] * 2)))
    counted = count_rejections("metrics", summaries, RECEIVED_NS)
    assert (counted.total, counted.rejected) == (2, 2)
    assert "2 of Summary metrics" in counted.error_message
