"""The ingest app behind a real uvicorn server, fed by the plain OpenTelemetry SDK's OTLP/HTTP exporters
(protobuf, gzip), and once with the conversion workers on, so the lifespan's wiring (WAL → pipeline →
release) is exercised end to end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hearth_ingest.api.otlp import OtlpIngest
from hearth_ingest.app import create_app
from hearth_ingest.wal.format import Signal
from hearth_ingest.wal.segments import sealed_segments
from hearth_shared.catalog import CatalogFile, FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.db.bootstrap import ensure_first_project
from tests.fixtures.apps import serving
from tests.fixtures.s3 import S3Bucket
from tests.ingest.test_api_otlp import Project, ingest_settings, read_wal

RESOURCE = Resource.create({"service.name": "otel-sdk-test"})
EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
async def project(db_pool: DatabasePool) -> Project:
    first = await ensure_first_project(
        db_pool, org_slug="acme", project_slug="web", admin_email="a@example.com", admin_password_hash=None
    )
    assert first is not None
    return Project(first.project_id, first.write_token, first.read_token)


def make_spans(count: int, name: str) -> list[ReadableSpan]:
    """Real SDK spans (nested: a root and its children), captured instead of exported."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("tests.otel")
    with tracer.start_as_current_span(f"{name} root"):
        for i in range(count - 1):
            with tracer.start_as_current_span(f"{name} child {i}") as span:
                span.set_attribute("index", i)
    provider.shutdown()
    return list(memory.get_finished_spans())


def span_exporter(base_url: str, token: str) -> OTLPSpanExporter:
    return OTLPSpanExporter(
        endpoint=f"{base_url}/v1/traces", headers={"Authorization": token}, compression=Compression.Gzip
    )


def close(exporter: OTLPSpanExporter) -> None:
    exporter.shutdown()  # type: ignore[no-untyped-call]  # unannotated in the SDK


async def until(condition: Callable[[], bool]) -> None:
    while True:
        if condition():
            return
        await asyncio.sleep(0.05)


async def test_otel_sdk_exporters_reach_the_wal(
    tmp_path: Path, database_url: str, redis_url: str, s3_bucket: S3Bucket, project: Project
) -> None:
    settings = ingest_settings(tmp_path, database_url, redis_url, s3_bucket)
    async with serving(create_app(settings)) as base_url:
        spans = make_spans(5, "sdk")
        exporter = span_exporter(base_url, project.write_token)
        assert await asyncio.to_thread(exporter.export, spans) is SpanExportResult.SUCCESS
        close(exporter)

        # Bearer, as collectors send it.
        exporter = span_exporter(base_url, f"Bearer {project.write_token}")
        assert await asyncio.to_thread(exporter.export, make_spans(2, "bearer")) is SpanExportResult.SUCCESS
        close(exporter)

        # A bad token is a permanent failure for the SDK (401 is not retried).
        exporter = span_exporter(base_url, "pylf_v1_local_nope")
        assert await asyncio.to_thread(exporter.export, make_spans(1, "refused")) is SpanExportResult.FAILURE
        close(exporter)

        logger_provider = LoggerProvider(resource=RESOURCE)
        logger_provider.add_log_record_processor(
            SimpleLogRecordProcessor(
                OTLPLogExporter(
                    endpoint=f"{base_url}/v1/logs",
                    headers={"Authorization": project.write_token},
                    compression=Compression.Gzip,
                )
            )
        )
        otel_logger = logger_provider.get_logger("tests.otel")
        await asyncio.to_thread(
            otel_logger.emit,
            timestamp=time.time_ns(),
            severity_number=SeverityNumber.WARN,
            severity_text="WARN",
            body="disk almost full: 93%",
        )
        logger_provider.shutdown()

        reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(
                endpoint=f"{base_url}/v1/metrics",
                headers={"Authorization": project.write_token},
                compression=Compression.Gzip,
            ),
            export_interval_millis=3_600_000,  # only on flush
        )
        meter_provider = MeterProvider(resource=RESOURCE, metric_readers=[reader])
        counter = meter_provider.get_meter("tests.otel").create_counter("jobs.done")
        counter.add(3, {"queue": "default"})
        assert await asyncio.to_thread(meter_provider.force_flush)
        await asyncio.to_thread(meter_provider.shutdown)

    records = read_wal(Path(settings.wal_dir))
    assert {r.project_id for r in records} == {str(project.project_id)}
    traces = [
        ExportTraceServiceRequest.FromString(r.protobuf()) for r in records if r.signal is Signal.TRACES
    ]
    names = sorted(
        s.name for req in traces for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans
    )
    assert names == sorted(
        ["sdk root", *(f"sdk child {i}" for i in range(4)), "bearer root", "bearer child 0"]
    )
    logs = [ExportLogsServiceRequest.FromString(r.protobuf()) for r in records if r.signal is Signal.LOGS]
    bodies = [
        lr.body.string_value
        for req in logs
        for rl in req.resource_logs
        for sl in rl.scope_logs
        for lr in sl.log_records
    ]
    assert bodies == ["disk almost full: 93%"]
    metrics = [
        ExportMetricsServiceRequest.FromString(r.protobuf()) for r in records if r.signal is Signal.METRICS
    ]
    points = [
        (m.name, p.as_int)
        for req in metrics
        for rm in req.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        for p in m.sum.data_points
    ]
    assert ("jobs.done", 3) in points


@pytest.mark.timeout(180)
async def test_acknowledged_data_flows_to_the_catalog_and_the_wal_is_released(
    tmp_path: Path,
    database_url: str,
    db_pool: DatabasePool,
    redis_url: str,
    s3_bucket: S3Bucket,
    project: Project,
) -> None:
    settings = ingest_settings(tmp_path, database_url, redis_url, s3_bucket, processor_workers=1)
    app = create_app(settings)
    catalog = FileCatalog(db_pool)
    async with serving(app) as base_url:
        exporter = span_exporter(base_url, project.write_token)
        assert await asyncio.to_thread(exporter.export, make_spans(10, "flow")) is SpanExportResult.SUCCESS
        close(exporter)

        state: OtlpIngest = app.state.otlp
        wal_dir = Path(settings.wal_dir)
        # Sealed (by age), converted, stored, catalogued, released: the budget is given back.
        files: list[CatalogFile] = []
        while True:
            files = await catalog.files_for_range(project.project_id, "records", EPOCH_2000)
            if files:
                break
            await asyncio.sleep(0.05)
        await until(lambda: not sealed_segments(wal_dir) and state.wal.used_bytes == 0)
    files = await catalog.files_for_range(project.project_id, "records", EPOCH_2000)
    assert sum(f.row_count for f in files) == 10
