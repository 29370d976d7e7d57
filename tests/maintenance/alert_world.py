"""A real query API (uvicorn, over Parquet in a local directory catalogued in Postgres) and a real
notification receiver, with the alert evaluator and the notification deliverer pointed at them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_maintenance.jobs.alerts import AlertQueries, AlertsJob, NotificationsJob
from hearth_shared.catalog import CatalogFile, FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import DEV_SECRET
from tests.maintenance.helpers import Receiver
from tests.query_api.query_helpers import Data, Project, record

PUBLIC_URL = "https://hearth.example.com"
QUERY_TIMEOUT = 120.0


def make_evaluator(db: DatabasePool, query_api: httpx.AsyncClient, **overrides: Any) -> AlertsJob:
    options: dict[str, Any] = {"concurrency": 2, "sample_rows": 3, "public_base_url": PUBLIC_URL}
    options.update(overrides)
    # Generous: on a loaded machine the query API's first queries also spawn its worker processes.
    queries = AlertQueries(query_api, secret_key=DEV_SECRET, max_rows=100, timeout=QUERY_TIMEOUT)
    return AlertsJob(1, app_db=db, queries=queries, **options)


def make_notifier(db: DatabasePool, http: httpx.AsyncClient, **overrides: Any) -> NotificationsJob:
    options: dict[str, Any] = {
        "concurrency": 2,
        "timeout": 5,
        "max_attempts": 4,
        "backoff": 0.05,
        "backoff_max": 1,
    }
    options.update(overrides)
    return NotificationsJob(1, app_db=db, client=http, **options)


@dataclass
class AlertWorld:
    db: DatabasePool
    project: Project
    data: Data
    catalog: FileCatalog
    query_api_url: str
    receiver: Receiver
    receiver_url: str
    evaluator: AlertsJob
    notifier: NotificationsJob
    http: httpx.AsyncClient
    clients: list[httpx.AsyncClient]

    async def add_rows(self, *messages: str, ago: timedelta = timedelta(minutes=5)) -> CatalogFile:
        """One file of records started ``ago`` (inside the default one-hour lookback)."""
        start = datetime.now(UTC) - ago
        rows = [record(self.project.project_id, start, message=message) for message in messages]
        return await self.data.add("records", self.project.project_id, rows)

    def evaluator_for(self, query_api_url: str, **overrides: Any) -> AlertsJob:
        client = httpx.AsyncClient(base_url=query_api_url)
        self.clients.append(client)
        return make_evaluator(self.db, client, **overrides)

    async def runs(self, alert_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await self.db.fetch(
            "SELECT * FROM alert_runs WHERE alert_id = $1 ORDER BY started_at, id", alert_id
        )
        return [dict(row) for row in rows]

    async def alert(self, alert_id: uuid.UUID) -> dict[str, Any]:
        row = await self.db.fetchrow("SELECT * FROM alerts WHERE id = $1", alert_id)
        assert row is not None
        return dict(row)
