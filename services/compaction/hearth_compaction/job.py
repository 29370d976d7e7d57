"""One compaction job, start to swap, in an order that makes a crash anywhere harmless:

1. record the job (``compaction_jobs``: running, attempt n);
2. copy the inputs to a local work directory and merge them (:mod:`hearth_compaction.merge`);
3. put the outputs in object storage under new keys (``<job>-a<attempt>-<part>``: never an existing key);
4. swap: retire the inputs, add the outputs and mark the job done in **one** catalog transaction.

Killed before 4, the catalog is untouched: queries keep reading the inputs and the written outputs are
orphans that maintenance's orphan sweep deletes after its safety window. The next pass plans again;
the same inputs give the same job id, so the retry is counted as another attempt of the same job. A
swap that lost to another job (``CatalogConflict``) changed nothing, so its outputs are deleted here.
Inputs are never deleted here: maintenance deletes retired objects after a grace period longer than
the longest query, so queries that planned on the old files finish on them.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from hearth_compaction.errors import JobStopped
from hearth_compaction.merge import MergedFile, MergeResult, merge_parquet
from hearth_compaction.tiers import JobPlan, TierPolicy
from hearth_shared.catalog import CatalogConflict, CatalogFile
from hearth_shared.catalog.compaction import CompactionCatalog, JobOutput, JobStart
from hearth_shared.catalog.files import object_key_for
from hearth_shared.storage import ObjectStorage

logger = logging.getLogger("hearth.compaction.job")

#: Objects copied from/to storage at once by one job.
TRANSFER_CONCURRENCY = 4
#: Names a job's local work directory (``<prefix><job id>-<random>``), so leftovers are recognisable.
WORK_PREFIX = "hearth-compaction-"
#: A work directory this old was left by a killed worker (no job runs for this long).
STALE_WORK_SECONDS = 24 * 3600.0

JobStatus = Literal["done", "failed", "conflict"]
#: Called with the plan and the new (uploaded, not yet catalogued) files right before the swap.
BeforeSwap = Callable[[JobPlan, Sequence[CatalogFile]], Awaitable[None]]


@dataclass(frozen=True)
class JobReport:
    """What one job did; logged as one structured line and kept in ``compaction_jobs``."""

    job_id: str
    partition: str
    tier: int
    reason: str
    attempt: int
    status: JobStatus
    input_files: int
    input_bytes: int
    input_rows: int
    output_files: int
    output_bytes: int
    output_rows: int
    duration_seconds: float
    error: str | None = None

    @property
    def rows_per_second(self) -> float:
        return self.input_rows / self.duration_seconds if self.duration_seconds > 0 else 0.0


class JobRunner:
    """Runs jobs for one worker: catalog, storage, policy and a local work directory."""

    def __init__(
        self,
        catalog: CompactionCatalog,
        storage: ObjectStorage,
        policy: TierPolicy,
        *,
        worker_name: str,
        buffer_rows: int,
        work_dir: str = "",
        stop: threading.Event | None = None,
        before_swap: BeforeSwap | None = None,
    ) -> None:
        self.catalog = catalog
        self.storage = storage
        self.policy = policy
        self.worker_name = worker_name
        self.buffer_rows = buffer_rows
        self.work_dir = work_dir or None
        if self.work_dir is not None:
            Path(self.work_dir).mkdir(parents=True, exist_ok=True)
        self.stop = stop or threading.Event()
        self.before_swap = before_swap

    async def run(self, plan: JobPlan) -> JobReport:
        started = time.monotonic()
        attempt = await self.catalog.start_job(
            JobStart(
                job_id=plan.job_id,
                partition=plan.partition,
                tier=plan.tier,
                reason=plan.reason,
                worker=self.worker_name,
                input_files=len(plan.inputs),
                input_bytes=plan.input_bytes,
                input_rows=plan.input_rows,
            )
        )
        uploaded: list[str] = []
        swap_started = False
        new_files: list[CatalogFile] = []
        status: JobStatus = "done"
        error: str | None = None
        try:
            tmp = Path(
                await asyncio.to_thread(
                    tempfile.mkdtemp, prefix=f"{WORK_PREFIX}{plan.job_id}-", dir=self.work_dir
                )
            )
            try:
                merged = await self._merge(plan, tmp)
                new_files = self._catalog_files(plan, attempt, merged.files)
                await self._upload(merged.files, new_files, uploaded)
            finally:
                await asyncio.to_thread(shutil.rmtree, tmp, ignore_errors=True)
            self._check_stop()
            if self.before_swap is not None:
                await self.before_swap(plan, new_files)
            self._check_stop()
            swap_started = True
            await self.catalog.complete(
                plan.job_id,
                [f.id for f in plan.inputs],
                new_files,
                JobOutput(len(new_files), sum(f.byte_size for f in new_files), merged.output_rows),
            )
        except CatalogConflict as exc:
            status, error = "conflict", f"lost the swap: {exc.detail}"
            await self._give_up(plan, uploaded, error)
        except asyncio.CancelledError:  # the worker is stopping; the swap may have committed in flight
            await self._give_up(plan, [] if swap_started else uploaded, "stopped: the worker was cancelled")
            raise
        except Exception as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            # A swap that failed in flight (connection lost at commit) may have committed: keep its outputs.
            await self._give_up(plan, [] if swap_started else uploaded, error)
        report = JobReport(
            job_id=plan.job_id,
            partition=str(plan.partition),
            tier=plan.tier,
            reason=plan.reason,
            attempt=attempt,
            status=status,
            input_files=len(plan.inputs),
            input_bytes=plan.input_bytes,
            input_rows=plan.input_rows,
            output_files=len(new_files) if status == "done" else 0,
            output_bytes=sum(f.byte_size for f in new_files) if status == "done" else 0,
            output_rows=sum(f.row_count for f in new_files) if status == "done" else 0,
            duration_seconds=round(time.monotonic() - started, 3),
            error=error,
        )
        _log(report)
        return report

    async def _merge(self, plan: JobPlan, tmp: Path) -> MergeResult:
        inputs = [tmp / f"in-{i:04d}.parquet" for i in range(len(plan.inputs))]
        slots = asyncio.Semaphore(TRANSFER_CONCURRENCY)

        async def fetch(file: CatalogFile, path: Path) -> None:
            async with slots:
                data = await self.storage.get(file.object_key)
                await asyncio.to_thread(path.write_bytes, data)

        async with asyncio.TaskGroup() as group:
            for file, path in zip(plan.inputs, inputs, strict=True):
                group.create_task(fetch(file, path))
        self._check_stop()
        out_dir = tmp / "out"
        out_dir.mkdir()
        return await asyncio.to_thread(
            merge_parquet,
            plan.partition.table_name,
            inputs,
            out_dir,
            expected_rows=[f.row_count for f in plan.inputs],
            output_files=self.policy.output_files(plan.input_rows, plan.input_bytes),
            buffer_rows=self.buffer_rows,
            stop=self.stop,
        )

    def _catalog_files(self, plan: JobPlan, attempt: int, merged: Sequence[MergedFile]) -> list[CatalogFile]:
        partition = plan.partition
        day_start = datetime(partition.day.year, partition.day.month, partition.day.day, tzinfo=UTC)
        day_end = day_start + timedelta(days=1) - timedelta(microseconds=1)
        files = []
        for part, output in enumerate(merged):
            # Unique per attempt: a retry never overwrites an object another attempt may have swapped in.
            key = object_key_for(
                partition.table_name,
                partition.project_id,
                partition.day,
                f"{plan.job_id}-a{attempt}-{part:03d}",
            )
            files.append(
                CatalogFile(
                    id=key,
                    project_id=partition.project_id,
                    table_name=partition.table_name,
                    day=partition.day,
                    object_key=key,
                    # only null times (metrics may lack one): the partition's day bounds the file
                    min_timestamp=output.min_timestamp or day_start,
                    max_timestamp=output.max_timestamp or day_end,
                    row_count=output.rows,
                    byte_size=output.bytes,
                    tier=self.policy.tier_of(output.bytes),
                    source=f"compaction:{plan.job_id}",
                )
            )
        return files

    async def _upload(
        self, merged: Sequence[MergedFile], files: Sequence[CatalogFile], uploaded: list[str]
    ) -> None:
        # One at a time: each output is read whole into memory for the put (up to the target size).
        for output, file in zip(merged, files, strict=True):
            self._check_stop()
            data = await asyncio.to_thread(output.path.read_bytes)
            uploaded.append(file.object_key)  # before the put: a failed put may still leave the object
            await self.storage.put(file.object_key, data)

    async def _give_up(self, plan: JobPlan, delete_keys: Sequence[str], error: str) -> None:
        """Record the failure and delete outputs known to be uncatalogued; best effort, never raises
        (a leftover object is an orphan the maintenance sweep deletes)."""

        async def cleanup() -> None:
            for key in delete_keys:
                await self.storage.delete(key)
            await self.catalog.fail_job(plan.job_id, error)

        try:
            await asyncio.wait_for(asyncio.shield(cleanup()), timeout=10)
        except (Exception, asyncio.CancelledError) as exc:  # the failure being reported matters more
            logger.warning("cleanup after compaction job %s failed: %s", plan.job_id, exc)

    def sweep_stale_work(self) -> int:
        """Delete work directories a killed worker left behind (older than a day); returns how many."""
        root = Path(self.work_dir or tempfile.gettempdir())
        cutoff = time.time() - STALE_WORK_SECONDS
        removed = 0
        for path in root.glob(f"{WORK_PREFIX}*"):
            try:
                if path.is_dir() and path.stat().st_mtime < cutoff:
                    shutil.rmtree(path, ignore_errors=True)
                    removed += 1
            except OSError:  # another worker removed it first
                continue
        return removed

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise JobStopped("the worker is stopping")


def _log(report: JobReport) -> None:
    fields = asdict(report)
    fields["rows_per_second"] = round(report.rows_per_second)
    if report.status == "done":
        logger.info("compaction job done", extra=fields)
    else:
        logger.warning("compaction job %s: %s", report.status, report.error, extra=fields)
