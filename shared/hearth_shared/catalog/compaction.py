"""The catalog side of compaction: which partitions need work, who may work on one, and the job rows.

- :meth:`CompactionCatalog.candidates` finds (project, table, day) partitions where some size tier holds
  enough small files (or a quiet partition has several), in one query over the live files.
- :meth:`CompactionCatalog.claim` takes a PostgreSQL session advisory lock on a partition for the
  duration of a job: two workers never compact one partition at once, and a worker that dies (even by
  SIGKILL) loses its connection and with it the lock.
- :meth:`CompactionCatalog.start_job` writes the job's row (``compaction_jobs``, migration 0005); its
  id derives from the input files, so a retry after a crash updates the same row and counts an attempt.
- :meth:`CompactionCatalog.complete` swaps the files (``FileCatalog.replace_on``) and marks the job done
  in one transaction: ``done`` means the swap committed, and a conflict changes nothing at all.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from hearth_shared.catalog.files import _COLUMNS, CatalogFile, FileCatalog, TableName
from hearth_shared.db.pool import DatabasePool

# Per partition and tier: eligible files (live, not full, old enough). A file's tier is how many of the
# ascending bounds ($1) its size reaches, so the caller's Python policy and this query agree exactly.
_CANDIDATES = """
WITH eligible AS (
    SELECT project_id, table_name, day, created_at,
           (SELECT count(*) FROM unnest($1::int8[]) AS bound WHERE byte_size >= bound) AS size_tier
    FROM catalog_files
    WHERE retired_at IS NULL AND byte_size < $2 AND row_count < $3 AND created_at <= $4
), tiers AS (
    SELECT project_id, table_name, day, size_tier, count(*) AS files, max(created_at) AS newest
    FROM eligible
    GROUP BY project_id, table_name, day, size_tier
)
SELECT project_id, table_name, day, max(files) AS fullest_tier, sum(files) AS files
FROM tiers
GROUP BY project_id, table_name, day
HAVING max(files) >= $5 OR (sum(files) >= 2 AND max(newest) <= $6)
ORDER BY max(files) DESC, day, project_id, table_name
LIMIT $7
"""

_START = """
INSERT INTO compaction_jobs (
    id, project_id, table_name, day, tier, reason, status, worker, input_files, input_bytes, input_rows
) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET
    status = 'running', attempts = compaction_jobs.attempts + 1, worker = EXCLUDED.worker,
    started_at = now(), finished_at = NULL, duration_seconds = NULL, error = NULL,
    output_files = NULL, output_bytes = NULL, output_rows = NULL
RETURNING attempts
"""

_ABANDON = """
UPDATE compaction_jobs SET
    status = 'failed', error = 'abandoned: its worker stopped before the swap (the files were not swapped)',
    finished_at = now(), duration_seconds = extract(epoch FROM now() - started_at)
WHERE project_id = $1 AND table_name = $2 AND day = $3 AND status = 'running' AND id <> $4
"""

_DONE = """
UPDATE compaction_jobs SET
    status = 'done', output_files = $2, output_bytes = $3, output_rows = $4, error = NULL,
    finished_at = now(), duration_seconds = extract(epoch FROM now() - started_at)
WHERE id = $1
"""

_FAIL = """
UPDATE compaction_jobs SET
    status = 'failed', error = $2,
    finished_at = now(), duration_seconds = extract(epoch FROM now() - started_at)
WHERE id = $1 AND status = 'running'
"""


@dataclass(frozen=True, order=True)
class Partition:
    """The unit of compaction: one project's files of one table and one day."""

    project_id: uuid.UUID
    table_name: TableName
    day: date

    @property
    def lock_key(self) -> int:
        """A signed 64-bit advisory lock key (PostgreSQL's ``bigint``), stable across processes."""
        text = f"hearth-compaction:{self.project_id}:{self.table_name}:{self.day.isoformat()}"
        return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)

    def __str__(self) -> str:
        return f"{self.table_name}/project={self.project_id}/day={self.day.isoformat()}"


@dataclass(frozen=True)
class JobStart:
    """A job about to run: written to ``compaction_jobs`` before any object is."""

    job_id: str
    partition: Partition
    tier: int
    reason: str
    worker: str
    input_files: int
    input_bytes: int
    input_rows: int


@dataclass(frozen=True)
class JobOutput:
    output_files: int
    output_bytes: int
    output_rows: int


