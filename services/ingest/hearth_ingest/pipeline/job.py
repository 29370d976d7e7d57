"""The work done on one sealed WAL segment, in a worker process (conversion is CPU-bound: the
processes let it use every core).

Steps, in this order, so a crash anywhere is repaired by simply doing the segment again:
read the intact records → convert to Arrow (records/metrics) → publish rows to the live tail →
one Parquet file per (table, project, day) → put to object storage → add to the catalog.
Only after this returns does the coordinator delete the segment. File identity derives from the
segment (``<node>-<segment>``), so a replay writes the same objects again and the catalog ignores
the second insert: nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import redis.asyncio as aioredis

from hearth_ingest.pipeline.convert import convert_record
from hearth_ingest.settings import IngestSettings
from hearth_ingest.wal.format import decode_all
from hearth_shared.catalog import CatalogFile, FileCatalog, TraceIndex
from hearth_shared.catalog.files import TableName, object_key_for
from hearth_shared.db import DatabasePool, open_pool
from hearth_shared.live_tail import encode_batch, live_stream_key
from hearth_shared.schema import TABLES
from hearth_shared.schema.parquet import parquet_bytes
from hearth_shared.storage import ObjectStorage, open_storage
from hearth_shared.workers import exit_with_parent

logger = logging.getLogger("hearth.ingest.pipeline")

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SegmentReport:
    segment: str
    records: int
    rows: int
    files: int
    new_files: int
    bytes_written: int
    torn_tail: bool


def split_by_day(table_name: str, table: pa.Table) -> list[tuple[date, pa.Table]]:
    days = table.column("day").unique().to_pylist()
    if len(days) == 1:
        return [(days[0], table)]
    return [(day, table.filter(pc.equal(table.column("day"), pa.scalar(day, pa.date32())))) for day in days]


class SegmentProcessor:
    """Holds one worker process's clients (storage, catalog pool, Redis) across segments."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.storage: ObjectStorage | None = None
        self.pool: DatabasePool | None = None
        self.redis: aioredis.Redis | None = None

    async def open(self) -> None:
        settings = self.settings
        self.storage = open_storage(settings)
        self.pool = await open_pool(
            settings.effective_catalog_database_url,
            min_size=1,
            max_size=2,
            connect_timeout=settings.database_connect_timeout,
        )
        self.redis = aioredis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)

    async def close(self) -> None:
        if self.storage is not None:
            await self.storage.close()
        if self.pool is not None:
            await self.pool.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def process(self, path: Path) -> SegmentReport:
        assert self.storage is not None
        assert self.pool is not None
        result = decode_all(await asyncio.to_thread(path.read_bytes))
        if result.torn_tail:
            logger.warning("segment %s ends in a torn record (never acknowledged); ignoring it", path.name)
        segment_name = path.name.split(".", 1)[0]
        partitions: dict[tuple[TableName, str, date], list[pa.Table]] = defaultdict(list)
        live: dict[str, list[pa.Table]] = defaultdict(list)
        for record in result.records:
            for table_name, table in convert_record(record, native=self.settings.native_conversion):
                if table.num_rows == 0:
                    continue
                if table_name == "records":
                    live[record.project_id].append(table)
                for day, part in split_by_day(table_name, table):
                    partitions[(table_name, record.project_id, day)].append(part)
        await self._publish_live(live)
        files, written = await self._write_files(segment_name, partitions)
        await self._index_traces(partitions)  # before the files: a catalogued file's traces are indexed
        new_files = await FileCatalog(self.pool).add_files(files) if files else 0
        return SegmentReport(
            segment=segment_name,
            records=len(result.records),
            rows=sum(f.row_count for f in files),
            files=len(files),
            new_files=new_files,
            bytes_written=written,
            torn_tail=result.torn_tail,
        )

    async def _write_files(
        self, segment_name: str, partitions: dict[tuple[TableName, str, date], list[pa.Table]]
    ) -> tuple[list[CatalogFile], int]:
        assert self.storage is not None
        file_id = f"{self.settings.node_id}-{segment_name}"
        files: list[CatalogFile] = []
        written = 0
        for (table_name, project_id, day), parts in sorted(partitions.items()):
            table = pa.concat_tables(parts)
            data = await asyncio.to_thread(parquet_bytes, table_name, table)
            key = object_key_for(table_name, uuid.UUID(project_id), day, file_id)
            await self.storage.put(key, data)
            written += len(data)
            bounds = pc.min_max(table.column(TABLES[table_name].time_column)).as_py()
            day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            files.append(
                CatalogFile(
                    id=key,
                    project_id=uuid.UUID(project_id),
                    table_name=table_name,
                    day=day,
                    object_key=key,
                    min_timestamp=_utc(bounds["min"], day_start),
                    max_timestamp=_utc(
                        bounds["max"], day_start + timedelta(days=1) - timedelta(microseconds=1)
                    ),
                    row_count=table.num_rows,
                    byte_size=len(data),
                    source=f"wal:{self.settings.node_id}:{segment_name}",
                )
            )
        return files, written

    async def _index_traces(self, partitions: dict[tuple[TableName, str, date], list[pa.Table]]) -> None:
        assert self.pool is not None
        by_project: dict[str, list[pa.Table]] = defaultdict(list)
        for (table_name, project_id, _), parts in partitions.items():
            if table_name == "records":
                by_project[project_id].extend(parts)
        index = TraceIndex(self.pool)
        for project_id, parts in by_project.items():
            table = pa.concat_tables(parts).select(["trace_id", "start_timestamp"])
            table = table.filter(pc.not_equal(table.column("trace_id"), ""))  # logs outside any trace
            windows = table.group_by("trace_id").aggregate(
                [("start_timestamp", "min"), ("start_timestamp", "max")]
            )
            await index.record(
                uuid.UUID(project_id),
                windows.column("trace_id").to_pylist(),
                windows.column("start_timestamp_min").to_pylist(),
                windows.column("start_timestamp_max").to_pylist(),
            )

    async def _publish_live(self, live: dict[str, list[pa.Table]]) -> None:
        """One entry per project per segment. Best effort: the live view is a convenience; Parquet and
        the catalog are the record."""
        if not live or self.redis is None:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for project_id, tables in live.items():
                    entry = await asyncio.to_thread(encode_batch, pa.concat_tables(tables))
                    arrow = entry["arrow"]
                    assert isinstance(arrow, bytes)
                    pipe.xadd(
                        live_stream_key(project_id),
                        entry,  # type: ignore[arg-type]  # redis-py's stubs want a narrower mapping
                        maxlen=live_tail_length(self.settings, len(arrow)),
                        approximate=True,
                    )
                await pipe.execute()
        except Exception as exc:  # a Redis outage must not hold back durable data
            logger.warning("live tail publish failed: %s", exc)


