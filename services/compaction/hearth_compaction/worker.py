"""The compaction loop: find partitions worth merging, claim one, plan, run the job, repeat.

A pass asks the catalog for candidate partitions (one query), then for each: take the partition's
advisory lock (skip it if another worker holds it), read its live files, plan with the tier policy and
run the job. A pass that merged something is followed by another at once (the outputs may fill the
next tier); an idle pass waits ``compaction_poll_interval``. A partition whose job failed is left alone
for a while, doubling up to an hour, so one bad input does not spin the worker.

Several workers (replicas, or processes) may run against one catalog: the locks keep them on different
partitions, and the catalog's swap would refuse a second swap of the same inputs anyway.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from contextlib import suppress
from datetime import datetime, timedelta

from hearth_compaction.job import BeforeSwap, JobReport, JobRunner
from hearth_compaction.settings import CompactionSettings
from hearth_compaction.tiers import TierPolicy, plan_job
from hearth_shared.catalog.compaction import CompactionCatalog, Partition
from hearth_shared.storage import ObjectStorage

logger = logging.getLogger("hearth.compaction.worker")

CANDIDATES_PER_PASS = 100
BACKOFF_FIRST_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0
PRUNE_EVERY_SECONDS = 3600.0
#: How long ``stop`` lets a job wind down (its merge aborts at the next round) before cancelling it.
STOP_GRACE_SECONDS = 15.0


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class CompactionWorker:
    def __init__(
        self,
        settings: CompactionSettings,
        catalog: CompactionCatalog,
        storage: ObjectStorage,
        *,
        name: str | None = None,
        before_swap: BeforeSwap | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.policy = TierPolicy.from_settings(settings)
        self.name = name or default_worker_name()
        self._stop_requested = threading.Event()  # read by the merge thread too
        self.runner = JobRunner(
            catalog,
            storage,
            self.policy,
            worker_name=self.name,
            buffer_rows=settings.compaction_merge_buffer_rows,
            work_dir=settings.compaction_work_dir,
            stop=self._stop_requested,
            before_swap=before_swap,
        )
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._backoff: dict[Partition, tuple[float, float]] = {}  # partition → (until, last delay)
        self._last_prune = float("-inf")
        self.passes = 0
        self.jobs_done = 0
        self.jobs_failed = 0
        self.last_error: str | None = None

    # ------------------------------------------------------------------ one pass
    async def run_pass(self) -> list[JobReport]:
        """Look at every candidate partition once; returns the reports of the jobs that ran."""
        self.passes += 1
        now = await self.catalog.now()
        candidates = await self.catalog.candidates(
            tier_bounds=self.policy.tier_bounds,
            full_bytes=self.policy.full_bytes,
            full_rows=self.policy.full_rows,
            min_files=self.policy.min_files,
            created_before=now - self.policy.min_file_age,
            settled_before=now - self.policy.settle_age,
            limit=CANDIDATES_PER_PASS,
        )
        reports = []
        for partition in candidates:
            if self._stop_requested.is_set():
                break
            if self._backing_off(partition):
                continue
            report = await self.compact_partition(partition, now)
            if report is not None:
                reports.append(report)
                self._record(partition, report)
        await self._prune(now)
        return reports

    async def compact_partition(self, partition: Partition, now: datetime | None = None) -> JobReport | None:
        """Run the partition's next job if the policy wants one and no other worker holds it."""
        async with self.catalog.claim(partition) as mine:
            if not mine:
                return None
            files = await self.catalog.partition_files(partition)
            plan = plan_job(partition, files, self.policy, now or await self.catalog.now())
            if plan is None:
                return None
            return await self.runner.run(plan)

    # ------------------------------------------------------------------ the loop
    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="compaction-worker")

    async def stop(self) -> None:
        """Ask the loop to stop; a running job aborts before its swap (or finishes a swap in flight)."""
        self._stop_requested.set()
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE_SECONDS)
        except TimeoutError:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        interval = self.settings.compaction_poll_interval
        if removed := await asyncio.to_thread(self.runner.sweep_stale_work):
            logger.info("removed %d work directories left by killed compaction workers", removed)
        while not self._stop_requested.is_set():
            reports: list[JobReport] = []
            try:
                reports = await self.run_pass()
                self.last_error = None
            except Exception as exc:  # the catalog or storage is down: say so, retry next interval
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("compaction pass failed: %s", self.last_error)
            if not any(report.status == "done" for report in reports):
                self._wake.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), interval)

    def _backing_off(self, partition: Partition) -> bool:
        entry = self._backoff.get(partition)
        return entry is not None and time.monotonic() < entry[0]

    def _record(self, partition: Partition, report: JobReport) -> None:
        if report.status == "done":
            self.jobs_done += 1
            self._backoff.pop(partition, None)
            return
        self.jobs_failed += 1
        if report.status == "conflict":  # another worker moved the partition on: look again next pass
            return
        delay = min(
            BACKOFF_MAX_SECONDS, self._backoff.get(partition, (0.0, BACKOFF_FIRST_SECONDS / 2))[1] * 2
        )
        self._backoff[partition] = (time.monotonic() + delay, delay)

    async def _prune(self, now: datetime) -> None:
        if time.monotonic() - self._last_prune < PRUNE_EVERY_SECONDS:
            return
        self._last_prune = time.monotonic()
        pruned = await self.catalog.prune_jobs(
            now - timedelta(days=self.settings.compaction_job_history_days)
        )
        if pruned:
            logger.info("pruned %d old compaction job reports", pruned)
