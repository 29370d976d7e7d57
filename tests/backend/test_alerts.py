"""Alerts through ``/ui-api``: CRUD with precise validation errors, channels of the same organization
only, saves that make maintenance evaluate soon, run history newest first, tenant isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.backend.workspace_world import ACME, BILLING, GLOBEX, WEB, WorkspaceWorld, problem, ws

__all__ = ["ws"]


def alert(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "name": "errors",
        "description": "any error",
        "sql": "SELECT count() AS n FROM records WHERE level >= 'error' HAVING count() > 0",
        "lookback_seconds": 300,
        "interval_seconds": 60,
        "firing_mode": "starts_or_stops_having_rows",
        "active": True,
        "snoozed_until": None,
        "channel_ids": [],
    }
    value.update(changes)
    return value


async def channel(ws: WorkspaceWorld, client: str = "admin", base: str = ACME, name: str = "ops") -> str:
    created = await ws[client].post(
        f"{base}/channels", json={"name": name, "kind": "webhook", "config": {"url": "https://example.com/h"}}
    )
    assert created.status_code == 201, created.text
    channel_id: str = created.json()["id"]
    return channel_id


async def test_create_read_update_delete(ws: WorkspaceWorld) -> None:
    ops = await channel(ws)
    pager = await channel(ws, name="pager")
    writer = ws["writer"]
    created = await writer.post(f"{WEB}/alerts", json=alert(channel_ids=[ops, ops]))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["channel_ids"] == [ops]
    assert body["state"] == "ok"
    assert body["last_run_at"] is None
    assert body["firing_mode"] == "starts_or_stops_having_rows"
    assert datetime.fromisoformat(body["next_run_at"]) <= datetime.now(UTC)

    assert (await ws["reader"].get(f"{WEB}/alerts/{body['id']}")).json() == body
    assert [a["id"] for a in (await ws["guest"].get(f"{WEB}/alerts")).json()] == [body["id"]]
    refused = await ws["reader"].post(f"{WEB}/alerts", json=alert(name="mine"))
    assert refused.status_code == 403

    taken = await writer.post(f"{WEB}/alerts", json=alert())
    assert taken.status_code == 409

    # maintenance evaluated it and scheduled the next run later; a save makes it due again
    await ws.pool.execute(
        "UPDATE alerts SET next_run_at = now() + interval '1 hour', state = 'firing' WHERE id = $1",
        body["id"],
    )
    snooze = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    saved = await writer.put(
        f"{WEB}/alerts/{body['id']}",
        json=alert(name="errors!", firing_mode="any_rows", channel_ids=[pager], snoozed_until=snooze),
    )
    assert saved.status_code == 200, saved.text
    changed = saved.json()
    assert changed["name"] == "errors!"
    assert changed["channel_ids"] == [pager]
    assert changed["state"] == "firing"  # evaluation state is maintenance's
    assert datetime.fromisoformat(changed["next_run_at"]) <= datetime.now(UTC)
    assert datetime.fromisoformat(changed["snoozed_until"]) == datetime.fromisoformat(snooze)

    assert (await writer.delete(f"{WEB}/alerts/{body['id']}")).status_code == 204
    assert (await writer.get(f"{WEB}/alerts/{body['id']}")).status_code == 404
    assert (await writer.delete(f"{WEB}/alerts/{body['id']}")).status_code == 404
    assert (await writer.put(f"{WEB}/alerts/{body['id']}", json=alert())).status_code == 404


async def test_validation(ws: WorkspaceWorld) -> None:
    cases = {
        "empty sql": (alert(sql="  "), "sql"),
        "no name": (alert(name=""), "name"),
        "zero lookback": (alert(lookback_seconds=0), "lookback_seconds"),
        "huge lookback": (alert(lookback_seconds=400 * 86400), "lookback_seconds"),
        "tiny interval": (alert(interval_seconds=1), "interval_seconds"),
        "mode": (alert(firing_mode="sometimes"), "firing_mode"),
        "naive snooze": (alert(snoozed_until="2030-01-01T00:00:00"), "snoozed_until"),
        "channel id": (alert(channel_ids=["nope"]), "channel_ids"),
    }
    for name, (body, field) in cases.items():
        response = await ws["writer"].post(f"{WEB}/alerts", json=body)
        assert response.status_code == 422, (name, response.text)
        assert field in str(response.json()["errors"]), (name, response.text)


async def test_channels_must_belong_to_the_organization(ws: WorkspaceWorld) -> None:
    foreign = await channel(ws, "other", GLOBEX, "theirs")
    unknown = str(uuid.uuid4())
    for channel_ids in ([foreign], [unknown]):
        response = await ws["writer"].post(f"{WEB}/alerts", json=alert(channel_ids=channel_ids))
        assert response.status_code == 422
        assert problem(response)["type"] == "urn:hearth:problem:unprocessable-entity"
        assert channel_ids[0] in problem(response)["detail"]
    assert await ws.pool.fetchval("SELECT count(*) FROM alerts") == 0


async def test_runs_newest_first(ws: WorkspaceWorld) -> None:
    created = (await ws["writer"].post(f"{WEB}/alerts", json=alert())).json()
    start = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    for i, (state, count, error) in enumerate(
        [("ok", 0, None), ("firing", 3, None), ("error", None, "boom")]
    ):
        await ws.pool.execute(
            """
            INSERT INTO alert_runs (alert_id, started_at, finished_at, state, row_count, fired, error)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            created["id"],
            start + timedelta(minutes=i),
            start + timedelta(minutes=i, seconds=1),
            state,
            count,
            state == "firing",
            error,
        )
    runs = await ws["guest"].get(f"{WEB}/alerts/{created['id']}/runs")
    assert runs.status_code == 200
    got = runs.json()
    assert [(r["state"], r["row_count"], r["error"], r["fired"]) for r in got] == [
        ("error", None, "boom", False),
        ("firing", 3, None, True),
        ("ok", 0, None, False),
    ]
    assert set(got[0]) == {"id", "started_at", "finished_at", "state", "row_count", "fired", "error"}
    assert isinstance(got[0]["id"], str)
    assert datetime.fromisoformat(got[0]["started_at"]) == start + timedelta(minutes=2)
    limited = await ws["guest"].get(f"{WEB}/alerts/{created['id']}/runs", params={"limit": 1})
    assert [r["state"] for r in limited.json()] == ["error"]
    assert (await ws["guest"].get(f"{WEB}/alerts/{uuid.uuid4()}/runs")).status_code == 404


async def test_another_tenants_alerts_are_not_found(ws: WorkspaceWorld) -> None:
    theirs = await ws["other"].post(f"{BILLING}/alerts", json=alert())
    assert theirs.status_code == 201
    their_id = theirs.json()["id"]
    admin = ws["admin"]
    for response in (
        await admin.get(f"{WEB}/alerts/{their_id}"),
        await admin.get(f"{WEB}/alerts/{their_id}/runs"),
        await admin.put(f"{WEB}/alerts/{their_id}", json=alert()),
        await admin.delete(f"{WEB}/alerts/{their_id}"),
    ):
        assert response.status_code == 404
        assert problem(response)["type"] == "urn:hearth:problem:not-found"
    assert (await admin.get(f"{BILLING}/alerts")).status_code == 404
    assert (await ws["other"].get(f"{BILLING}/alerts/{their_id}")).status_code == 200
