"""Retention: retire the day partitions older than each project's ``retention_days``, and drop the
trace-index entries of traces that lie wholly in them.

A project with ``retention_days = N`` keeps the partitions of the last N days: on day D (UTC) the
cutoff is the day of ``now - N days``, and every live file of a partition whose day is before the
cutoff is retired. Its object stays readable through the grace period (running queries finish), then
the retired-objects job deletes it. Trace-index entries whose last span started before the cutoff day
(midnight UTC) go at once: the files they point at are already out of every new query.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from hearth_maintenance.jobs.base import Clock, Job, utc_now
from hearth_shared.catalog import CatalogRetention, FileCatalog
from hearth_shared.db import DatabasePool

BATCH = 1000
TRACE_BATCH = 10_000


def cutoff_day(now: datetime, retention_days: int) -> date:
    """The first day kept: partitions of earlier days are past retention."""
    return (now - timedelta(days=retention_days)).astimezone(UTC).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class RetentionJob(Job):
    name = "retention"

    def __init__(
        self,
        interval: float,
        *,
        app_db: DatabasePool,
        catalog_db: DatabasePool,
        default_days: int,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(interval)
        self.app_db = app_db
        self.files = FileCatalog(catalog_db)
        self.retention = CatalogRetention(catalog_db)
        self.default_days = default_days
        self.clock = clock

    async def project_cutoffs(self, now: datetime) -> dict[uuid.UUID, date]:
        rows = await self.app_db.fetch("SELECT id, retention_days FROM projects")
        return {uuid.UUID(bytes=row["id"].bytes): cutoff_day(now, row["retention_days"]) for row in rows}

    async def run(self) -> Mapping[str, int]:
        now = self.clock()
        cutoffs = await self.project_cutoffs(now)
        default = cutoff_day(now, self.default_days)
        retired = 0
        while True:
            ids = await self.retention.expired_file_ids(cutoffs, default, limit=BATCH)
            if not ids:
                break
            # A file compaction retired meanwhile is simply not counted; the next batch moves on.
            retired += await self.files.retire(ids)
            if len(ids) < BATCH:
                break
        traces = 0
        trace_cutoffs = {project: day_start(day) for project, day in cutoffs.items()}
        while True:
            pruned = await self.retention.prune_trace_index(
                trace_cutoffs, day_start(default), limit=TRACE_BATCH
            )
            traces += pruned
            if pruned < TRACE_BATCH:
                break
        return {"retired_files": retired, "pruned_traces": traces}
