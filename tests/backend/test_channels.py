"""Notification channels through ``/ui-api``: organization admins manage them, members see them with
masked URLs and may send a test message, which reaches a real local HTTP receiver; another
organization's channel is not found."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from hearth_shared.notifications import USER_AGENT
from tests.backend.conftest import DEAD_URL
from tests.backend.workspace_world import ACME, GLOBEX, WorkspaceWorld, problem, ws
from tests.fixtures.apps import serving

__all__ = ["ws"]


@dataclass
class Receiver:
    url: str
    calls: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on 127.0.0.1: records every request; ``/fail`` answers 500."""
    app = FastAPI()
    seen = Receiver("")

    @app.post("/{path:path}")
    async def record(path: str, request: Request) -> Response:
        seen.calls.append((path, dict(request.headers), await request.json()))
        return Response("broken" if path == "fail" else "ok", status_code=500 if path == "fail" else 200)

    async with serving(app) as url:
        seen.url = url
        yield seen


def webhook(url: str, name: str = "ops", **config: Any) -> dict[str, Any]:
    return {"name": name, "kind": "webhook", "config": {"url": url, **config}}


async def test_admins_manage_members_see_masked(ws: WorkspaceWorld) -> None:
    secret_url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    created = await ws["admin"].post(
        f"{ACME}/channels", json={"name": "slack", "kind": "slack", "config": {"url": secret_url}}
    )
    assert created.status_code == 201, created.text
    hook = await ws["admin"].post(
        f"{ACME}/channels",
        json=webhook("http://user:pw@10.0.0.5:8080/x?token=1", headers={"Authorization": "k"}),
    )
    assert hook.status_code == 201
    assert created.json()["config"] == {"url": "https://hooks.slack.com/…", "headers": None}
    listed = await ws["writer"].get(f"{ACME}/channels")
    assert listed.status_code == 200
    assert "SECRET" not in listed.text
    assert "pw" not in listed.text
    by_name = {c["name"]: c for c in listed.json()}
    assert by_name["ops"]["config"] == {"url": "http://10.0.0.5:8080/…", "headers": {"Authorization": "…"}}
    stored = await ws.pool.fetchval(
        "SELECT config FROM notification_channels WHERE id = $1", created.json()["id"]
    )
    assert stored == {"url": secret_url}

    assert (await ws["writer"].post(f"{ACME}/channels", json=webhook("https://x.example"))).status_code == 403
    assert (await ws["guest"].get(f"{ACME}/channels")).status_code == 403
    taken = await ws["admin"].post(f"{ACME}/channels", json=webhook("https://x.example"))
    assert taken.status_code == 409

    channel_id = created.json()["id"]
    saved = await ws["admin"].put(
        f"{ACME}/channels/{channel_id}", json=webhook("https://new.example/a", "renamed")
    )
    assert saved.status_code == 200
    assert saved.json()["kind"] == "webhook"
    assert saved.json()["name"] == "renamed"
    assert (await ws["admin"].delete(f"{ACME}/channels/{channel_id}")).status_code == 204
    assert (await ws["admin"].delete(f"{ACME}/channels/{channel_id}")).status_code == 404
    assert (
        await ws["admin"].put(f"{ACME}/channels/{channel_id}", json=webhook("https://a.b"))
    ).status_code == 404


async def test_validation(ws: WorkspaceWorld) -> None:
    cases = {
        "scheme": webhook("ftp://example.com/x"),
        "no host": webhook("https:///x"),
        "not a url": webhook("hooks.slack.com/services/x"),
        "kind": {"name": "x", "kind": "email", "config": {"url": "https://a.b"}},
        "header name": webhook("https://a.b", headers={"bad header": "x"}),
        "header value": webhook("https://a.b", headers={"X-A": "a\r\nInjected: 1"}),
        "slack headers": {
            "name": "x",
            "kind": "slack",
            "config": {"url": "https://a.b", "headers": {"A": "b"}},
        },
        "no url": {"name": "x", "kind": "webhook", "config": {}},
    }
    for name, body in cases.items():
        response = await ws["admin"].post(f"{ACME}/channels", json=body)
        assert response.status_code == 422, (name, response.text)


async def test_test_message_reaches_the_receiver(ws: WorkspaceWorld, receiver: Receiver) -> None:
    hook = await ws["admin"].post(
        f"{ACME}/channels", json=webhook(f"{receiver.url}/hook", headers={"Authorization": "Bearer s3cret"})
    )
    slack = await ws["admin"].post(
        f"{ACME}/channels",
        json={"name": "slack", "kind": "slack", "config": {"url": f"{receiver.url}/slack"}},
    )
    failing = await ws["admin"].post(f"{ACME}/channels", json=webhook(f"{receiver.url}/fail", "failing"))
    dead = await ws["admin"].post(f"{ACME}/channels", json=webhook(f"{DEAD_URL}/x", "dead"))

    sent = await ws["writer"].post(f"{ACME}/channels/{hook.json()['id']}/test")
    assert sent.status_code == 200, sent.text
    assert sent.json()["ok"] is True
    assert sent.json()["status_code"] == 200
    path, headers, body = receiver.calls[0]
    assert path == "hook"
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["user-agent"] == USER_AGENT
    assert body["type"] == "hearth.test"
    assert "writer@example.com" in body["message"]

    sent_slack = await ws["admin"].post(f"{ACME}/channels/{slack.json()['id']}/test")
    assert sent_slack.json()["ok"] is True
    assert receiver.calls[1][0] == "slack"
    assert set(receiver.calls[1][2]) == {"text"}

    refused = (await ws["admin"].post(f"{ACME}/channels/{failing.json()['id']}/test")).json()
    assert refused["ok"] is False
    assert refused["status_code"] == 500
    assert "broken" in refused["detail"]
    unreachable = (await ws["admin"].post(f"{ACME}/channels/{dead.json()['id']}/test")).json()
    assert unreachable["ok"] is False
    assert unreachable["status_code"] is None
    assert "127.0.0.1:9" in unreachable["detail"]
    assert len(receiver.calls) == 3
    assert (await ws["guest"].post(f"{ACME}/channels/{hook.json()['id']}/test")).status_code == 403


async def test_another_organizations_channel_is_not_found(ws: WorkspaceWorld) -> None:
    theirs = await ws["other"].post(f"{GLOBEX}/channels", json=webhook("https://globex.example/h"))
    their_id = theirs.json()["id"]
    admin = ws["admin"]
    for response in (
        await admin.put(f"{ACME}/channels/{their_id}", json=webhook("https://a.b")),
        await admin.delete(f"{ACME}/channels/{their_id}"),
        await admin.post(f"{ACME}/channels/{their_id}/test"),
        await admin.post(f"{ACME}/channels/{uuid.uuid4()}/test"),
    ):
        assert response.status_code == 404
        assert problem(response)["type"] == "urn:hearth:problem:not-found"
    assert (await admin.get(f"{GLOBEX}/channels")).status_code == 404
    assert [c["name"] for c in (await ws["other"].get(f"{GLOBEX}/channels")).json()] == ["ops"]
