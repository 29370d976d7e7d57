"""Notification delivery: POST each queued notification to its channel, with retries and backoff.

The outbox (``alert_notifications``) survives restarts. A worker claims one due notification by
counting the attempt and moving ``next_attempt_at`` to ``now() + lease`` in the statement that picks
it (``FOR UPDATE SKIP LOCKED``), so replicas never send the same attempt twice; the moved time is the
claim's token for writing the outcome. Then:

- 2xx: delivered.
- a network error, a timeout, 408, 425, 429 or 5xx: retried after ``backoff * 2^(attempts-1)``
  seconds (at most ``backoff_max``; a longer ``Retry-After`` of a 429/503 wins, within that cap),
  until ``max_attempts`` attempts were made; then marked failed.
- any other answer (400, 403, 404, 410…: a wrong or revoked URL) or a channel without a usable URL:
  failed at once — retrying cannot help.

Delivery is at least once: a process dying between the POST and recording its outcome sends again
once the lease ends. A channel gets its notifications in the order they were queued (an alert's
"error" before its "firing"): while an older one of the channel is pending, even waiting for a retry,
the newer ones wait too; other channels are not held up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from hearth_maintenance.jobs.base import Job, run_workers
from hearth_shared.db import DatabasePool
from hearth_shared.notifications import delivery_target

logger = logging.getLogger("hearth.maintenance.notifications")

LEASE_MARGIN_SECONDS = 60.0
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_MAX_ERROR = 300

_CLAIM = """
WITH due AS (
    SELECT id FROM alert_notifications n
    WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
      -- a channel gets its messages in order: only its oldest pending one may go (or wait for a retry)
      AND NOT EXISTS (
          SELECT 1 FROM alert_notifications older
          WHERE older.channel_id = n.channel_id AND older.id < n.id
            AND older.delivered_at IS NULL AND older.failed_at IS NULL
      )
    ORDER BY next_attempt_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE alert_notifications n
SET attempts = n.attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
FROM due, notification_channels c
WHERE n.id = due.id AND c.id = n.channel_id
RETURNING n.id, n.payload, n.attempts, n.next_attempt_at AS lease, c.kind, c.config
"""

_DELIVERED = """
UPDATE alert_notifications SET delivered_at = now(), last_error = NULL WHERE id = $1 AND next_attempt_at = $2
"""
_RETRY = """
UPDATE alert_notifications SET next_attempt_at = now() + make_interval(secs => $3), last_error = $4
WHERE id = $1 AND next_attempt_at = $2
"""
_FAILED = """
UPDATE alert_notifications SET failed_at = now(), last_error = $3 WHERE id = $1 AND next_attempt_at = $2
"""


def retry_delay(attempts: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: exponential, capped; a server's
    longer ``Retry-After`` is honoured up to the cap."""
    delay: float = min(cap, base * 2.0 ** (attempts - 1))
    if retry_after is not None:
        delay = max(delay, min(cap, retry_after))
    return delay


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retryable: bool = False
    error: str | None = None
    retry_after: float | None = None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.replace(".", "", 1).isdigit() else None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


class NotificationsJob(Job):
    name = "notifications"
    exclusive = False

    def __init__(
        self,
        interval: float,
        *,
        app_db: DatabasePool,
        client: httpx.AsyncClient,
        concurrency: int,
        timeout: float,
        max_attempts: int,
        backoff: float,
        backoff_max: float,
    ) -> None:
        super().__init__(interval)
        self.db = app_db
        self.client = client
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_max = backoff_max

    async def run(self) -> Mapping[str, int]:
        counts = {"delivered": 0, "retrying": 0, "failed": 0}
        await run_workers(self.concurrency, lambda: self._worker(counts))
        return counts

    async def _worker(self, counts: dict[str, int]) -> None:
        lease = self.timeout + LEASE_MARGIN_SECONDS
        while (row := await self.db.fetchrow(_CLAIM, lease)) is not None:
            outcome = await self.send(row["kind"], row["config"], row["payload"])
            counts[await self._record(row["id"], row["lease"], row["attempts"], outcome)] += 1

    async def send(self, kind: str, config: Any, payload: Any) -> Outcome:
        """One POST of ``payload`` to the channel described by ``kind`` and ``config``."""
        target = delivery_target(kind, config)
        if target is None:
            return Outcome(False, error=f"the {kind} channel has no http(s) URL")
        try:
            response = await self.client.post(
                target.url, json=payload, headers=dict(target.headers), timeout=self.timeout
            )
        except httpx.TimeoutException:
            return Outcome(False, retryable=True, error=f"no answer within {self.timeout:g} s")
        except httpx.HTTPError as exc:
            return Outcome(False, retryable=True, error=_clip(f"{type(exc).__name__}: {exc}"))
        if response.is_success:
            return Outcome(True)
        status = response.status_code
        return Outcome(
            False,
            retryable=status >= 500 or status in _RETRYABLE_STATUS,
            error=_clip(f"HTTP {status}: {response.text}"),
            retry_after=_retry_after(response),
        )

    async def _record(self, notification_id: int, lease: Any, attempts: int, outcome: Outcome) -> str:
        if outcome.delivered:
            await self.db.execute(_DELIVERED, notification_id, lease)
            return "delivered"
        if outcome.retryable and attempts < self.max_attempts:
            delay = retry_delay(
                attempts, base=self.backoff, cap=self.backoff_max, retry_after=outcome.retry_after
            )
            await self.db.execute(_RETRY, notification_id, lease, delay, outcome.error)
            logger.info(
                "notification %d not delivered (attempt %d): %s; retrying in %.1f s",
                notification_id,
                attempts,
                outcome.error,
                delay,
            )
            return "retrying"
        await self.db.execute(_FAILED, notification_id, lease, outcome.error)
        logger.warning(
            "notification %d failed after %d attempt(s): %s", notification_id, attempts, outcome.error
        )
        return "failed"
