"""Hands sealed WAL segments to worker processes for conversion, stores what they return, and releases
each segment once its files are in object storage and the catalog.

Conversion (CPU) and storing (I/O) overlap: as soon as a worker returns a converted segment it takes
the next one while this process stores the first. At most two segments per worker are in flight
(converting or being stored), which bounds the memory held by converted, not yet stored, segments.

A failed step (a worker killed; object storage or Postgres down) is retried with backoff until it
succeeds, and a failed store does not convert again; meanwhile the WAL keeps accepting up to its disk
budget. A broken worker pool is replaced. Nothing here decides what is durable: the WAL already is,
and a segment is deleted only after it is stored.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from functools import partial
from typing import TypeVar

from hearth_ingest.pipeline.segment import ConvertedSegment
from hearth_ingest.pipeline.store import SegmentReport, SegmentStore
from hearth_ingest.pipeline.worker import convert_in_worker, init_worker, worker_ready
from hearth_ingest.settings import IngestSettings
from hearth_ingest.wal.segments import Segment, release

logger = logging.getLogger("hearth.ingest.pipeline")

_T = TypeVar("_T")

RETRY_FIRST_DELAY = 0.5
RETRY_MAX_DELAY = 30.0
CLOSE_GRACE_SECONDS = 15.0
#: Segments in flight per worker: one converting, one being stored.
IN_FLIGHT_PER_WORKER = 2


class SegmentPipeline:
    def __init__(self, settings: IngestSettings, *, on_released: Callable[[int], None]) -> None:
        self.settings = settings
        self.on_released = on_released
        self.workers = settings.processor_workers
        self._queue: asyncio.Queue[Segment] = asyncio.Queue()
        self._queued: set[int] = set()
        self._executor: ProcessPoolExecutor | None = None
        self._store = SegmentStore(settings, max_concurrent=self.workers * IN_FLIGHT_PER_WORKER)
        self._runner: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._closing = False
        self.processed = 0
        self.failures = 0

    @property
    def enabled(self) -> bool:
        return self.workers > 0

    async def start(self, pending: list[Segment]) -> None:
        """Start the workers and queue segments left by a previous run (replayed idempotently)."""
        if not self.enabled:
            return
        await self._store.open()
        self._executor = self._new_executor()
        self._warm_up(self._executor)
        for segment in pending:
            self.submit(segment)
        self._runner = asyncio.create_task(self._run(), name="segment-pipeline")

    def submit(self, segment: Segment) -> None:
        if not self.enabled or segment.seq in self._queued:
            return
        self._queued.add(segment.seq)
        self._queue.put_nowait(segment)

    @property
    def backlog(self) -> int:
        return len(self._queued)

    async def close(self) -> None:
        """Let running jobs finish (bounded), then stop; unfinished segments stay for the next start."""
        self._closing = True
        if self._runner is not None:
            self._runner.cancel()
            with suppress(asyncio.CancelledError):
                await self._runner
        if self._jobs:
            await asyncio.wait(self._jobs, timeout=CLOSE_GRACE_SECONDS)
        for job in self._jobs:
            job.cancel()
        if self._executor is not None:
            # Wait for the workers to exit (one still starting up finishes its imports first), so none
            # outlives the service; each also exits on its own once this process is gone.
            with suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True),
                    CLOSE_GRACE_SECONDS,
                )
        if self.enabled:
            await self._store.close()

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn: a clean interpreter per worker, no inherited event loop, threads or sockets
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self.settings, os.getpid()),
        )

    def _warm_up(self, executor: ProcessPoolExecutor) -> None:
        """Spawn every worker now, in the background (start-up is not delayed by it)."""
        loop = asyncio.get_running_loop()
        for _ in range(self.workers):
            future = loop.run_in_executor(executor, worker_ready)
            future.add_done_callback(_log_warm_up)

    async def _run(self) -> None:
        in_flight = asyncio.Semaphore(self.workers * IN_FLIGHT_PER_WORKER)
        converting = asyncio.Semaphore(self.workers)
        while True:
            segment = await self._queue.get()
            await in_flight.acquire()
            job = asyncio.create_task(self._process(segment, converting), name=f"segment-{segment.seq}")
            job.add_done_callback(lambda _: in_flight.release())
            self._jobs.add(job)
            job.add_done_callback(self._jobs.discard)

    async def _process(self, segment: Segment, converting: asyncio.Semaphore) -> None:
        async with converting:
            converted = await self._retrying(segment, "converted", partial(self._convert, segment))
        if converted is None:
            return
        report = await self._retrying(segment, "stored", partial(self._store.store, converted))
        if report is not None:
            await self._release(segment, report)

    async def _retrying(self, segment: Segment, step: str, attempt: Callable[[], Awaitable[_T]]) -> _T | None:
        """``attempt`` until it succeeds (None once the pipeline is closing)."""
        delay = RETRY_FIRST_DELAY
        while not self._closing:
            try:
                return await attempt()
            except Exception as exc:
                self.failures += 1
                logger.warning(
                    "segment %s not %s yet (%s); retrying in %.1f s", segment.name, step, exc, delay
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY)
        return None

    async def _convert(self, segment: Segment) -> ConvertedSegment:
        executor = self._executor
        assert executor is not None
        try:
            return await asyncio.get_running_loop().run_in_executor(
                executor, convert_in_worker, str(segment.path)
            )
        except BrokenProcessPool:
            logger.error("a conversion worker died; starting a new pool")
            if self._executor is executor:
                self._executor = self._new_executor()
                self._warm_up(self._executor)
                executor.shutdown(wait=False, cancel_futures=True)
            raise

    async def _release(self, segment: Segment, report: SegmentReport) -> None:
        size = segment.size
        await asyncio.to_thread(release, segment)
        self._queued.discard(segment.seq)
        self.on_released(size)
        self.processed += 1
        logger.debug(
            "segment stored", extra={"segment": report.segment, "rows": report.rows, "files": report.files}
        )


def _log_warm_up(future: asyncio.Future[int]) -> None:
    if future.cancelled():
        return
    if (exc := future.exception()) is not None:  # the first segment will retry and say more
        logger.warning("a conversion worker failed to start: %s", exc)
    else:
        logger.debug("conversion worker %d ready", future.result())
