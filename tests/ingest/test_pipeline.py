"""WAL segment → (converted in worker processes) → Parquet in object storage → catalog rows (+ live tail).

Runs on real Postgres, Redis and moto's S3 server. Replay of a segment must change nothing.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import redis.asyncio as aioredis
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from hearth_ingest.pipeline import SegmentPipeline
from hearth_ingest.pipeline.segment import convert_segment
from hearth_ingest.pipeline.store import SegmentReport, SegmentStore, live_tail_length
from hearth_ingest.settings import IngestSettings
from hearth_ingest.wal.format import BodyCoding, Signal, WalRecord, encode
from hearth_ingest.wal.segments import Segment, sealed_segments
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.db import DatabasePool
from hearth_shared.db.bootstrap import ensure_first_project
from hearth_shared.live_tail import decode_batch, live_stream_key
from hearth_shared.storage import open_storage
from tests.fixtures.s3 import S3Bucket

NOW = datetime.now(UTC)


def spans_request(count: int, *, service: str = "checkout", trace_seed: int = 1) -> bytes:
    start = time.time_ns()
    spans = [
        Span(
            trace_id=(trace_seed * 1_000_003 + i).to_bytes(16, "big"),
            span_id=(i + 1).to_bytes(8, "big"),
            name="GET /orders/{id}",
            start_time_unix_nano=start + i * 1000,
            end_time_unix_nano=start + i * 1000 + 5_000_000,
            attributes=[KeyValue(key="http.route", value=AnyValue(string_value="/orders/{id}"))],
        )
        for i in range(count)
    ]
    resource = Resource(attributes=[KeyValue(key="service.name", value=AnyValue(string_value=service))])
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(resource=resource, scope_spans=[ScopeSpans(spans=spans)])]
    )
    body: bytes = request.SerializeToString()
    return body


def write_segment(directory: Path, seq: int, records: list[WalRecord]) -> Segment:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{seq:020d}.sealed"
    path.write_bytes(b"".join(encode(r) for r in records))
    return Segment(seq, path)


async def project_id(db_pool: DatabasePool) -> str:
    first = await ensure_first_project(
        db_pool, org_slug="o", project_slug="p", admin_email="a@example.com", admin_password_hash=None
    )
    assert first is not None
    return str(first.project_id)


def settings_for(
    tmp_path: Path, database_url: str, redis_url: str, bucket: S3Bucket, **extra: object
) -> IngestSettings:
    return IngestSettings(
        database_url=database_url,
        redis_url=redis_url,
        storage_url=bucket.storage_url,
        storage_options=bucket.storage_options,
        wal_dir=str(tmp_path / "wal"),
        node_id="test-node",
        **extra,  # type: ignore[arg-type]
    )


async def test_segment_becomes_parquet_catalog_rows_and_live_tail(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, s3_bucket: S3Bucket
) -> None:
    project = await project_id(db_pool)
    settings = settings_for(tmp_path, database_url, redis_url, s3_bucket)
    received = time.time_ns()
    segment = write_segment(
        tmp_path / "wal",
        7,
        [
            WalRecord(project, Signal.TRACES, received, spans_request(30, trace_seed=1)),
            # stored as the request came: gzip (the converter inflates it)
            WalRecord(
                project,
                Signal.TRACES,
                received,
                gzip.compress(spans_request(20, trace_seed=2, service="billing")),
                BodyCoding.GZIP,
            ),
        ],
    )
    store = SegmentStore(settings)
    await store.open()

    async def process() -> SegmentReport:
        converted = convert_segment(segment.path, node_id=settings.node_id, native=settings.native_conversion)
        return await store.store(converted)

    try:
        report = await process()
        assert (report.records, report.rows, report.new_files) == (2, 50, 1)

        catalog = FileCatalog(db_pool)
        files = await catalog.files_for_range(uuid.UUID(project), "records", datetime(2000, 1, 1, tzinfo=UTC))
        assert len(files) == 1
        (entry,) = files
        assert entry.row_count == 50
        assert entry.object_key.startswith(f"records/project={project}/day=")
        assert entry.object_key.endswith(f"test-node-{segment.name}.parquet")

        storage = open_storage(settings)
        table = pq.read_table(io.BytesIO(await storage.get(entry.object_key)))
        await storage.close()
        assert table.num_rows == 50
        assert sorted(set(table.column("service_name").to_pylist())) == ["billing", "checkout"]
        assert entry.min_timestamp == min(table.column("start_timestamp").to_pylist())
        # every trace of the file is in the trace index, with the window of its spans' starts
        index = TraceIndex(db_pool)
        starts: dict[str, list[datetime]] = {}
        for row in table.select(["trace_id", "start_timestamp"]).to_pylist():
            starts.setdefault(row["trace_id"], []).append(row["start_timestamp"])
        for trace_id, times in starts.items():
            assert await index.window(uuid.UUID(project), trace_id) == (min(times), max(times))

        # a replay (as after a crash before the segment was released) adds nothing
        again = await process()
        assert (again.rows, again.files, again.new_files) == (50, 1, 0)
        assert (
            len(
                await catalog.files_for_range(uuid.UUID(project), "records", datetime(2000, 1, 1, tzinfo=UTC))
            )
            == 1
        )
    finally:
        await store.close()

    live = aioredis.from_url(redis_url)
    entries = await live.xrange(live_stream_key(project))
    await live.aclose()
    # One entry per project per processing of the segment (the replay published it again).
    assert entries is not None
    assert len(entries) == 2
    fields = entries[0][1]
    assert fields is not None
    assert int(fields[b"rows"]) == 50
    batch = decode_batch(fields)
    assert batch.num_rows == 50
    assert set(batch.column("project_id").to_pylist()) == {project}
    assert sorted(set(batch.column("service_name").to_pylist())) == ["billing", "checkout"]


async def wait_for(condition: Callable[[], bool], limit: float = 90.0) -> None:
    """Poll until ``condition`` holds (a liveness guard, not a speed check)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_workers_store_segments_then_release_them(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, s3_bucket: S3Bucket
) -> None:
    project = await project_id(db_pool)
    settings = settings_for(tmp_path, database_url, redis_url, s3_bucket, processor_workers=2)
    segments = [
        write_segment(
            tmp_path / "wal",
            seq,
            [WalRecord(project, Signal.TRACES, time.time_ns(), spans_request(10, trace_seed=seq))],
        )
        for seq in range(1, 6)
    ]
    sizes = sorted(s.path.stat().st_size for s in segments)
    released: list[int] = []
    pipeline = SegmentPipeline(settings, on_released=released.append)
    await pipeline.start(segments[:3])
    for segment in segments[3:]:
        pipeline.submit(segment)
    try:
        await wait_for(lambda: len(released) == 5)
    finally:
        await pipeline.close()
    assert not sealed_segments(tmp_path / "wal")
    assert sorted(released) == sizes, "each release reports the bytes it freed"
    files = await FileCatalog(db_pool).files_for_range(
        uuid.UUID(project), "records", datetime(2000, 1, 1, tzinfo=UTC)
    )
    assert sum(f.row_count for f in files) == 50
    assert len(files) == 5


