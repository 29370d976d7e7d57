"""Housekeeping: alert history bounded by count and age (never cancelling a pending delivery), and
spent credentials deleted after the configured number of days."""

from __future__ import annotations

import hashlib
import os
import uuid

from hearth_maintenance.jobs.housekeeping import HousekeepingJob
from hearth_shared.db import DatabasePool
from tests.maintenance.helpers import add_alert, add_channel, organization_id
from tests.query_api.query_helpers import first_project


def digest() -> bytes:
    return hashlib.sha256(os.urandom(16)).digest()


async def add_run(db: DatabasePool, alert_id: uuid.UUID, age: str) -> int:
    run_id: int = await db.fetchval(
        "INSERT INTO alert_runs (alert_id, started_at, finished_at, state) "
        "VALUES ($1, now() - $2::text::interval, now() - $2::text::interval, 'ok') RETURNING id",
        alert_id,
        age,
    )
    return run_id


async def test_alert_history_is_bounded(db_pool: DatabasePool) -> None:
    project = await first_project(db_pool)
    channel = await add_channel(db_pool, "webhook", "http://127.0.0.1:9/hook")
    busy = await add_alert(db_pool, project.project_id, "SELECT 1", "any_rows")
    quiet = await add_alert(db_pool, project.project_id, "SELECT 1", "any_rows")
    busy_runs = [await add_run(db_pool, busy, f"{minutes} minutes") for minutes in range(5)]  # newest first
    pending_old = await add_run(db_pool, busy, "10 minutes")
    await db_pool.execute(
        "INSERT INTO alert_notifications (alert_run_id, channel_id, payload) VALUES ($1, $2, '{}')",
        pending_old,
        channel,
    )
    quiet_recent, quiet_ancient = (
        await add_run(db_pool, quiet, "1 day"),
        await add_run(db_pool, quiet, "40 days"),
    )
    delivered_run = await add_run(db_pool, quiet, "2 days")
    await db_pool.execute(
        "INSERT INTO alert_notifications (alert_run_id, channel_id, payload, delivered_at, created_at) "
        "VALUES ($1, $2, '{}', now() - interval '35 days', now() - interval '35 days')",
        delivered_run,
        channel,
    )

    job = HousekeepingJob(60, app_db=db_pool, run_history=3, history_days=30, credentials_days=7)
    result = await job.run()

    remaining = {row["id"] for row in await db_pool.fetch("SELECT id FROM alert_runs")}
    # 3 newest of `busy`, plus the old one whose notification is still pending; `quiet`'s 40-day-old goes.
    assert remaining == {*busy_runs[:3], pending_old, quiet_recent, delivered_run}
    assert quiet_ancient not in remaining
    assert await db_pool.fetchval("SELECT count(*) FROM alert_notifications") == 1  # the pending one
    assert result["alert_runs"] == 3
    assert result["notifications"] == 1


async def test_spent_credentials_are_deleted_after_the_grace_days(db_pool: DatabasePool) -> None:
    await first_project(db_pool)
    user = await db_pool.fetchval("SELECT id FROM users LIMIT 1")
    org = await organization_id(db_pool)

    async def token(expires: str, revoked: str | None = None) -> uuid.UUID:
        value = await db_pool.fetchval(
            "INSERT INTO user_tokens (user_id, token_hash, hint, expires_at, revoked_at) "
            "VALUES ($1, $2, 'h', now() + $3::text::interval, now() + $4::text::interval) RETURNING id",
            user,
            digest(),
            expires,
            revoked,
        )
        return uuid.UUID(bytes=value.bytes)

    keep_tokens = {await token("30 days"), await token("-3 days"), await token("30 days", "-3 days")}
    await token("-8 days")
    await token("30 days", "-8 days")

    async def device(expires: str) -> None:
        await db_pool.execute(
            "INSERT INTO device_authorizations (device_code_hash, user_code, expires_at) "
            "VALUES ($1, $2, now() + $3::text::interval)",
            digest(),
            uuid.uuid4().hex[:8],
            expires,
        )

    await device("10 minutes")
    await device("-8 days")

    async def invitation(expires: str, accepted: str | None = None) -> uuid.UUID:
        value = await db_pool.fetchval(
            "INSERT INTO org_invitations (organization_id, email, role, token_hash, expires_at, accepted_at) "
            "VALUES ($1, 'x@example.com', 'member', $2, "
            "now() + $3::text::interval, now() + $4::text::interval) "
            "RETURNING id",
            org,
            digest(),
            expires,
            accepted,
        )
        return uuid.UUID(bytes=value.bytes)

    keep_invitation = await invitation("7 days")
    await invitation("-8 days")
    await invitation("7 days", "-9 days")

    job = HousekeepingJob(60, app_db=db_pool, run_history=100, history_days=30, credentials_days=7)
    result = await job.run()

    assert result == {
        "alert_runs": 0,
        "notifications": 0,
        "device_logins": 1,
        "user_tokens": 2,
        "invitations": 2,
    }
    tokens = {uuid.UUID(bytes=row["id"].bytes) for row in await db_pool.fetch("SELECT id FROM user_tokens")}
    assert tokens == keep_tokens
    invitations = await db_pool.fetch("SELECT id FROM org_invitations")
    assert [uuid.UUID(bytes=row["id"].bytes) for row in invitations] == [keep_invitation]
    assert await db_pool.fetchval("SELECT count(*) FROM device_authorizations") == 1
