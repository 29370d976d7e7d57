"""Alert evaluation: claim due alerts, run each one's SQL over its lookback window through the query
API, decide its new state (:mod:`.modes`), record the run and queue its notifications (:mod:`.store`).

Not exclusive: every replica runs it, and claims keep them from evaluating the same run. Each turn,
``concurrency`` workers claim one alert at a time until none is due.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from hearth_maintenance.errors import AlertQueryFailed
from hearth_maintenance.jobs.alerts.messages import render
from hearth_maintenance.jobs.alerts.modes import Observation, decide
from hearth_maintenance.jobs.alerts.query import AlertQueries, result_hash
from hearth_maintenance.jobs.alerts.store import AlertStore, ClaimedAlert, Recorded, RunRecord
from hearth_maintenance.jobs.base import Clock, Job, run_workers, utc_now
from hearth_shared.db import DatabasePool

logger = logging.getLogger("hearth.maintenance.alerts")

#: Added to the longest possible evaluation (two queries) to make a claim's lease.
LEASE_MARGIN_SECONDS = 60.0


class AlertsJob(Job):
    name = "alerts"
    exclusive = False

    def __init__(
        self,
        interval: float,
        *,
        app_db: DatabasePool,
        queries: AlertQueries,
        concurrency: int,
        sample_rows: int,
        public_base_url: str | None,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(interval)
        self.store = AlertStore(app_db)
        self.queries = queries
        self.concurrency = concurrency
        self.sample_rows = sample_rows
        self.public_base_url = public_base_url
        self.clock = clock
        self.lease_seconds = 2 * queries.timeout + LEASE_MARGIN_SECONDS

    async def run(self) -> Mapping[str, int]:
        counts = {"evaluated": 0, "notifications": 0, "lost_claims": 0}
        await run_workers(self.concurrency, lambda: self._worker(counts))
        return counts

    async def _worker(self, counts: dict[str, int]) -> None:
        while claimed := await self.store.claim(1, lease_seconds=self.lease_seconds):
            recorded = await self.evaluate(claimed[0])
            if recorded is None:
                counts["lost_claims"] += 1
            else:
                counts["evaluated"] += 1
                counts["notifications"] += recorded.notifications

    async def evaluate(self, alert: ClaimedAlert) -> Recorded | None:
        """Run one claimed alert and record the run; None when the claim was lost meanwhile."""
        started = self.clock()
        window_start = started - timedelta(seconds=alert.lookback_seconds)
        snoozed = alert.snoozed_until is not None and alert.snoozed_until > started
        rows: list[dict[str, Any]] | None = None
        try:
            rows = await self.queries.rows(alert.project_id, alert.sql, window_start, started)
            has_data = None if rows else await self.queries.has_data(alert.project_id, window_start, started)
            seen = Observation(len(rows), result_hash(rows), has_data, error=None, snoozed=snoozed)
        except AlertQueryFailed as exc:
            seen = Observation(None, None, None, error=exc.detail, snoozed=snoozed)
        decision = decide(alert.firing_mode, alert.previous, seen)
        run = RunRecord(
            alert=alert,
            started_at=started,
            finished_at=self.clock(),
            seen=seen,
            decision=decision,
            sample=None if rows is None else rows[: self.sample_rows],
        )
        recorded = await self.store.record(run, partial(render, public_base_url=self.public_base_url))
        if recorded is None:
            logger.warning("alert %s: claim lost during evaluation; run dropped", alert.id)
        elif decision.state != alert.previous.state or recorded.notifications:
            logger.info(
                "alert %s: %s → %s",
                alert.name,
                alert.previous.state,
                decision.state,
                extra={"alert_id": str(alert.id), "notifications": recorded.notifications},
            )
        return recorded
