"""Small ``records``/``metrics`` tables and a runner: translate, then execute in a real DataFusion session."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from datafusion import SessionContext, SQLOptions

from hearth_query_api.dialect import translate
from hearth_query_api.engine.udfs import register_udfs
from hearth_shared.schema import METRICS_SCHEMA, RECORDS_SCHEMA

T0 = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)


def _record(i: int, **values: Any) -> dict[str, Any]:
    start = T0 + timedelta(seconds=30 * i)
    row: dict[str, Any] = {
        "start_timestamp": start,
        "end_timestamp": start + timedelta(seconds=values.get("duration") or 0),
        "created_at": start,
        "day": start.date(),
        "project_id": "p1",
        "trace_id": f"{i:032x}",
        "span_id": f"{i:016x}",
        "kind": "span",
        "level": 9,
        "span_name": f"span {i}",
        "message": f"message {i}",
        "service_name": "svc",
    }
    attributes = values.pop("attributes", None)
    if attributes is not None:
        row["attributes"] = attributes if isinstance(attributes, str) else orjson.dumps(attributes).decode()
    if isinstance(attributes, dict) and isinstance(attributes.get("http.route"), str):
        row["http_route"] = attributes["http.route"]  # promoted, as ingest does (a JSON-text row is not)
    row.update(values)
    return row


RECORD_ROWS = [
    _record(
        0, level=1, duration=0.1, tags=["a"], attributes={"http.route": "/users", "http": {"route": "nested"}}
    ),
    _record(1, level=9, duration=0.2, tags=["b"], attributes={"http.route": "/items", "cost": 1.5, "n": 3}),
    _record(2, level=13, duration=0.3, tags=["a", "b"], attributes={"user": {"id": 7, "tags": ["x", "y"]}}),
    _record(3, level=17, duration=0.4, attributes={"cost": "2.5", "ok": True, "http.route": '/us"ers'}),
    _record(4, level=21, duration=None, kind="log", attributes=None),
    _record(
        5,
        level=10,
        duration=1.0,
        attributes='{"a": {"http.route": "/deep"}, "http.route" : "/spaced", "route" : "/spaced"}',
        http_route="/spaced",  # ingest promotes it whatever the JSON spacing
    ),
    _record(6, level=14, duration=2.0, kind="pending_span", attributes={"http.route": "/pending"}),
]


def _metric(i: int, name: str, metric_type: str, **values: Any) -> dict[str, Any]:
    ts = T0 + timedelta(seconds=60 * i)
    row: dict[str, Any] = {
        "recorded_timestamp": ts,
        "created_at": ts,
        "day": ts.date(),
        "project_id": "p1",
        "metric_name": name,
        "metric_type": metric_type,
        "unit": "1",
        "service_name": "svc",
    }
    row.update(values)
    return row


METRIC_ROWS = [
    # a gauge: 10, 20, 30 → quantile is percentile_cont, increase last - first
    *(_metric(i, "temp", "gauge", scalar_value=v) for i, v in enumerate([10.0, 20.0, 30.0])),
    # a cumulative counter with a reset: 5 → 8 → 2 → 6 : increase 3 + 2 + 4 = 9 over 180 s
    *(
        _metric(i, "requests", "sum", scalar_value=v, aggregation_temporality="cumulative", is_monotonic=True)
        for i, v in enumerate([5.0, 8.0, 2.0, 6.0])
    ),
    # a delta counter: 1 + 2 + 3 = 6, each point covering the 60 s before it
    *(
        _metric(
            i + 1,
            "bytes",
            "sum",
            scalar_value=v,
            aggregation_temporality="delta",
            start_timestamp=T0 + timedelta(seconds=60 * i),
        )
        for i, v in enumerate([1.0, 2.0, 3.0])
    ),
    # a histogram: 10 observations, 5 in (0, 10], 5 in (10, 20]
    _metric(
        0,
        "latency",
        "histogram",
        aggregation_temporality="delta",
        histogram_count=10,
        histogram_sum=100.0,
        histogram_min=1.0,
        histogram_max=19.0,
        histogram_bucket_counts=[0, 5, 5, 0],
        histogram_explicit_bounds=[0.0, 10.0, 20.0],
    ),
    # an exponential histogram at scale 0 (base 2): 4 in (1, 2], 4 in (2, 4]
    _metric(
        0,
        "size",
        "exponential_histogram",
        aggregation_temporality="delta",
        histogram_count=8,
        histogram_sum=20.0,
        histogram_min=1.5,
        histogram_max=4.0,
        exp_histogram_scale=0,
        exp_histogram_zero_count=0,
        exp_histogram_positive_bucket_counts=[4, 4],
        exp_histogram_positive_bucket_counts_offset=0,
        exp_histogram_negative_bucket_counts=[],
        exp_histogram_negative_bucket_counts_offset=0,
    ),
]


def tables() -> dict[str, pa.Table]:
    records_all = pa.Table.from_pylist(RECORD_ROWS, schema=RECORDS_SCHEMA)
    records = pa.Table.from_pylist(
        [r for r in RECORD_ROWS if r["kind"] != "pending_span"], schema=RECORDS_SCHEMA
    )
    metrics = pa.Table.from_pylist(METRIC_ROWS, schema=METRICS_SCHEMA)
    return {"records": records, "records_all": records_all, "metrics": metrics}


def session() -> SessionContext:
    ctx = SessionContext()
    register_udfs(ctx)
    for name, table in tables().items():
        ctx.register_record_batches(name, [table.to_batches()])
    return ctx


def run(sql: str, variables: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Translate ``sql`` and execute it read-only in DataFusion; rows as dicts."""
    translated = translate(sql, variables=variables)
    options = SQLOptions().with_allow_ddl(False).with_allow_dml(False).with_allow_statements(False)
    rows: list[dict[str, Any]] = session().sql_with_options(translated.sql, options).to_pylist()
    return rows


def column(sql: str, variables: Mapping[str, str] | None = None) -> list[Any]:
    """The first column of the result of ``sql``."""
    return [next(iter(row.values())) for row in run(sql, variables)]
