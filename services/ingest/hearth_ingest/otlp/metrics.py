"""OTLP metrics → Arrow table of the ``metrics`` schema, one row per data point (pure, no I/O).

Decisions where ``reference/data-model.md`` is silent:

- ``metric_description`` is NULL when empty; ``unit`` is ``""`` when none was sent (non-null column).
- ``aggregation_temporality``: ``delta`` / ``cumulative``; NULL for gauges and for UNSPECIFIED (0).
  ``is_monotonic`` is set for sums only.
- ``scalar_value``: ``as_double``, or ``as_int`` as float64; NULL when the point has neither.
- Histograms: ``histogram_min``/``_max``/``_sum`` are NULL when the optional field is absent; bucket
  counts are ``[]`` (not NULL) when a histogram has no buckets; unsigned 64-bit counts past 2^63 are
  saturated to 2^63-1 (the columns are int64, see ``hearth_shared.schema.metrics``).
- Exponential histograms fill ``histogram_min/max/sum/count`` too (so ``metric_count`` etc. work on both
  kinds), plus scale, zero count/threshold, and both bucket ranges (``[]`` and offset 0 when absent).
- ``exemplars``: NULL when none, else a JSON array of ``{"timestamp": "…Z", "value", "trace_id",
  "span_id", "attributes"}`` (ids as lowercase hex, omitted when empty; ``attributes`` are the
  exemplar's filtered attributes).
- ``attributes``: the data point's attributes as a JSON object (``{}`` when none);
  ``attributes_json_schema`` is always NULL (OTLP metrics carry none).
- Time window: data points are kept or dropped by ``recorded_timestamp`` (``time_unix_nano``) with the
  same ``[now - 24h, now + 1h]`` rule as records; Summary data points are dropped. Both count as
  rejected data points; the one ``logfire ingest error`` row goes to ``ConversionResult.records``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from hearth_ingest.otlp.builder import RecordsBuilder, encode_attributes, finish_request
from hearth_ingest.otlp.context import (
    ResourceColumns,
    ScopeColumns,
    Segments,
    columns_table,
    repeat,
    resource_columns,
    scope_columns,
)
from hearth_ingest.otlp.result import ConversionResult, Rejections, unix_nano
from hearth_ingest.otlp.values import attributes_dict, clamp_u64, clamp_u64_list, dumps, iso_timestamp
from hearth_shared.schema import METRICS_SCHEMA

_TEMPORALITY = {1: "delta", 2: "cumulative"}

# Columns a data point sets, in METRICS_SCHEMA order; the others come from the request, resource, scope.
_POINT_COLUMNS = (
    "recorded_timestamp",
    "start_timestamp",
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
)
_JSON_COLUMNS = frozenset({"exemplars", "attributes"})
_TIMESTAMP = METRICS_SCHEMA.field("recorded_timestamp").type


class _MetricsBuilder:
    """One list per column (data points are few next to spans: a dict per point is fine here)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in _POINT_COLUMNS}
        self.segments = Segments()

    @property
    def rows(self) -> int:
        return len(self.columns["metric_name"])

    def add(self, values: dict[str, Any]) -> None:
        for name, column in self.columns.items():
            column.append(values.get(name))

    def close_segment(self, resource: ResourceColumns, scope: ScopeColumns) -> None:
        self.segments.close(self.rows, resource, scope)

    def table(self, *, project_id: str, created_at_us: int) -> pa.Table:
        n = self.rows
        columns: dict[str, Any] = dict(self.columns)
        recorded = pa.array(columns["recorded_timestamp"], type=_TIMESTAMP)
        columns["recorded_timestamp"] = recorded
        columns["day"] = pc.cast(recorded, pa.date32())
        columns["created_at"] = repeat(created_at_us, n, _TIMESTAMP)
        columns["project_id"] = repeat(project_id, n, pa.string())
        columns.update(self.segments.arrays(METRICS_SCHEMA))
        return columns_table(columns, METRICS_SCHEMA, _JSON_COLUMNS)


