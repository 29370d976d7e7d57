"""The periodic-job base and the scheduler that runs each job on its interval.

A :class:`Job` does one kind of work per :meth:`Job.run` and returns counts for the logs and
``GET /jobs``. Jobs are idempotent (a run may stop half-way, or run twice) so the scheduler only has
to keep replicas from running the *same* job at once: an ``exclusive`` job's run holds a PostgreSQL
session advisory lock named after the job, and a replica that cannot take it skips that turn. Jobs
that claim rows themselves (alert evaluation, notification delivery) are not exclusive, so replicas
share that work.

The scheduler runs every job in its own task: run, wait ``interval`` (or until stopped), repeat. A
failing run is logged and retried on the next turn. Stopping lets a running job finish within a grace
period, then cancels it — safe, since every job is idempotent.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from hearth_shared.db import DatabasePool

logger = logging.getLogger("hearth.maintenance")

STOP_GRACE_SECONDS = 10.0

#: Where jobs read the time; tests pass their own to move it.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Job(ABC):
    """One periodic job; subclasses set ``name`` and implement :meth:`run`."""

    name: ClassVar[str]
    #: Hold a cluster-wide advisory lock while running (see the module docstring).
    exclusive: ClassVar[bool] = True

    def __init__(self, interval: float) -> None:
        self.interval = interval

    @abstractmethod
    async def run(self) -> Mapping[str, int]:
        """Do one turn of the job's work; returns what it did (``{"deleted": 3}``)."""


async def run_workers(count: int, worker: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``count`` copies of ``worker`` until all return. The first failure cancels the others (none
    is left running behind the turn) and is raised as itself, not wrapped in an ``ExceptionGroup``."""
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(count):
                group.create_task(worker())
    except* Exception as failures:
        raise failures.exceptions[0] from None


def lock_key(name: str) -> int:
    """The advisory-lock key of a job: a stable signed 64-bit hash of its name."""
    digest = hashlib.blake2b(f"hearth.maintenance.{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def advisory_lock(pool: DatabasePool, name: str) -> AsyncIterator[bool]:
    """Try the job's session advisory lock on a connection held for the block; yields whether it was
    taken. If the connection dies the server drops the lock, so a crashed replica never blocks others."""
    key = lock_key(name)
    async with pool.acquire() as conn:
        taken = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
        try:
            yield taken
        finally:
            if taken:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)


@dataclass
class JobStatus:
    """What ``GET /jobs`` shows about one job in this process."""

    name: str
    interval: float
    exclusive: bool
    runs: int = 0
    skipped: int = 0
    failures: int = 0
    running: bool = False
    last_started: datetime | None = None
    last_finished: datetime | None = None
    last_seconds: float | None = None
    last_result: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "interval": self.interval,
            "exclusive": self.exclusive,
            "runs": self.runs,
            "skipped": self.skipped,
            "failures": self.failures,
            "running": self.running,
            "last_started": self.last_started.isoformat() if self.last_started else None,
            "last_finished": self.last_finished.isoformat() if self.last_finished else None,
            "last_seconds": self.last_seconds,
            "last_result": self.last_result,
            "last_error": self.last_error,
        }


class Scheduler:
    """Runs each job on its interval until :meth:`stop`; ``lock_pool`` holds the advisory locks."""

    def __init__(self, jobs: Sequence[Job], lock_pool: DatabasePool) -> None:
        self.jobs = list(jobs)
        self._lock_pool = lock_pool
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.status = {job.name: JobStatus(job.name, job.interval, job.exclusive) for job in self.jobs}

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"maintenance-{job.name}"))

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let running jobs finish within ``grace`` seconds, then cancel them."""
        self._stopping.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with suppress(asyncio.CancelledError):
                await task

    async def _loop(self, job: Job) -> None:
        while not self._stopping.is_set():
            await self.run_once(job)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), job.interval)

    async def run_once(self, job: Job) -> None:
        """One turn of ``job`` (under its lock when exclusive); failures are logged, never raised."""
        status = self.status[job.name]
        try:
            if job.exclusive:
                async with advisory_lock(self._lock_pool, job.name) as taken:
                    if not taken:
                        status.skipped += 1
                        logger.debug("job %s runs in another replica; skipped", job.name)
                        return
                    await self._run(job, status)
            else:
                await self._run(job, status)
        except Exception as exc:  # a job's own failure or losing the lock's connection
            status.failures += 1
            status.last_error = f"{type(exc).__name__}: {exc}"
            logger.warning("job %s failed: %s", job.name, exc, extra={"job": job.name}, exc_info=exc)

    async def _run(self, job: Job, status: JobStatus) -> None:
        status.running = True
        status.last_started = datetime.now(UTC)
        started = time.monotonic()
        try:
            result = dict(await job.run())
        finally:
            status.running = False
            status.last_seconds = round(time.monotonic() - started, 3)
            status.last_finished = datetime.now(UTC)
        status.runs += 1
        status.last_result = result
        status.last_error = None
        if any(result.values()):
            logger.info("job %s: %s", job.name, _describe(result), extra={"job": job.name, "result": result})
        else:
            logger.debug("job %s: nothing to do", job.name)


def _describe(result: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in result.items() if value)
