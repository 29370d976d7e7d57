"""Alerts of a project and the history of their runs.

Maintenance evaluates them (``hearth_maintenance.jobs.alerts``): it claims alerts whose ``next_run_at``
is due, runs the SQL over ``[now - lookback, now)``, records a row in ``alert_runs`` and writes the
evaluation state (``state``, ``last_run_at``…) on the alert. Here users create and change the
definition; every create and save sets ``next_run_at = now()`` so the new definition is evaluated at
the next maintenance turn (a run of the old definition still in flight is then dropped by
maintenance, whose claim token is ``next_run_at``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal

import asyncpg
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, field_validator

from hearth_backend.errors import AlreadyExists, InvalidInput, ResourceNotFound
from hearth_backend.tenancy.rows import as_uuid
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import Executor

FiringMode = Literal["any_rows", "starts_having_rows", "starts_or_stops_having_rows", "result_changes"]
AlertState = Literal["ok", "firing", "no_data", "snoozed", "error"]
MAX_LOOKBACK_SECONDS: Final = 31 * 86400
MIN_INTERVAL_SECONDS: Final = 10
MAX_INTERVAL_SECONDS: Final = 7 * 86400
MAX_CHANNELS: Final = 50


class AlertIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    sql: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
    lookback_seconds: int = Field(
        default=300,
        ge=1,
        le=MAX_LOOKBACK_SECONDS,
        description="Window each run queries: [now - lookback, now)",
    )
    interval_seconds: int = Field(
        default=60, ge=MIN_INTERVAL_SECONDS, le=MAX_INTERVAL_SECONDS, description="Time between runs"
    )
    firing_mode: FiringMode = "starts_having_rows"
    active: bool = True
    snoozed_until: AwareDatetime | None = Field(
        default=None, description="Until then runs are recorded but notify nobody (state `snoozed`)"
    )
    channel_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=MAX_CHANNELS, description="Notification channels of the organization"
    )

    @field_validator("channel_ids")
    @classmethod
    def _distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(value))


class Alert(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    sql: str
    lookback_seconds: int
    interval_seconds: int
    firing_mode: FiringMode
    active: bool
    snoozed_until: datetime | None
    channel_ids: list[uuid.UUID]
    state: AlertState = Field(description="Of the last run (written by maintenance)")
    last_run_at: datetime | None
    next_run_at: datetime
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class AlertRun(BaseModel):
    id: str = Field(description="The run's number, as text")
    started_at: datetime
    finished_at: datetime
    state: AlertState
    row_count: int | None
    fired: bool = Field(description="Whether this run sent notifications")
    error: str | None


_SELECT: Final = """
SELECT a.id, a.name, a.description, a.sql, a.lookback_seconds, a.interval_seconds, a.firing_mode,
       a.active, a.snoozed_until, a.state, a.last_run_at, a.next_run_at, a.created_by, a.created_at,
       a.updated_at,
       coalesce(array(SELECT ac.channel_id FROM alert_channels ac WHERE ac.alert_id = a.id
                      ORDER BY ac.channel_id), '{}') AS channel_ids