def metrics_to_rows(
    request: ExportMetricsServiceRequest, *, project_id: str, received_at: datetime, now: datetime
) -> ConversionResult:
    """An ``ExportMetricsServiceRequest`` as ``metrics`` rows (rules: module docstring).

    Gauge, sum, histogram and exponential histogram points become rows; Summary points and points
    outside ``[now - 24h, now + 1h]`` are rejected (partial success + one ``logfire ingest error`` row
    in ``records``).
    """
    rejections = Rejections.for_window("data points", now)
    builder = _MetricsBuilder()
    accepted = 0
    for resource_metrics in request.resource_metrics:
        resource = resource_columns(resource_metrics.resource)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = scope_columns(scope_metrics.scope)
            for metric in scope_metrics.metrics:
                accepted += _convert_metric(metric, builder, rejections)
            builder.close_segment(resource, scope)
    received_ns = unix_nano(received_at)
    metrics = builder.table(project_id=project_id, created_at_us=received_ns // 1000)
    return finish_request(
        RecordsBuilder(),
        rejections,
        accepted=accepted,
        signal="metrics",
        project_id=project_id,
        received_at=received_at,
        metrics=metrics,
    )


def _convert_metric(metric: Any, builder: _MetricsBuilder, rejections: Rejections) -> int:
    which = metric.WhichOneof("data")
    if which == "summary":
        rejections.reasons["summary"] += len(metric.summary.data_points)
        return 0
    if which is None:
        return 0
    data = getattr(metric, which)
    common: dict[str, Any] = {
        "metric_name": metric.name,
        "metric_type": which,
        "metric_description": metric.description or None,
        "unit": metric.unit,
    }
    if which != "gauge":
        common["aggregation_temporality"] = _TEMPORALITY.get(data.aggregation_temporality)
    if which == "sum":
        common["is_monotonic"] = data.is_monotonic
    point_values = _POINT_CONVERTERS[which]
    lo, hi = rejections.window_start, rejections.window_end
    accepted = 0
    for point in data.data_points:
        recorded = point.time_unix_nano
        if recorded < lo or recorded > hi:
            rejections.out_of_window(recorded)
            continue
        accepted += 1
        values = dict(common)
        values["recorded_timestamp"] = recorded // 1000
        start = point.start_time_unix_nano
        values["start_timestamp"] = start // 1000 if start else None
        values["attributes"] = encode_attributes(attributes_dict(point.attributes))
        if point.exemplars:
            values["exemplars"] = _exemplars(point.exemplars)
        point_values(point, values)
        builder.add(values)
    return accepted


def _number(point: Any, values: dict[str, Any]) -> None:
    which = point.WhichOneof("value")
    if which == "as_double":
        values["scalar_value"] = point.as_double
    elif which == "as_int":
        values["scalar_value"] = float(point.as_int)


def _histogram(point: Any, values: dict[str, Any]) -> None:
    _histogram_summary(point, values)
    values["histogram_bucket_counts"] = clamp_u64_list(list(point.bucket_counts))
    values["histogram_explicit_bounds"] = list(point.explicit_bounds)


def _exponential_histogram(point: Any, values: dict[str, Any]) -> None:
    _histogram_summary(point, values)
    values["exp_histogram_scale"] = point.scale
    values["exp_histogram_zero_count"] = clamp_u64(point.zero_count)
    values["exp_histogram_zero_threshold"] = point.zero_threshold
    positive, negative = point.positive, point.negative
    values["exp_histogram_positive_bucket_counts"] = clamp_u64_list(list(positive.bucket_counts))
    values["exp_histogram_negative_bucket_counts"] = clamp_u64_list(list(negative.bucket_counts))
    values["exp_histogram_positive_bucket_counts_offset"] = positive.offset
    values["exp_histogram_negative_bucket_counts_offset"] = negative.offset


def _histogram_summary(point: Any, values: dict[str, Any]) -> None:
    values["histogram_count"] = clamp_u64(point.count)
    has = point.HasField
    values["histogram_sum"] = point.sum if has("sum") else None
    values["histogram_min"] = point.min if has("min") else None
    values["histogram_max"] = point.max if has("max") else None


_POINT_CONVERTERS = {
    "gauge": _number,
    "sum": _number,
    "histogram": _histogram,
    "exponential_histogram": _exponential_histogram,
}


def _exemplars(exemplars: Any) -> bytes:
    items: list[dict[str, Any]] = []
    for exemplar in exemplars:
        which = exemplar.WhichOneof("value")
        item: dict[str, Any] = {
            "timestamp": iso_timestamp(exemplar.time_unix_nano) if exemplar.time_unix_nano else None,
            "value": exemplar.as_int if which == "as_int" else exemplar.as_double if which else None,
        }
        if exemplar.trace_id:
            item["trace_id"] = exemplar.trace_id.hex()
        if exemplar.span_id:
            item["span_id"] = exemplar.span_id.hex()
        item["attributes"] = attributes_dict(exemplar.filtered_attributes)
        items.append(item)
    return dumps(items)
