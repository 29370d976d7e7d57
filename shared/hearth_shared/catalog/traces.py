"""The trace index: trace id → the first and last start time of its spans, per project.

Ingest records the spans of each converted segment *before* registering its files, so a file visible
in the catalog always has its traces indexed; ranges only ever widen (a replay or a late span is
harmless). The query API narrows a lookup by trace id to the indexed window, so a trace link opens the
one or two files that hold it instead of every file of the default 30 days.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hearth_shared.db import DatabasePool

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch_us(moment: datetime) -> int:
    """A start time as :meth:`TraceIndex.record` takes it: microseconds since the epoch."""
    return (moment - _EPOCH) // _MICROSECOND


# Times travel as microseconds since the epoch: building a datetime per trace (and asyncpg encoding it)
# cost ingest more than the rest of the index. interval * bigint is exact to the microsecond.
_UPSERT = """
INSERT INTO trace_index (project_id, trace_id, min_start, max_start)
SELECT $1::uuid, t.trace_id,
       timestamptz 'epoch' + t.min_us * interval '1 microsecond',
       timestamptz 'epoch' + t.max_us * interval '1 microsecond'
FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t(trace_id, min_us, max_us)
ON CONFLICT (project_id, trace_id) DO UPDATE
SET min_start = LEAST(trace_index.min_start, EXCLUDED.min_start),
    max_start = GREATEST(trace_index.max_start, EXCLUDED.max_start)
"""


class TraceIndex:
    def __init__(self, pool: DatabasePool) -> None:
        self.pool = pool

    async def record(
        self,
        project_id: uuid.UUID,
        trace_ids: Sequence[str],
        min_starts_us: Sequence[int],
        max_starts_us: Sequence[int],
    ) -> None:
        """Widen (or create) the window of each trace: its first and last span start, in microseconds
        since the epoch (UTC); the sequences run in parallel."""
        if not trace_ids:
            return
        # Sorted: concurrent writers then lock rows in one order and cannot deadlock.
        order = sorted(range(len(trace_ids)), key=trace_ids.__getitem__)
        await self.pool.execute(
            _UPSERT,
            project_id,
            [trace_ids[i] for i in order],
            [min_starts_us[i] for i in order],
            [max_starts_us[i] for i in order],
        )

    async def window(self, project_id: uuid.UUID, trace_id: str) -> tuple[datetime, datetime] | None:
        """The first and last span start of a trace of this project, or None when it is not indexed."""
        row = await self.pool.fetchrow(
            "SELECT min_start, max_start FROM trace_index WHERE project_id = $1 AND trace_id = $2",
            project_id,
            trace_id,
        )
        return None if row is None else (row["min_start"], row["max_start"])