def live_tail_length(settings: IngestSettings, entry_bytes: int) -> int:
    """How many entries of this size the project's live-tail stream keeps: the byte budget's worth,
    at least one, at most ``live_tail_max_len``."""
    return max(1, min(settings.live_tail_max_len, settings.live_tail_max_bytes // max(entry_bytes, 1)))


def _utc(value: datetime | None, fallback: datetime) -> datetime:
    if value is None:  # only null timestamps (metrics may lack one): the partition's day bounds the file
        return fallback
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ---------------------------------------------------------------- worker-process entry points
# A ProcessPoolExecutor calls plain functions; each worker keeps one event loop and one processor.

_worker: tuple[asyncio.AbstractEventLoop, SegmentProcessor] | None = None


def init_worker(settings: IngestSettings, parent_pid: int) -> None:
    global _worker  # noqa: PLW0603 - per-process state of a pool worker, set once by the initializer
    exit_with_parent(parent_pid)
    loop = asyncio.new_event_loop()
    processor = SegmentProcessor(settings)
    loop.run_until_complete(processor.open())
    _worker = (loop, processor)


class SegmentFailed(Exception):
    """A segment could not be stored. Carries only text: the original exception may not survive the
    trip back to the parent process (exceptions with custom ``__init__`` fail to unpickle, and the
    pool would then look broken)."""


def worker_ready() -> int:
    """A no-op job: submitted once per worker at start so the pool spawns (and imports, and opens its
    clients) before the first segment waits for it."""
    assert _worker is not None, "init_worker did not run in this process"
    return os.getpid()


def run_segment(path: str) -> SegmentReport:
    assert _worker is not None, "init_worker did not run in this process"
    loop, processor = _worker
    try:
        return loop.run_until_complete(processor.process(Path(path)))
    except Exception as exc:
        raise SegmentFailed(f"{type(exc).__name__}: {exc}") from None
