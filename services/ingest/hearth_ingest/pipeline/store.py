"""Storing a converted segment, in the ingest process: its rows to the live tail, its Parquet files
to object storage, its traces to the trace index, its files to the catalog, in this order.

A crash or failure anywhere is repaired by storing the segment again (converted anew after a restart):
objects are overwritten with the same bytes, the index only widens windows, the catalog ignores a file
it already has. Only after :meth:`SegmentStore.store` returns is the WAL segment deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.asyncio as aioredis

from hearth_ingest.pipeline.segment import ConvertedSegment, LiveEntry
from hearth_ingest.settings import IngestSettings
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.db import DatabasePool, open_pool
from hearth_shared.live_tail import live_stream_key
from hearth_shared.storage import ObjectStorage, open_storage

logger = logging.getLogger("hearth.ingest.pipeline")


@dataclass(frozen=True, slots=True)
class SegmentReport:
    segment: str
    records: int
    rows: int
    files: int
    new_files: int
    bytes_written: int
    torn_tail: bool


class SegmentStore:
    """The clients converted segments are stored with (object storage, catalog pool, Redis)."""

    def __init__(self, settings: IngestSettings, *, max_concurrent: int = 2) -> None:
        self.settings = settings
        self.max_concurrent = max_concurrent
        self.storage: ObjectStorage | None = None
        self.pool: DatabasePool | None = None
        self.redis: aioredis.Redis | None = None

    async def open(self) -> None:
        settings = self.settings
        self.storage = open_storage(settings)
        self.pool = await open_pool(
            settings.effective_catalog_database_url,
            min_size=1,
            max_size=max(2, self.max_concurrent),
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

    async def store(self, converted: ConvertedSegment) -> SegmentReport:
        assert self.storage is not None
        assert self.pool is not None
        await self._publish_live(converted.live)
        for entry, data in converted.files:
            await self.storage.put(entry.object_key, data)
        index = TraceIndex(self.pool)
        for windows in converted.traces:  # before the catalog: a catalogued file's traces are indexed
            await index.record(
                windows.project_id, windows.trace_ids, windows.min_starts_us, windows.max_starts_us
            )
        files = [entry for entry, _ in converted.files]
        new_files = await FileCatalog(self.pool).add_files(files) if files else 0
        return SegmentReport(
            segment=converted.segment,
            records=converted.records,
            rows=converted.rows,
            files=len(files),
            new_files=new_files,
            bytes_written=sum(len(data) for _, data in converted.files),
            torn_tail=converted.torn_tail,
        )

    async def _publish_live(self, live: list[tuple[str, LiveEntry]]) -> None:
        """One entry per project per segment. Best effort: the live view is a convenience; Parquet and
        the catalog are the record."""
        if not live or self.redis is None:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for project_id, entry in live:
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
