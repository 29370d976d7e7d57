"""Environments and autocomplete through the backend in front of a real query API and a real Redis:
values come from recent records, most frequent first, filtered by prefix from a cached list (a second
call reads Redis, not the query API); request identifiers are checked, attribute keys quoted."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis

from hearth_backend.workspace.suggestions import Suggestions
from hearth_shared.db import DatabasePool
from tests.backend.conftest import make_tenant
from tests.backend.people import join_org, join_project, make_user, sign_in
from tests.backend.relay import backend_with_query_api
from tests.query_api.query_helpers import record

WEB = "/ui-api/orgs/acme/projects/web"


def recent(project_id: uuid.UUID, minutes_ago: float, **values: Any) -> dict[str, Any]:
    return record(project_id, datetime.now(UTC) - timedelta(minutes=minutes_ago), **values)


def rows_of(project_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = []
    for i in range(6):
        rows.append(
            recent(
                project_id,
                i + 1,
                service_name="api",
                deployment_environment="prod",
                attributes=json.dumps({"http.route": f"/items/{i % 2}", "user.id": i, "it's": "quoted"}),
            )
        )
    for i in range(3):
        rows.append(
            recent(
                project_id,
                i + 1,
                service_name="Auth",
                deployment_environment="staging",
                attributes=json.dumps({"http.route": "/login"}),
            )
        )
    rows.append(recent(project_id, 2, service_name="worker", attributes=json.dumps({"job": "sync"})))
    # older than the window: not suggested
    rows.append(recent(project_id, 3 * 24 * 60, service_name="ancient", deployment_environment="qa"))
    return rows


async def test_environments_and_autocomplete(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    other = await make_tenant(db_pool, "globex", "billing")
    guest = await make_user(db_pool, "guest@example.com")
    await join_org(db_pool, acme.organization_id, guest, "guest")
    await join_project(db_pool, acme.project_id, guest, "read")
    data = {
        acme.project_id: rows_of(acme.project_id),
        other.project_id: [recent(other.project_id, 1, service_name="secret", deployment_environment="x")],
    }
    async with (
        backend_with_query_api(tmp_path, database_url, redis_url, db_pool, data) as relay,
        httpx.AsyncClient(base_url=relay.backend, timeout=60) as browser,
    ):
        await sign_in(browser, "guest@example.com")

        async def values(**params: str) -> list[str]:
            response = await browser.get(f"{WEB}/autocomplete", params=params)
            assert response.status_code == 200, (params, response.text)
            got: list[str] = response.json()["values"]
            return got

        environments = await browser.get(f"{WEB}/environments")
        assert environments.status_code == 200, environments.text
        assert environments.json() == ["prod", "staging"]

        assert await values(kind="value", column="service_name", prefix="") == ["api", "Auth", "worker"]
        assert await values(kind="value", column="service_name", prefix="a") == ["api", "Auth"]
        assert await values(kind="value", column="service_name", prefix="AU") == ["Auth"]
        assert await values(kind="value", column="level", prefix="") == ["9"]
        routes = await values(kind="value", column="attributes", key="http.route", prefix="")
        assert routes == ["/items/0", "/items/1", "/login"]  # 3 each: ties by value
        assert await values(kind="value", column="attributes", key="it's", prefix="") == ["quoted"]
        assert await values(kind="value", column="attributes", key="no such key", prefix="") == []
        keys = await values(kind="attribute_key", column="attributes", prefix="")
        assert keys == ["http.route", "it's", "user.id", "job"]
        assert await values(kind="attribute_key", column="attributes", prefix="u") == ["user.id"]
        assert "service_name" in await values(kind="column", prefix="serv")
        assert await values(kind="value", column="service_name", prefix="", limit="1") == ["api"]

        for params in (
            {"kind": "value", "column": "password"},
            {"kind": "value", "column": "service_name; DROP TABLE x"},
            {"kind": "value", "column": "trace_id"},
            {"kind": "value", "column": "attributes"},
            {"kind": "value", "column": "service_name", "key": "x"},
            {"kind": "attribute_key", "column": "service_name"},
            {"kind": "everything", "column": "service_name"},
        ):
            refused = await browser.get(f"{WEB}/autocomplete", params=params)
            assert refused.status_code == 422, (params, refused.text)
        hidden = await browser.get("/ui-api/orgs/globex/projects/billing/environments")
        assert hidden.status_code == 404

        # cached per (project, kind, column, key) for a minute: the next call reads Redis only
        client: aioredis.Redis = aioredis.from_url(redis_url)
        try:
            key = Suggestions.cache_key(acme.project_id, "value", "service_name", None)
            assert 0 < await client.ttl(key) <= 60
            await client.set(key, json.dumps(["from-cache", "fresh"]), keepttl=True)
            assert await values(kind="value", column="service_name", prefix="f") == ["from-cache", "fresh"]
            env_key = Suggestions.cache_key(acme.project_id, "environments")
            assert 0 < await client.ttl(env_key) <= 60
            await client.set(env_key, json.dumps(["cached-env"]), keepttl=True)
            assert (await browser.get(f"{WEB}/environments")).json() == ["cached-env"]
        finally:
            await client.aclose()
