"""Shared pieces of the maintenance tests: a real HTTP receiver for notifications, alert and channel
rows, and catalog files on chosen days."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request, Response

from hearth_shared.catalog import CatalogFile
from hearth_shared.catalog.files import TableName, object_key_for
from hearth_shared.db import DatabasePool


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float  # time.monotonic() when it arrived


@dataclass
class Receiver:
    """Records every POST; the first ``fail_first`` answer ``fail_status`` (then 200). Served in its own
    thread by ``serving``, so the lists are guarded by a lock."""

    fail_first: int = 0
    fail_status: int = 500
    retry_after: str | None = None
    requests: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> Response:
            body = await request.json()
            with self._lock:
                self.requests.append(Received(f"/{path}", dict(request.headers), body, time.monotonic()))
                failing = len(self.requests) <= self.fail_first
            if failing:
                headers = {"Retry-After": self.retry_after} if self.retry_after else None
                return Response("try later", status_code=self.fail_status, headers=headers)
            return Response("ok", status_code=200)

        return app

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 20.0) -> None:
    """Poll ``check`` until it is true, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def organization_id(db: DatabasePool) -> uuid.UUID:
    value = await db.fetchval("SELECT id FROM organizations ORDER BY created_at LIMIT 1")
    return uuid.UUID(bytes=value.bytes)


async def add_channel(
    db: DatabasePool, kind: str, url: str, *, name: str | None = None, headers: dict[str, str] | None = None
) -> uuid.UUID:
    config: dict[str, Any] = {"url": url}
    if headers:
        config["headers"] = headers
    value = await db.fetchval(
        "INSERT INTO notification_channels (organization_id, name, kind, config) VALUES ($1, $2, $3, $4) "
        "RETURNING id",
        await organization_id(db),
        name or f"{kind}-{uuid.uuid4().hex[:6]}",
        kind,
        config,
    )
    return uuid.UUID(bytes=value.bytes)


async def add_alert(
    db: DatabasePool,
    project_id: uuid.UUID,
    sql: str,
    mode: str,
    *,
    channels: tuple[uuid.UUID, ...] = (),
    name: str | None = None,
    lookback_seconds: int = 3600,
    interval_seconds: int = 60,
    snoozed_until: datetime | None = None,
) -> uuid.UUID:
    value = await db.fetchval(
        """
        INSERT INTO alerts (
            project_id, name, sql, lookback_seconds, interval_seconds, firing_mode, snoozed_until
        ) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
        """,
        project_id,
        name or f"alert-{uuid.uuid4().hex[:6]}",
        sql,
        lookback_seconds,
        interval_seconds,
        mode,
        snoozed_until,
    )
    alert_id = uuid.UUID(bytes=value.bytes)
    for channel in channels:
        await db.execute(
            "INSERT INTO alert_channels (alert_id, channel_id) VALUES ($1, $2)", alert_id, channel
        )
    return alert_id


async def make_due(db: DatabasePool, alert_id: uuid.UUID) -> None:
    await db.execute("UPDATE alerts SET next_run_at = now() WHERE id = $1", alert_id)


def catalog_file(
    project_id: uuid.UUID, day: date, *, table: TableName = "records", file_id: str | None = None
) -> CatalogFile:
    """A catalog row for a file on ``day`` (no object is written; see tests that put one)."""
    file_id = file_id or f"f-{uuid.uuid4().hex[:12]}"
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    return CatalogFile(
        id=file_id,
        project_id=project_id,
        table_name=table,
        day=day,
        object_key=object_key_for(table, project_id, day, file_id),
        min_timestamp=start,
        max_timestamp=start + timedelta(hours=1),
        row_count=10,
        byte_size=100,
        source=f"test:{file_id}",
    )
