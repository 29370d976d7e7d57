"""What maintenance asks of the catalog: files past their project's retention, trace-index entries
past it, and which object keys the catalog knows (for the orphan sweep).

Projects live in the app database and the catalog may live in another one, so nothing here joins the
two: callers pass each project's cutoff, plus a default cutoff for projects the catalog holds that the
app database no longer knows (deleted projects age out under the default retention).

Retiring goes through :meth:`FileCatalog.retire`, which locks rows in id order like ``replace`` does,
so retention and compaction never deadlock; whichever retires a file first wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from hearth_shared.db import DatabasePool

_EXPIRED_FILES = """
WITH policy (project_id, cutoff) AS (SELECT * FROM unnest($1::uuid[], $2::date[]))
SELECT f.id
FROM catalog_files f LEFT JOIN policy p ON p.project_id = f.project_id
WHERE f.retired_at IS NULL AND f.day < COALESCE(p.cutoff, $3::date)
ORDER BY f.id
LIMIT $4
"""

# The outer bound ($3, the latest cutoff of all) lets the max_start index narrow the scan.
_PRUNE_TRACES = """
WITH policy (project_id, cutoff) AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[])),
doomed AS (
    SELECT t.project_id, t.trace_id
    FROM trace_index t LEFT JOIN policy p ON p.project_id = t.project_id
    WHERE t.max_start < $3 AND t.max_start < COALESCE(p.cutoff, $4::timestamptz)
    LIMIT $5
)
DELETE FROM trace_index t USING doomed d
WHERE t.project_id = d.project_id AND t.trace_id = d.trace_id
"""


class CatalogRetention:
    """Retention and garbage-collection queries over the catalog database."""

    def __init__(self, pool: DatabasePool) -> None:
        self._pool = pool

    async def expired_file_ids(
        self, cutoffs: Mapping[uuid.UUID, date], default_cutoff: date, *, limit: int = 1000
    ) -> list[str]:
        """Live files whose day partition lies wholly before its project's cutoff day (``day <
        cutoff``), at most ``limit``, by id. Projects absent from ``cutoffs`` use ``default_cutoff``."""
        projects = list(cutoffs)
        rows = await self._pool.fetch(
            _EXPIRED_FILES, projects, [cutoffs[p] for p in projects], default_cutoff, limit
        )
        return [row["id"] for row in rows]

    async def prune_trace_index(
        self, cutoffs: Mapping[uuid.UUID, datetime], default_cutoff: datetime, *, limit: int = 10_000
    ) -> int:
        """Delete up to ``limit`` trace-index entries whose last span started before their project's
        cutoff (``default_cutoff`` for projects absent from ``cutoffs``); returns how many went."""
        projects = list(cutoffs)
        latest = max([default_cutoff, *cutoffs.values()])
        status = await self._pool.execute(
            _PRUNE_TRACES, projects, [cutoffs[p] for p in projects], latest, default_cutoff, limit
        )
        return int(status.rsplit(" ", 1)[1])

    async def catalogued_keys(self, object_keys: Iterable[str]) -> set[str]:
        """The subset of ``object_keys`` the catalog holds, live or retired (not yet forgotten)."""
        rows = await self._pool.fetch(
            "SELECT object_key FROM catalog_files WHERE object_key = ANY($1::text[])",
            sorted(set(object_keys)),
        )
        return {row["object_key"] for row in rows}