async def test_storage_outage_keeps_the_segment_until_it_can_be_stored(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, s3_bucket: S3Bucket
) -> None:
    project = await project_id(db_pool)
    settings = settings_for(tmp_path, database_url, redis_url, s3_bucket, processor_workers=1)
    s3_bucket.client().delete_bucket(Bucket=s3_bucket.bucket)  # storage "down": every put fails
    segment = write_segment(
        tmp_path / "wal", 1, [WalRecord(project, Signal.TRACES, time.time_ns(), spans_request(5))]
    )
    pipeline = SegmentPipeline(settings, on_released=lambda size: None)
    await pipeline.start([segment])
    try:
        await wait_for(lambda: pipeline.failures >= 2)
        assert segment.path.exists(), "a segment is kept while its data cannot be stored"
        s3_bucket.client().create_bucket(Bucket=s3_bucket.bucket)
        await wait_for(lambda: not segment.path.exists())
    finally:
        await pipeline.close()
    files = await FileCatalog(db_pool).files_for_range(
        uuid.UUID(project), "records", datetime(2000, 1, 1, tzinfo=UTC)
    )
    assert sum(f.row_count for f in files) == 5


@pytest.mark.parametrize("workers", [0])
async def test_zero_workers_disables_the_pipeline(tmp_path: Path, workers: int) -> None:
    settings = IngestSettings(wal_dir=str(tmp_path), processor_workers=workers, storage_url="memory://")
    pipeline = SegmentPipeline(settings, on_released=lambda size: None)
    await pipeline.start([])
    pipeline.submit(Segment(1, tmp_path / "x.sealed"))
    assert pipeline.backlog == 0
    await pipeline.close()


@pytest.mark.parametrize(
    ("max_len", "max_bytes", "entry_bytes", "expected"),
    [
        (200, 128 * 2**20, 2_000, 200),  # small entries: the entry count bounds the stream
        (200, 128 * 2**20, 6 * 2**20, 21),  # several MB each under load: the byte budget does
        (200, 1_000, 6 * 2**20, 1),  # never below one entry (the newest)
    ],
)
def test_live_tail_length_follows_the_byte_budget(
    max_len: int, max_bytes: int, entry_bytes: int, expected: int
) -> None:
    settings = IngestSettings(live_tail_max_len=max_len, live_tail_max_bytes=max_bytes)
    assert live_tail_length(settings, entry_bytes) == expected