@dataclass(frozen=True)
class JobRow:
    """A row of ``compaction_jobs`` as read back (reports, tests)."""

    job_id: str
    partition: Partition
    tier: int
    reason: str
    status: str
    attempts: int
    worker: str
    input_files: int
    input_bytes: int
    input_rows: int
    output_files: int | None
    output_bytes: int | None
    output_rows: int | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> JobRow:
        return cls(
            job_id=row["id"],
            partition=Partition(uuid.UUID(bytes=row["project_id"].bytes), row["table_name"], row["day"]),
            tier=row["tier"],
            reason=row["reason"],
            status=row["status"],
            attempts=row["attempts"],
            worker=row["worker"],
            input_files=row["input_files"],
            input_bytes=row["input_bytes"],
            input_rows=row["input_rows"],
            output_files=row["output_files"],
            output_bytes=row["output_bytes"],
            output_rows=row["output_rows"],
            error=row["error"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            duration_seconds=row["duration_seconds"],
        )


class CompactionCatalog:
    """Compaction's queries on the catalog database."""

    def __init__(self, pool: DatabasePool) -> None:
        self.pool = pool

    async def now(self) -> datetime:
        """The database's clock: ``created_at`` is set by it, so ages are measured against it."""
        value: datetime = await self.pool.fetchval("SELECT now()")
        return value

    async def candidates(
        self,
        *,
        tier_bounds: Sequence[int],
        full_bytes: int,
        full_rows: int,
        min_files: int,
        created_before: datetime,
        settled_before: datetime,
        limit: int = 100,
    ) -> list[Partition]:
        """Partitions worth a look, fullest tier first: a tier with ``min_files`` eligible files, or at
        least two eligible files none created after ``settled_before``. Eligible: live, smaller than
        ``full_bytes`` and ``full_rows``, created no later than ``created_before``."""
        rows = await self.pool.fetch(
            _CANDIDATES,
            list(tier_bounds),
            full_bytes,
            full_rows,
            created_before,
            min_files,
            settled_before,
            limit,
        )
        return [
            Partition(uuid.UUID(bytes=row["project_id"].bytes), row["table_name"], row["day"]) for row in rows
        ]

    async def partition_files(self, partition: Partition) -> list[CatalogFile]:
        """Live files of one partition, by min_timestamp then id."""
        rows = await self.pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM catalog_files
            WHERE project_id = $1 AND table_name = $2 AND day = $3 AND retired_at IS NULL
            ORDER BY min_timestamp, id
            """,
            partition.project_id,
            partition.table_name,
            partition.day,
        )
        return [CatalogFile.from_record(row) for row in rows]

    @asynccontextmanager
    async def claim(self, partition: Partition) -> AsyncIterator[bool]:
        """Hold the partition's advisory lock while the block runs; yields False (and holds nothing)
        when another worker has it. The lock lives on one pooled connection kept for the block."""
        async with self.pool.acquire() as conn:
            acquired = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", partition.lock_key))
            try:
                yield acquired
            finally:
                # If this fails the connection is broken and the server dropped the lock with it; a
                # pool reset also runs pg_advisory_unlock_all() before the connection is reused.
                if acquired and not conn.is_closed():
                    with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                        await conn.execute("SELECT pg_advisory_unlock($1)", partition.lock_key)

    async def start_job(self, job: JobStart) -> int:
        """Record the job as running; returns its attempt number (1 on the first try).

        Call it holding the partition's claim: any other job of the partition still marked running was
        left by a worker that died, and is marked failed here (a retry of the same inputs is this job)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _ABANDON, job.partition.project_id, job.partition.table_name, job.partition.day, job.job_id
            )
            attempts: int = await conn.fetchval(
                _START,
                job.job_id,
                job.partition.project_id,
                job.partition.table_name,
                job.partition.day,
                job.tier,
                job.reason,
                job.worker,
                job.input_files,
                job.input_bytes,
                job.input_rows,
            )
        return attempts

    async def complete(
        self, job_id: str, old_ids: Sequence[str], new_files: Sequence[CatalogFile], output: JobOutput
    ) -> None:
        """Swap the files and mark the job done, atomically. Raises ``CatalogConflict`` (nothing changed)
        when an input is no longer live."""
        async with self.pool.acquire() as conn, conn.transaction():
            await FileCatalog.replace_on(conn, old_ids, new_files)
            await conn.execute(_DONE, job_id, output.output_files, output.output_bytes, output.output_rows)

    async def fail_job(self, job_id: str, error: str) -> None:
        """Mark a running job failed (a job already done — its swap committed — stays done)."""
        await self.pool.execute(_FAIL, job_id, error[:2000])

    async def job(self, job_id: str) -> JobRow | None:
        row = await self.pool.fetchrow("SELECT * FROM compaction_jobs WHERE id = $1", job_id)
        return None if row is None else JobRow.from_record(row)

    async def recent_jobs(self, limit: int = 100) -> list[JobRow]:
        """The latest jobs, newest first."""
        rows = await self.pool.fetch(
            "SELECT * FROM compaction_jobs ORDER BY started_at DESC, id LIMIT $1", limit
        )
        return [JobRow.from_record(row) for row in rows]

    async def prune_jobs(self, finished_before: datetime) -> int:
        """Delete the rows of jobs that ended (done or failed) before ``finished_before``."""
        status = await self.pool.execute(
            "DELETE FROM compaction_jobs WHERE status <> 'running' AND finished_at < $1", finished_before
        )
        return int(status.rsplit(" ", 1)[1])