FROM alerts a
"""


def _alert(row: asyncpg.Record) -> Alert:
    values = dict(row)
    values["id"] = as_uuid(row["id"])
    values["channel_ids"] = [as_uuid(value) for value in row["channel_ids"]]
    values["created_by"] = None if row["created_by"] is None else as_uuid(row["created_by"])
    return Alert.model_validate(values)


def _not_found(alert_id: uuid.UUID) -> ResourceNotFound:
    return ResourceNotFound(f"the project has no alert {alert_id}")


async def list_alerts(db: Executor, project_id: uuid.UUID) -> list[Alert]:
    rows = await db.fetch(f"{_SELECT} WHERE a.project_id = $1 ORDER BY a.name", project_id)
    return [_alert(row) for row in rows]


async def get_alert(db: Executor, project_id: uuid.UUID, alert_id: uuid.UUID) -> Alert:
    row = await db.fetchrow(f"{_SELECT} WHERE a.project_id = $1 AND a.id = $2", project_id, alert_id)
    if row is None:
        raise _not_found(alert_id)
    return _alert(row)


async def _check_channels(db: Executor, organization_id: uuid.UUID, channel_ids: list[uuid.UUID]) -> None:
    if not channel_ids:
        return
    found = {
        as_uuid(row["id"])
        for row in await db.fetch(
            "SELECT id FROM notification_channels WHERE organization_id = $1 AND id = ANY($2::uuid[])",
            organization_id,
            channel_ids,
        )
    }
    unknown = [str(channel_id) for channel_id in channel_ids if channel_id not in found]
    if unknown:
        raise InvalidInput(f"no notification channel {', '.join(unknown)} in this organization")


async def _set_channels(db: Executor, alert_id: uuid.UUID, channel_ids: list[uuid.UUID]) -> None:
    await db.execute("DELETE FROM alert_channels WHERE alert_id = $1", alert_id)
    await db.execute(
        "INSERT INTO alert_channels (alert_id, channel_id) SELECT $1, unnest($2::uuid[])",
        alert_id,
        channel_ids,
    )


def _name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(f"the project has an alert named {name!r} already")


async def create_alert(
    pool: DatabasePool,
    organization_id: uuid.UUID,
    project_id: uuid.UUID,
    body: AlertIn,
    *,
    created_by: uuid.UUID | None,
) -> Alert:
    async with pool.acquire() as conn, conn.transaction():
        await _check_channels(conn, organization_id, body.channel_ids)
        try:
            alert_id = await conn.fetchval(
                """
                INSERT INTO alerts (project_id, name, description, sql, lookback_seconds, interval_seconds,
                                    firing_mode, active, snoozed_until, created_by, next_run_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now()) RETURNING id
                """,
                project_id,
                body.name,
                body.description,
                body.sql,
                body.lookback_seconds,
                body.interval_seconds,
                body.firing_mode,
                body.active,
                body.snoozed_until,
                created_by,
            )
        except asyncpg.UniqueViolationError as exc:
            raise _name_taken(body.name) from exc
        await _set_channels(conn, alert_id, body.channel_ids)
        return await get_alert(conn, project_id, as_uuid(alert_id))


async def update_alert(
    pool: DatabasePool, organization_id: uuid.UUID, project_id: uuid.UUID, alert_id: uuid.UUID, body: AlertIn
) -> Alert:
    async with pool.acquire() as conn, conn.transaction():
        await _check_channels(conn, organization_id, body.channel_ids)
        try:
            updated = await conn.fetchval(
                """
                UPDATE alerts SET name = $3, description = $4, sql = $5, lookback_seconds = $6,
                                  interval_seconds = $7, firing_mode = $8, active = $9, snoozed_until = $10,
                                  next_run_at = now(), updated_at = now()
                WHERE project_id = $1 AND id = $2 RETURNING id
                """,
                project_id,
                alert_id,
                body.name,
                body.description,
                body.sql,
                body.lookback_seconds,
                body.interval_seconds,
                body.firing_mode,
                body.active,
                body.snoozed_until,
            )
        except asyncpg.UniqueViolationError as exc:
            raise _name_taken(body.name) from exc
        if updated is None:
            raise _not_found(alert_id)
        await _set_channels(conn, alert_id, body.channel_ids)
        return await get_alert(conn, project_id, alert_id)


async def delete_alert(db: Executor, project_id: uuid.UUID, alert_id: uuid.UUID) -> None:
    deleted = await db.fetchval(
        "DELETE FROM alerts WHERE project_id = $1 AND id = $2 RETURNING id", project_id, alert_id
    )
    if deleted is None:
        raise _not_found(alert_id)


async def alert_runs(
    db: Executor, project_id: uuid.UUID, alert_id: uuid.UUID, *, limit: int
) -> list[AlertRun]:
    """The alert's runs, newest first."""
    if (
        await db.fetchval("SELECT 1 FROM alerts WHERE project_id = $1 AND id = $2", project_id, alert_id)
        is None
    ):
        raise _not_found(alert_id)
    rows = await db.fetch(
        """
        SELECT id, started_at, finished_at, state, row_count, fired, error FROM alert_runs
        WHERE alert_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2
        """,
        alert_id,
        limit,
    )
    return [AlertRun.model_validate({**dict(row), "id": str(row["id"])}) for row in rows]
