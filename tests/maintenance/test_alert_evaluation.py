"""Alert evaluation end to end: the alert's SQL runs in the real query API (served by uvicorn) over
Parquet catalogued in Postgres; runs, states and queued notifications land in the real tables, and
notifications reach a real HTTP receiver."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from hearth_maintenance.app import create_app
from hearth_maintenance.jobs.alerts.store import AlertStore
from hearth_maintenance.settings import MaintenanceSettings
from tests.fixtures.apps import AppClient
from tests.maintenance.alert_world import PUBLIC_URL, AlertWorld, make_evaluator
from tests.maintenance.helpers import add_alert, add_channel, eventually, make_due
from tests.query_api.query_helpers import another_project, record

BOOM = "SELECT message FROM records WHERE message = 'boom' ORDER BY message"


async def evaluate(world: AlertWorld, alert_id: uuid.UUID) -> dict[str, int]:
    await make_due(world.db, alert_id)
    return dict(await world.evaluator.run())


async def test_any_rows_fires_on_every_run_with_rows_and_notifies_the_webhook(world: AlertWorld) -> None:
    await world.add_rows("boom", "boom", "fine")
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook", headers={"X-Token": "s3cret"})
    alert_id = await add_alert(
        world.db, world.project.project_id, BOOM, "any_rows", channels=(hook,), name="Booms"
    )

    result = await world.evaluator.run()  # a new alert is due at once
    assert result == {"evaluated": 1, "notifications": 1, "lost_claims": 0}
    [run] = await world.runs(alert_id)
    assert (run["state"], run["row_count"], run["fired"], run["error"]) == ("firing", 2, True, None)
    assert run["sample"] == [{"message": "boom"}, {"message": "boom"}]
    alert = await world.alert(alert_id)
    assert (alert["state"], alert["last_has_rows"]) == ("firing", True)
    assert alert["last_run_at"] == run["started_at"]
    assert alert["next_run_at"] > datetime.now(UTC)  # scheduled one interval on, not due again

    assert await world.evaluator.run() == {"evaluated": 0, "notifications": 0, "lost_claims": 0}
    assert await world.notifier.run() == {"delivered": 1, "retrying": 0, "failed": 0}
    [request] = world.receiver.received("/hook")
    assert request.headers["x-token"] == "s3cret"
    assert request.headers["content-type"] == "application/json"
    body = request.body
    assert body["type"] == "hearth.alert"
    assert (body["event"], body["state"], body["previous_state"]) == ("firing", "firing", "ok")
    assert body["alert"]["name"] == "Booms"
    assert body["alert"]["firing_mode"] == "any_rows"
    assert body["project"] == {"id": str(world.project.project_id), "slug": "web", "organization": "acme"}
    assert body["run"]["id"] == run["id"]
    assert body["run"]["row_count"] == 2
    assert body["sample"] == [{"message": "boom"}, {"message": "boom"}]
    assert body["url"] == f"{PUBLIC_URL}/acme/web/alerts/{alert_id}"
    assert body["message"] == "Alert “Booms” is firing: 2 rows in the last 1 hour."

    assert (await evaluate(world, alert_id))["notifications"] == 1  # still rows: notifies again
    assert [r["state"] for r in await world.runs(alert_id)] == ["firing", "firing"]


async def test_starts_or_stops_having_rows_notifies_on_both_edges(world: AlertWorld) -> None:
    await world.add_rows("fine")  # the project has data, just no matching rows
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook")
    alert_id = await add_alert(
        world.db, world.project.project_id, BOOM, "starts_or_stops_having_rows", channels=(hook,)
    )

    assert (await world.evaluator.run())["notifications"] == 0  # ok, nothing started
    boom = await world.add_rows("boom")
    assert (await evaluate(world, alert_id))["notifications"] == 1  # started
    assert (await evaluate(world, alert_id))["notifications"] == 0  # still firing: quiet
    await world.catalog.retire([boom.id])
    assert (await evaluate(world, alert_id))["notifications"] == 1  # stopped

    runs = await world.runs(alert_id)
    assert [(r["state"], r["fired"]) for r in runs] == [
        ("ok", False),
        ("firing", True),
        ("firing", False),
        ("ok", True),
    ]
    assert await world.notifier.run() == {"delivered": 2, "retrying": 0, "failed": 0}
    events = [(r.body["event"], r.body["state"], r.body["previous_state"]) for r in world.receiver.received()]
    assert events == [("firing", "firing", "ok"), ("resolved", "ok", "firing")]


async def test_starts_having_rows_notifies_once_per_start(world: AlertWorld) -> None:
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook")
    await world.add_rows("boom")
    alert_id = await add_alert(
        world.db, world.project.project_id, BOOM, "starts_having_rows", channels=(hook,)
    )
    assert (await world.evaluator.run())["notifications"] == 1
    assert (await evaluate(world, alert_id))["notifications"] == 0
    assert [r["state"] for r in await world.runs(alert_id)] == ["firing", "firing"]


async def test_result_changes_sets_a_silent_baseline_then_notifies_each_change(world: AlertWorld) -> None:
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook")
    await world.add_rows("a", "b")
    sql = "SELECT message, count(*) AS n FROM records GROUP BY message"
    alert_id = await add_alert(world.db, world.project.project_id, sql, "result_changes", channels=(hook,))

    assert (await world.evaluator.run())["notifications"] == 0  # baseline
    assert (await evaluate(world, alert_id))["notifications"] == 0  # same set of rows
    await world.add_rows("c")
    assert (await evaluate(world, alert_id))["notifications"] == 1  # changed
    assert (await evaluate(world, alert_id))["notifications"] == 0

    runs = await world.runs(alert_id)
    assert [r["state"] for r in runs] == ["ok", "ok", "firing", "ok"]
    assert (
        runs[0]["result_hash"] == runs[1]["result_hash"] != runs[2]["result_hash"] == runs[3]["result_hash"]
    )
    await world.notifier.run()
    [request] = world.receiver.received()
    assert request.body["event"] == "changed"
    assert request.body["run"]["row_count"] == 3


async def test_no_rows_in_a_project_without_any_data_is_no_data(world: AlertWorld) -> None:
    silent = await another_project(world.db, "silent")
    await world.add_rows("fine")  # data in the other project only
    quiet_here = await add_alert(world.db, world.project.project_id, BOOM, "any_rows")
    nothing_sent = await add_alert(world.db, silent.project_id, BOOM, "any_rows")

    assert (await world.evaluator.run())["evaluated"] == 2
    assert (await world.alert(quiet_here))["state"] == "ok", await world.runs(quiet_here)
    assert (await world.alert(nothing_sent))["state"] == "no_data", await world.runs(nothing_sent)
    [run] = await world.runs(nothing_sent)
    assert (run["state"], run["row_count"], run["fired"]) == ("no_data", 0, False)

    # Data older than the lookback window does not count.
    old_rows = await another_project(world.db, "stale")
    alert_id = await add_alert(world.db, old_rows.project_id, BOOM, "any_rows", lookback_seconds=600)
    start = datetime.now(UTC) - timedelta(hours=2)
    await world.data.add("records", old_rows.project_id, [record(old_rows.project_id, start, message="boom")])
    await world.evaluator.run()
    assert (await world.alert(alert_id))["state"] == "no_data", await world.runs(alert_id)


async def test_snoozed_alerts_record_runs_but_send_nothing(world: AlertWorld) -> None:
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook")
    await world.add_rows("boom")
    alert_id = await add_alert(
        world.db,
        world.project.project_id,
        BOOM,
        "starts_having_rows",
        channels=(hook,),
        snoozed_until=datetime.now(UTC) + timedelta(hours=1),
    )
    assert (await world.evaluator.run())["notifications"] == 0
    [run] = await world.runs(alert_id)
    assert (run["state"], run["row_count"], run["fired"]) == ("snoozed", 1, False)
    alert = await world.alert(alert_id)
    assert (alert["state"], alert["last_has_rows"]) == ("snoozed", True)  # the baseline follows

    # The snooze ends: the rows started during it, so starts_having_rows stays quiet.
    await world.db.execute(
        "UPDATE alerts SET snoozed_until = now() - interval '1 minute' WHERE id = $1", alert_id
    )
    assert (await evaluate(world, alert_id))["notifications"] == 0
    assert (await world.alert(alert_id))["state"] == "firing"
    assert await world.db.fetchval("SELECT count(*) FROM alert_notifications") == 0


async def test_query_errors_are_recorded_and_notified_once(world: AlertWorld) -> None:
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook")
    await world.add_rows("boom")
    alert_id = await add_alert(
        world.db, world.project.project_id, "SELECT no_such_column FROM records", "any_rows", channels=(hook,)
    )
    assert (await world.evaluator.run())["notifications"] == 1
    assert (await evaluate(world, alert_id))["notifications"] == 0  # still broken: no second message
    runs = await world.runs(alert_id)
    assert [(r["state"], r["fired"], r["row_count"]) for r in runs] == [
        ("error", True, None),
        ("error", False, None),
    ]
    assert runs[0]["error"].startswith("the query API answered 400: ")
    assert "no_such_column" in runs[0]["error"]

    # Fixed: back to the mode's rules.
    await world.db.execute("UPDATE alerts SET sql = $2 WHERE id = $1", alert_id, BOOM)
    assert (await evaluate(world, alert_id))["notifications"] == 1
    assert (await world.alert(alert_id))["state"] == "firing"

    await world.notifier.run()
    bodies = [r.body for r in world.receiver.received()]
    assert [b["event"] for b in bodies] == ["error", "firing"]
    assert bodies[0]["state"] == "error"
    assert bodies[0]["run"]["error"] == runs[0]["error"]
    assert bodies[0]["message"].startswith("Alert ")


async def test_an_unreachable_query_api_is_an_error(world: AlertWorld) -> None:
    alert_id = await add_alert(world.db, world.project.project_id, BOOM, "any_rows")
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as nowhere:
        await make_evaluator(world.db, nowhere).run()
    [run] = await world.runs(alert_id)
    assert run["state"] == "error"
    assert run["error"].startswith("the query API is unreachable")


async def test_two_evaluators_never_evaluate_the_same_run(world: AlertWorld) -> None:
    await world.add_rows("boom")
    alert_ids = [
        await add_alert(world.db, world.project.project_id, BOOM, "any_rows", name=f"a{i}") for i in range(8)
    ]
    first, second = world.evaluator, world.evaluator_for(world.query_api_url, concurrency=1)
    results = await asyncio.gather(first.run(), second.run())
    assert sum(r["evaluated"] for r in results) == 8
    assert all(r["evaluated"] > 0 for r in results)  # both did share the work
    counts = await world.db.fetch("SELECT alert_id, count(*) AS n FROM alert_runs GROUP BY alert_id")
    assert sorted(row["n"] for row in counts) == [1] * 8
    assert {uuid.UUID(bytes=row["alert_id"].bytes) for row in counts} == set(alert_ids)


async def test_a_lost_claim_records_nothing(world: AlertWorld) -> None:
    alert_id = await add_alert(world.db, world.project.project_id, BOOM, "any_rows")
    store = AlertStore(world.db)
    [claimed] = await store.claim(5, lease_seconds=600)
    assert await store.claim(5, lease_seconds=600) == []  # claimed: not due for anyone else
    # The lease ran out and another evaluator claimed the alert again.
    await world.db.execute(
        "UPDATE alerts SET next_run_at = now() + interval '1 hour' WHERE id = $1", alert_id
    )
    assert await world.evaluator.evaluate(claimed) is None
    assert await world.runs(alert_id) == []
    assert (await world.alert(alert_id))["last_run_at"] is None


async def test_the_app_evaluates_alerts_and_delivers_their_notifications(
    world: AlertWorld, app_client: AppClient, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    await world.add_rows("boom")
    hook = await add_channel(world.db, "webhook", f"{world.receiver_url}/hook")
    await add_alert(world.db, world.project.project_id, BOOM, "starts_having_rows", channels=(hook,))
    settings = MaintenanceSettings(
        database_url=database_url,
        redis_url=redis_url,
        storage_url=(tmp_path / "objects").as_uri(),
        query_api_url=world.query_api_url,
        public_base_url=PUBLIC_URL,
        maintenance_jobs="alerts,notifications",
        alerts_interval=0.1,
        notifications_interval=0.1,
    )
    async with app_client(create_app(settings)):

        async def delivered() -> bool:
            return bool(world.receiver.received("/hook"))

        await eventually(delivered, within=60)
    [request] = world.receiver.received("/hook")
    assert request.body["event"] == "firing"
    assert request.body["run"]["row_count"] == 1
