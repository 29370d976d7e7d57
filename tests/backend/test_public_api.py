"""The public ``/api/v1`` with organization API keys: every route in a small matrix of key roles
(guest reads, member and admin also write), keys of another organization and non-keys refused,
dashboards and alerts round-tripping, queries through a real query API, and the OpenAPI document and
docs page (only public routes; no CDN)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from hearth_backend.workspace.api_keys import ApiKeyIn, CreatedApiKey, create_key
from hearth_shared.db import DatabasePool
from tests.backend.conftest import make_tenant
from tests.backend.relay import backend_with_query_api
from tests.backend.workspace_world import WorkspaceWorld, problem, ws
from tests.query_api.query_helpers import T0, record

__all__ = ["ws"]

ROLES = ("admin", "member", "guest")
V1 = "/api/v1/projects"


async def new_key(pool: DatabasePool, organization_id: uuid.UUID, role: str) -> str:
    created: CreatedApiKey = await create_key(
        pool,
        organization_id,
        ApiKeyIn.model_validate({"name": f"k-{secrets.token_hex(3)}", "role": role}),
        created_by=None,
    )
    return created.key


Prepare = Callable[[WorkspaceWorld], Awaitable[tuple[str, Any]]]


@dataclass(frozen=True)
class Entry:
    method: str
    route: str
    writes: bool
    prepare: Prepare
    ok: tuple[int, ...] = (200,)


ALERT = {"name": "n", "sql": "SELECT 1", "lookback_seconds": 60, "interval_seconds": 60}
DASHBOARD = {"title": "Imported", "definition": {"panels": [], "variables": []}}


def fixed(path: str, body: Any = None) -> Prepare:
    async def prepare(world: WorkspaceWorld) -> tuple[str, Any]:
        return path, body

    return prepare


def on_alert(suffix: str, body: Any = None) -> Prepare:
    async def prepare(world: WorkspaceWorld) -> tuple[str, Any]:
        alert_id = await world.pool.fetchval(
            """
            INSERT INTO alerts (project_id, name, sql, lookback_seconds, interval_seconds, firing_mode)
            VALUES ($1, $2, 'SELECT 1', 60, 60, 'any_rows') RETURNING id
            """,
            world.acme.project_id,
            f"a-{secrets.token_hex(4)}",
        )
        fresh = None if body is None else {**body, "name": f"b-{secrets.token_hex(4)}"}
        return f"{V1}/web/alerts/{alert_id}{suffix}", fresh

    return prepare


def new_alert(world: WorkspaceWorld) -> Awaitable[tuple[str, Any]]:
    return fixed(f"{V1}/web/alerts", {**ALERT, "name": f"a-{secrets.token_hex(4)}"})(world)


MATRIX = [
    Entry("GET", "/api/v1/projects", False, fixed(V1)),
    Entry("GET", "/api/v1/projects/{project}", False, fixed(f"{V1}/web")),
    # the query API is not running in-process: 502 means the key was let through
    Entry(
        "POST",
        "/api/v1/projects/{project}/query",
        False,
        fixed(f"{V1}/web/query", {"sql": "SELECT 1"}),
        (502,),
    ),
    Entry("GET", "/api/v1/projects/{project}/dashboards", False, fixed(f"{V1}/web/dashboards")),
    Entry(
        "GET", "/api/v1/projects/{project}/dashboards/{slug}", False, fixed(f"{V1}/web/dashboards/overview")
    ),
    Entry(
        "GET",
        "/api/v1/projects/{project}/dashboards/{slug}/export",
        False,
        fixed(f"{V1}/web/dashboards/overview/export"),
    ),
    Entry(
        "POST",
        "/api/v1/projects/{project}/dashboards/import",
        True,
        fixed(f"{V1}/web/dashboards/import", DASHBOARD),
        (201,),
    ),
    Entry("GET", "/api/v1/projects/{project}/alerts", False, fixed(f"{V1}/web/alerts")),
    Entry("POST", "/api/v1/projects/{project}/alerts", True, new_alert, (201,)),
    Entry("GET", "/api/v1/projects/{project}/alerts/{alert_id}", False, on_alert("")),
    Entry("PUT", "/api/v1/projects/{project}/alerts/{alert_id}", True, on_alert("", ALERT)),
    Entry("DELETE", "/api/v1/projects/{project}/alerts/{alert_id}", True, on_alert(""), (204,)),
    Entry("GET", "/api/v1/projects/{project}/alerts/{alert_id}/runs", False, on_alert("/runs")),
]


def test_every_public_route_is_in_the_matrix(ws: WorkspaceWorld) -> None:
    routes = {
        (method, route.path)
        for route in iter_route_contexts(ws.app.routes)
        if route.path is not None and route.path.startswith("/api/v1")
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    assert routes == {(entry.method, entry.route) for entry in MATRIX}


@pytest.mark.parametrize("entry", MATRIX, ids=[f"{e.method} {e.route}" for e in MATRIX])
async def test_key_role_matrix(ws: WorkspaceWorld, entry: Entry) -> None:
    await ws.pool.execute(
        "INSERT INTO dashboards (project_id, slug, title) VALUES ($1, 'overview', 'O') "
        "ON CONFLICT DO NOTHING",
        ws.acme.project_id,
    )
    client = ws["admin"]
    outcomes = {}
    for role in ROLES:
        key = await new_key(ws.pool, ws.acme.organization_id, role)
        path, body = await entry.prepare(ws)
        response = await client.request(
            entry.method, path, json=body, headers={"Authorization": f"Bearer {key}"}
        )
        if entry.writes and role == "guest":
            ok = (
                response.status_code == 403
                and problem(response)["type"] == "urn:hearth:problem:role-required"
            )
        else:
            ok = response.status_code in entry.ok
        outcomes[role] = (ok, response.status_code, response.text[:200])
    # without a key, with a bad one, with a key of another organization
    foreign = await new_key(ws.pool, ws.globex.organization_id, "admin")
    path, body = await entry.prepare(ws)
    for name, headers, status in (
        ("no key", {}, 401),
        ("project token", {"Authorization": f"Bearer {ws.acme.read_token}"}, 401),
        ("unknown key", {"Authorization": "Bearer hearth_oak_" + "x" * 48}, 401),
        ("foreign key", {"Authorization": f"Bearer {foreign}"}, 404 if "{project}" in entry.route else 200),
    ):
        response = await client.request(entry.method, path, json=body, headers=headers)
        outcomes[name] = (response.status_code == status, response.status_code, response.text[:200])
    failures = {who: outcome for who, outcome in outcomes.items() if not outcome[0]}
    assert not failures, failures


async def test_dashboards_and_alerts_round_trip(ws: WorkspaceWorld) -> None:
    key = await new_key(ws.pool, ws.acme.organization_id, "member")
    api = ws["admin"]
    auth = {"Authorization": f"Bearer {key}"}
    listed = await api.get(f"{V1}/web/dashboards", headers=auth)
    assert {d["standard"] for d in listed.json()} == {
        "overview",
        "exceptions",
        "web-server-metrics",
        "system-metrics",
    }
    exported = (await api.get(f"{V1}/web/dashboards/overview/export", headers=auth)).json()
    imported = await api.post(f"{V1}/web/dashboards/import", json=exported, headers=auth)
    assert imported.status_code == 201
    assert imported.json()["slug"] == "overview-2"
    assert imported.json()["definition"] == exported["definition"]
    assert imported.json()["created_by"] is None

    created = await api.post(f"{V1}/web/alerts", json={**ALERT, "name": "from ci"}, headers=auth)
    assert created.status_code == 201, created.text
    seen_in_ui = await ws["reader"].get(f"/ui-api/orgs/acme/projects/web/alerts/{created.json()['id']}")
    assert seen_in_ui.json()["name"] == "from ci"
    bad = await api.post(f"{V1}/web/alerts", json={**ALERT, "lookback_seconds": 0}, headers=auth)
    assert bad.status_code == 422
    foreign_channel = await ws.pool.fetchval(
        """
        INSERT INTO notification_channels (organization_id, name, kind, config)
        VALUES ($1, 'x', 'webhook', '{"url": "https://a.b"}') RETURNING id
        """,
        ws.globex.organization_id,
    )
    refused = await api.post(
        f"{V1}/web/alerts", json={**ALERT, "name": "x", "channel_ids": [str(foreign_channel)]}, headers=auth
    )
    assert refused.status_code == 422


async def test_openapi_and_docs_page(ws: WorkspaceWorld) -> None:
    anonymous = ws["admin"]
    document = await anonymous.get("/api/openapi.json")
    assert document.status_code == 200
    schema = document.json()
    assert set(schema["paths"]) == {entry.route for entry in MATRIX}
    assert schema["components"]["securitySchemes"]["OrganizationApiKey"]["scheme"] == "bearer"
    page = await anonymous.get("/api/docs", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/api/v1/projects/{project}/alerts/{alert_id}/runs" in page.text
    assert "<script" not in page.text
    assert "http://" not in page.text
    assert "https://" not in page.text


async def test_queries_run_through_the_query_api(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    globex = await make_tenant(db_pool, "globex", "billing")
    key = await new_key(db_pool, acme.organization_id, "guest")
    data = {
        acme.project_id: [record(acme.project_id, T0, message="acme row")],
        globex.project_id: [record(globex.project_id, T0, message="globex secret")],
    }
    body = {"sql": "SELECT message FROM records", "min_timestamp": "2025-01-01T00:00:00Z"}
    async with (
        backend_with_query_api(tmp_path, database_url, redis_url, db_pool, data) as relay,
        httpx.AsyncClient(
            base_url=relay.backend, timeout=60, headers={"Authorization": f"Bearer {key}"}
        ) as api,
    ):
        answer = await api.post(f"{V1}/web/query", json=body)
        csv = await api.post(f"{V1}/web/query", json=body, headers={"Accept": "text/csv"})
        failed = await api.post(f"{V1}/web/query", json={**body, "sql": "SELECT nope FROM records"})
        hidden = await api.post(f"{V1}/billing/query", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == [{"message": "acme row"}]
    assert csv.text.splitlines() == ["message", "acme row"]
    assert failed.status_code == 400
    assert hidden.status_code == 404
