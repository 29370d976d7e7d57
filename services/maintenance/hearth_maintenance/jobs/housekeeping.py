"""Housekeeping of the app tables: bounded alert history, spent credentials.

- ``alert_runs``: at most ``alert_run_history`` per alert and none older than ``alert_history_days``;
  a run whose notifications are still being delivered is kept (deleting it would cancel them).
- ``alert_notifications``: delivered or failed ones older than ``alert_history_days``.
- ``device_authorizations`` expired, ``user_tokens`` expired or revoked, ``org_invitations`` expired,
  revoked or accepted: deleted ``expired_credentials_days`` after that happened.

The catalog needs no sweep of its own here: rows of retired files are forgotten by the retired-objects
job right after their objects are deleted (a crash in between heals on its next run), and retention
prunes the trace index. The ingest WAL is local to each ingest replica and cleans itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from hearth_maintenance.jobs.base import Job
from hearth_shared.db import DatabasePool

_PENDING = "n.delivered_at IS NULL AND n.failed_at IS NULL"

_PRUNE_RUNS = f"""
WITH ranked AS (
    SELECT id, started_at,
           row_number() OVER (PARTITION BY alert_id ORDER BY started_at DESC, id DESC) AS rank
    FROM alert_runs
)
DELETE FROM alert_runs r USING ranked
WHERE r.id = ranked.id
  AND (ranked.rank > $1 OR ranked.started_at < now() - make_interval(days => $2))
  AND NOT EXISTS (SELECT 1 FROM alert_notifications n WHERE n.alert_run_id = r.id AND {_PENDING})
"""

_PRUNE_NOTIFICATIONS = """
DELETE FROM alert_notifications
WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL) AND created_at < now() - make_interval(days => $1)
"""

_PRUNE_DEVICE_LOGINS = """
DELETE FROM device_authorizations WHERE expires_at < now() - make_interval(days => $1)
"""

_PRUNE_USER_TOKENS = """
DELETE FROM user_tokens
WHERE LEAST(expires_at, COALESCE(revoked_at, 'infinity')) < now() - make_interval(days => $1)
"""

_PRUNE_INVITATIONS = """
DELETE FROM org_invitations
WHERE LEAST(expires_at, COALESCE(revoked_at, 'infinity'), COALESCE(accepted_at, 'infinity'))
      < now() - make_interval(days => $1)
"""


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[1])


class HousekeepingJob(Job):
    name = "housekeeping"

    def __init__(
        self,
        interval: float,
        *,
        app_db: DatabasePool,
        run_history: int,
        history_days: int,
        credentials_days: int,
    ) -> None:
        super().__init__(interval)
        self.app_db = app_db
        self.run_history = run_history
        self.history_days = history_days
        self.credentials_days = credentials_days

    async def run(self) -> Mapping[str, int]:
        db = self.app_db
        days = self.credentials_days
        return {
            "alert_runs": _count(await db.execute(_PRUNE_RUNS, self.run_history, self.history_days)),
            "notifications": _count(await db.execute(_PRUNE_NOTIFICATIONS, self.history_days)),
            "device_logins": _count(await db.execute(_PRUNE_DEVICE_LOGINS, days)),
            "user_tokens": _count(await db.execute(_PRUNE_USER_TOKENS, days)),
            "invitations": _count(await db.execute(_PRUNE_INVITATIONS, days)),
        }
