"""Notification delivery to a real local HTTP receiver: retries with exponential backoff, giving up
after the last attempt or at once when the endpoint refuses, Slack's body shape, and replicas never
sending the same notification twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hearth_maintenance.jobs.alerts.delivery import NotificationsJob, retry_delay
from hearth_shared.db import DatabasePool
from tests.fixtures.apps import serving
from tests.maintenance.alert_world import PUBLIC_URL, AlertWorld, make_notifier
from tests.maintenance.helpers import Receiver, add_alert, add_channel, eventually
from tests.query_api.query_helpers import first_project


@dataclass
class Outbox:
    db: DatabasePool
    run_id: int
    http: httpx.AsyncClient

    async def queue(self, channel: uuid.UUID, payload: dict[str, Any]) -> int:
        notification_id: int = await self.db.fetchval(
            "INSERT INTO alert_notifications (alert_run_id, channel_id, payload) "
            "VALUES ($1, $2, $3) RETURNING id",
            self.run_id,
            channel,
            payload,
        )
        return notification_id

    async def row(self, notification_id: int) -> dict[str, Any]:
        row = await self.db.fetchrow("SELECT * FROM alert_notifications WHERE id = $1", notification_id)
        assert row is not None
        return dict(row)

    def notifier(self, **overrides: Any) -> NotificationsJob:
        return make_notifier(self.db, self.http, **overrides)


@pytest.fixture
async def outbox(db_pool: DatabasePool) -> AsyncIterator[Outbox]:
    project = await first_project(db_pool)
    alert_id = await add_alert(db_pool, project.project_id, "SELECT 1", "any_rows")
    run_id = await db_pool.fetchval(
        "INSERT INTO alert_runs (alert_id, started_at, finished_at, state) "
        "VALUES ($1, now(), now(), 'firing') RETURNING id",
        alert_id,
    )
    async with httpx.AsyncClient() as http:
        yield Outbox(db_pool, run_id, http)


def test_retry_delay_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    assert [retry_delay(n, base=10, cap=60) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    assert retry_delay(1, base=10, cap=60, retry_after=30) == 30
    assert retry_delay(3, base=10, cap=60, retry_after=5) == 40
    assert retry_delay(1, base=10, cap=60, retry_after=3600) == 60


async def test_failed_deliveries_are_retried_with_growing_delays(outbox: Outbox) -> None:
    receiver = Receiver(fail_first=2, fail_status=500)
    async with serving(receiver.app()) as url:
        channel = await add_channel(outbox.db, "webhook", f"{url}/hook")
        notification_id = await outbox.queue(channel, {"n": 1})
        notifier = outbox.notifier(backoff=0.2, backoff_max=10)

        assert await notifier.run() == {"delivered": 0, "retrying": 1, "failed": 0}
        assert await notifier.run() == {"delivered": 0, "retrying": 0, "failed": 0}  # not due yet

        async def delivered() -> bool:
            await notifier.run()
            return (await outbox.row(notification_id))["delivered_at"] is not None

        await eventually(delivered)
    row = await outbox.row(notification_id)
    assert (row["attempts"], row["failed_at"], row["last_error"]) == (3, None, None)
    times = [r.at for r in receiver.received()]
    assert len(times) == 3
    # Each retry waited at least its backoff: 0.2 s, then 0.4 s.
    assert times[1] - times[0] >= 0.2
    assert times[2] - times[1] >= 0.4
    assert all(r.body == {"n": 1} for r in receiver.received())


async def test_delivery_gives_up_after_the_last_attempt(outbox: Outbox) -> None:
    receiver = Receiver(fail_first=100, fail_status=503)
    async with serving(receiver.app()) as url:
        channel = await add_channel(outbox.db, "webhook", f"{url}/hook")
        notification_id = await outbox.queue(channel, {"n": 1})
        notifier = outbox.notifier(max_attempts=3, backoff=0.01, backoff_max=0.05)

        async def failed() -> bool:
            await notifier.run()
            return (await outbox.row(notification_id))["failed_at"] is not None

        await eventually(failed)
        await asyncio.sleep(0.1)
        assert await notifier.run() == {"delivered": 0, "retrying": 0, "failed": 0}  # given up for good
    row = await outbox.row(notification_id)
    assert (row["attempts"], row["delivered_at"]) == (3, None)
    assert row["last_error"] == "HTTP 503: try later"
    assert len(receiver.received()) == 3


@pytest.mark.parametrize(("status", "retried"), [(404, False), (410, False), (400, False), (429, True)])
async def test_only_transient_answers_are_retried(outbox: Outbox, status: int, retried: bool) -> None:
    receiver = Receiver(fail_first=1, fail_status=status, retry_after="0")
    async with serving(receiver.app()) as url:
        channel = await add_channel(outbox.db, "slack", f"{url}/services/T0/B0/x")
        notification_id = await outbox.queue(channel, {"text": "hi"})
        result = await outbox.notifier().run()
    row = await outbox.row(notification_id)
    assert row["attempts"] == 1
    assert row["last_error"].startswith(f"HTTP {status}")
    if retried:
        assert result["retrying"] == 1
        assert row["failed_at"] is None
    else:
        assert result["failed"] == 1
        assert row["failed_at"] is not None


async def test_an_unreachable_endpoint_is_retried(outbox: Outbox) -> None:
    channel = await add_channel(outbox.db, "webhook", "http://127.0.0.1:9/hook")
    notification_id = await outbox.queue(channel, {"n": 1})
    assert await outbox.notifier().run() == {"delivered": 0, "retrying": 1, "failed": 0}
    row = await outbox.row(notification_id)
    assert row["last_error"].startswith("ConnectError")


async def test_a_channel_without_a_url_fails_at_once(outbox: Outbox) -> None:
    channel = await add_channel(outbox.db, "webhook", "ftp://example.com/x")
    notification_id = await outbox.queue(channel, {"n": 1})
    assert await outbox.notifier().run() == {"delivered": 0, "retrying": 0, "failed": 1}
    assert (await outbox.row(notification_id))["last_error"] == "the webhook channel has no http(s) URL"


async def test_two_deliverers_send_each_notification_once(outbox: Outbox) -> None:
    receiver = Receiver()
    async with serving(receiver.app()) as url:
        channel = await add_channel(outbox.db, "webhook", f"{url}/hook")
        for n in range(20):
            await outbox.queue(channel, {"n": n})
        first, second = outbox.notifier(concurrency=3), outbox.notifier(concurrency=3)
        results = await asyncio.gather(first.run(), second.run())
    assert sum(r["delivered"] for r in results) == 20
    assert [r.body["n"] for r in receiver.received()] == list(range(20))  # once each, in queue order
    assert (
        await outbox.db.fetchval("SELECT count(*) FROM alert_notifications WHERE delivered_at IS NULL") == 0
    )


async def test_slack_gets_text_and_blocks(world: AlertWorld) -> None:
    await world.add_rows("boom <b> & co")
    slack = await add_channel(world.db, "slack", f"{world.receiver_url}/services/T000/B000/XXXX")
    alert_id = await add_alert(
        world.db,
        world.project.project_id,
        "SELECT message FROM records",
        "any_rows",
        channels=(slack,),
        name="Errors",
        lookback_seconds=900,
    )
    await world.evaluator.run()
    assert await world.notifier.run() == {"delivered": 1, "retrying": 0, "failed": 0}
    [request] = world.receiver.received("/services/T000/B000/XXXX")
    body = request.body
    assert body["text"] == "Alert “Errors” is firing: 1 row in the last 15 minutes."
    types = [block["type"] for block in body["blocks"]]
    assert types == ["section", "section", "section", "actions"]
    assert "*Alert “Errors” is firing" in body["blocks"][0]["text"]["text"]
    fields = [field["text"] for field in body["blocks"][1]["fields"]]
    assert fields[:3] == ["*Project*\nacme/web", "*State*\nfiring (was ok)", "*Rows*\n1"]
    sample = body["blocks"][2]["text"]["text"]
    assert sample.startswith("```")
    assert "boom &lt;b&gt; &amp; co" in sample
    button = body["blocks"][3]["elements"][0]
    assert button["url"] == f"{PUBLIC_URL}/acme/web/alerts/{alert_id}"
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in body["blocks"])


async def test_a_channel_gets_its_notifications_in_order_while_others_go_ahead(outbox: Outbox) -> None:
    """An older notification waiting for a retry holds back the newer ones of its channel (an alert's
    "firing" must not overtake its "error"), not those of other channels."""
    flaky, steady = Receiver(fail_first=1, fail_status=503, retry_after="0"), Receiver()
    async with serving(flaky.app()) as flaky_url, serving(steady.app()) as steady_url:
        held = await add_channel(outbox.db, "webhook", f"{flaky_url}/hook")
        other = await add_channel(outbox.db, "webhook", f"{steady_url}/hook")
        first, second = await outbox.queue(held, {"n": 1}), await outbox.queue(held, {"n": 2})
        await outbox.queue(other, {"n": 3})
        notifier = outbox.notifier(concurrency=4, backoff=0.2, backoff_max=1)

        assert await notifier.run() == {"delivered": 1, "retrying": 1, "failed": 0}
        assert [r.body for r in steady.received()] == [{"n": 3}]
        assert (await outbox.row(second))["attempts"] == 0  # waits behind the first

        async def both_delivered() -> bool:
            await notifier.run()
            return (await outbox.row(second))["delivered_at"] is not None

        await eventually(both_delivered)
    assert [r.body["n"] for r in flaky.received()] == [1, 1, 2]
    assert (await outbox.row(first))["attempts"] == 2
