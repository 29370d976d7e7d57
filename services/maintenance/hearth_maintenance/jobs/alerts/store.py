"""The alert tables: claiming due alerts, recording a run with its notifications.

**Claims.** An evaluator claims a due alert by moving its ``next_run_at`` to ``now() + lease`` in the
same statement that picks it (``FOR UPDATE SKIP LOCKED``), so two evaluators — in one process or in
several replicas — never pick the same run, and no row lock is held while the query runs (a user
saving the alert meanwhile is not blocked). The moved ``next_run_at`` is the claim's token: the run is
recorded only if it is still there, so a run whose lease expired (a stalled process) and was claimed
again, or an alert edited meanwhile by someone resetting ``next_run_at``, is dropped instead of
recorded twice. A crashed evaluator's alert becomes due again when its lease ends.

**Recording.** The alert's new state, the run and its notifications are written in one transaction:
a notification exists only for a recorded run, and a recorded run has all of its notifications.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from hearth_maintenance.jobs.alerts.modes import Decision, FiringMode, Observation, Previous
from hearth_shared.db import DatabasePool

_CLAIM = """
WITH due AS (
    SELECT id, next_run_at FROM alerts
    WHERE active AND next_run_at <= now()
    ORDER BY next_run_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE alerts a
SET next_run_at = now() + make_interval(secs => $2)
FROM due, projects p, organizations o
WHERE a.id = due.id AND p.id = a.project_id AND o.id = p.organization_id
RETURNING a.id, a.project_id, a.name, a.description, a.sql, a.lookback_seconds, a.interval_seconds,
          a.firing_mode, a.snoozed_until, a.state, a.last_has_rows, a.last_result_hash,
          a.next_run_at AS lease, due.next_run_at AS scheduled,
          p.slug AS project_slug, o.slug AS organization_slug
"""

# Keeps the cadence (scheduled + interval) unless the run ended past it; then one interval from now.
_RECORD_STATE = """
UPDATE alerts
SET state = $2,
    last_has_rows = COALESCE($3, last_has_rows),
    last_result_hash = COALESCE($4, last_result_hash),
    last_run_at = $5,
    next_run_at = CASE
        WHEN $6::timestamptz + make_interval(secs => interval_seconds) > now()
            THEN $6::timestamptz + make_interval(secs => interval_seconds)
        ELSE now() + make_interval(secs => interval_seconds)
    END
WHERE id = $1 AND next_run_at = $7
RETURNING id
"""

_CHANNELS = """
SELECT c.id, c.kind, c.name FROM alert_channels ac JOIN notification_channels c ON c.id = ac.channel_id
WHERE ac.alert_id = $1 ORDER BY c.name
"""

_INSERT_RUN = """
INSERT INTO alert_runs (
    alert_id, started_at, finished_at, state, row_count, result_hash, fired, error, sample
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id
"""

_INSERT_NOTIFICATION = """
INSERT INTO alert_notifications (alert_run_id, channel_id, payload) VALUES ($1, $2, $3)
"""


def _uuid(value: Any) -> uuid.UUID:
    # asyncpg returns its own UUID subclass; normalise so equality, hashing and JSON are plain.
    return uuid.UUID(bytes=value.bytes)


@dataclass(frozen=True)
class ClaimedAlert:
    id: uuid.UUID
    project_id: uuid.UUID
    organization_slug: str
    project_slug: str
    name: str
    description: str
    sql: str
    lookback_seconds: int
    interval_seconds: int
    firing_mode: FiringMode
    snoozed_until: datetime | None
    previous: Previous
    scheduled: datetime  # when this run was due
    lease: datetime  # the claim's token (see the module docstring)

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> ClaimedAlert:
        return cls(
            id=_uuid(row["id"]),
            project_id=_uuid(row["project_id"]),
            organization_slug=row["organization_slug"],
            project_slug=row["project_slug"],
            name=row["name"],
            description=row["description"],
            sql=row["sql"],
            lookback_seconds=row["lookback_seconds"],
            interval_seconds=row["interval_seconds"],
            firing_mode=row["firing_mode"],
            snoozed_until=row["snoozed_until"],
            previous=Previous(row["state"], row["last_has_rows"], row["last_result_hash"]),
            scheduled=row["scheduled"],
            lease=row["lease"],
        )


@dataclass(frozen=True)
class Channel:
    id: uuid.UUID
    kind: str
    name: str


@dataclass(frozen=True)
class RunRecord:
    """One evaluation, ready to be recorded."""

    alert: ClaimedAlert
    started_at: datetime
    finished_at: datetime
    seen: Observation
    decision: Decision
    sample: list[dict[str, Any]] | None


#: Builds a channel's notification body for a recorded run: (run, its id, channel kind) → payload.
RenderPayload = Callable[[RunRecord, int, str], dict[str, Any]]


@dataclass(frozen=True)
class Recorded:
    run_id: int
    notifications: int


class AlertStore:
    def __init__(self, pool: DatabasePool) -> None:
        self.pool = pool

    async def claim(self, limit: int, *, lease_seconds: float) -> list[ClaimedAlert]:
        """Claim up to ``limit`` due, active alerts for ``lease_seconds``."""
        rows = await self.pool.fetch(_CLAIM, limit, lease_seconds)
        return [ClaimedAlert.from_record(row) for row in rows]

    async def record(self, run: RunRecord, render: RenderPayload) -> Recorded | None:
        """Write the new state, the run and (when it notifies) one notification per channel of the
        alert, in one transaction; None when the claim was lost (nothing is written)."""
        alert, seen, decision = run.alert, run.seen, run.decision
        async with self.pool.acquire() as conn, conn.transaction():
            kept = await conn.fetchval(
                _RECORD_STATE,
                alert.id,
                decision.state,
                None if seen.failed else bool(seen.row_count),
                seen.result_hash,
                run.started_at,
                alert.scheduled,
                alert.lease,
            )
            if kept is None:
                return None
            channels: list[Channel] = []
            if decision.notify:
                channels = [
                    Channel(_uuid(row["id"]), row["kind"], row["name"])
                    for row in await conn.fetch(_CHANNELS, alert.id)
                ]
            run_id: int = await conn.fetchval(
                _INSERT_RUN,
                alert.id,
                run.started_at,
                run.finished_at,
                decision.state,
                seen.row_count,
                seen.result_hash,
                bool(channels),
                seen.error,
                run.sample,
            )
            for channel in channels:
                await conn.execute(
                    _INSERT_NOTIFICATION, run_id, channel.id, render(run, run_id, channel.kind)
                )
        return Recorded(run_id, len(channels))
