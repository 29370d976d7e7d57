"""Project tokens and queries from the web UI, against the backend in front of a real query API:
tokens are shown once and stored hashed; revoking one through ``/ui-api`` makes the query API (another
process's token cache) and the backend refuse it within a polling deadline; ``/ui-api/.../query`` runs
on the session user's project only, in the column- and row-oriented shapes, and relays other formats
and errors unchanged."""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import timedelta
from pathlib import Path

import httpx

from hearth_shared.db import DatabasePool
from tests.backend.conftest import make_tenant
from tests.backend.people import join_org, join_project, make_user, sign_in
from tests.backend.relay import backend_with_query_api
from tests.query_api.query_helpers import T0, record

REVOCATION_DEADLINE = 10.0
QUERY = {
    "sql": "SELECT message, level FROM records ORDER BY message",
    "min_timestamp": "2025-01-01T00:00:00Z",
}


async def test_tokens_are_shown_once_and_revocation_reaches_the_query_api(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com")
    await join_org(db_pool, acme.organization_id, ada, "member")
    records = {acme.project_id: [record(acme.project_id, T0, message="hello")]}
    async with (
        backend_with_query_api(tmp_path, database_url, redis_url, db_pool, records) as relay,
        httpx.AsyncClient(base_url=relay.backend, timeout=60) as browser,
    ):
        await sign_in(browser, "ada@example.com")
        tokens = "/ui-api/orgs/acme/projects/web/tokens"
        created = await browser.post(tokens, json={"kind": "read", "description": "grafana"})
        assert created.status_code == 201, created.text
        read = created.json()
        write = (await browser.post(tokens, json={"kind": "write"})).json()
        listed = (await browser.get(tokens)).json()
        past = await browser.post(tokens, json={"kind": "read", "expires_at": "2020-01-01T00:00:00Z"})

        assert read["token"].startswith("pylf_v1_local_")
        assert read["hint"] == read["token"][: len("pylf_v1_local_") + 4] + "…"
        assert read["created_by"] == str(ada)
        assert past.status_code == 422
        mine = {row["id"]: row for row in listed}
        assert mine[read["id"]]["description"] == "grafana"
        assert all("token" not in row for row in listed)  # never shown again
        stored = await db_pool.fetchval("SELECT token_hash FROM tokens WHERE id = $1", read["id"])
        assert bytes(stored) == hashlib.sha256(read["token"].encode()).digest()

        async with httpx.AsyncClient(base_url=relay.query_api, timeout=60) as query_api:
            auth = {"Authorization": f"Bearer {read['token']}"}
            before = await query_api.post("/v2/query", json=QUERY, headers=auth)
            assert before.status_code == 200, before.text
            revoked = await browser.delete(f"{tokens}/{read['id']}")
            assert revoked.status_code == 204
            deadline = time.monotonic() + REVOCATION_DEADLINE
            while (after := await query_api.post("/v2/query", json=QUERY, headers=auth)).status_code == 200:
                assert time.monotonic() < deadline, "the query API still accepts a revoked token"
                await asyncio.sleep(0.1)
        assert after.status_code == 401

        async with httpx.AsyncClient(base_url=relay.backend, timeout=60) as sdk:
            assert (await sdk.get("/v1/info", headers={"Authorization": write["token"]})).status_code == 200
            await browser.delete(f"{tokens}/{write['id']}")
            assert (await sdk.get("/v1/info", headers={"Authorization": write["token"]})).status_code == 401
            again = await browser.delete(f"{tokens}/{write['id']}")
            assert again.status_code == 204  # revoking twice is fine
        listed_after = {row["id"]: row for row in (await browser.get(tokens)).json()}
        assert listed_after[read["id"]]["revoked_at"] is not None


async def test_who_may_create_and_revoke_tokens(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    other = await make_tenant(db_pool, "globex", "billing")
    reader = await make_user(db_pool, "reader@example.com")
    await join_org(db_pool, acme.organization_id, reader, "guest")
    await join_project(db_pool, acme.project_id, reader, "read")
    async with (
        backend_with_query_api(tmp_path, database_url, redis_url, db_pool) as relay,
        httpx.AsyncClient(base_url=relay.backend, timeout=60) as browser,
    ):
        await sign_in(browser, "reader@example.com")
        tokens = "/ui-api/orgs/acme/projects/web/tokens"
        own = await browser.post(tokens, json={"kind": "read"})
        write = await browser.post(tokens, json={"kind": "write"})
        others = {row["id"] for row in (await browser.get(tokens)).json()} - {own.json()["id"]}
        revoke_own = await browser.delete(f"{tokens}/{own.json()['id']}")
        revoke_other = await browser.delete(f"{tokens}/{next(iter(others))}")
        other_project_token = await db_pool.fetchval(
            "SELECT id FROM tokens WHERE project_id = $1 LIMIT 1", other.project_id
        )
        cross = await browser.delete(f"{tokens}/{other_project_token}")
    assert own.status_code == 201
    assert write.status_code == 403
    assert revoke_own.status_code == 204
    assert revoke_other.status_code == 403
    assert cross.status_code == 404  # another tenant's token id is not found here


async def test_ui_queries_run_on_the_users_project_only(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    globex = await make_tenant(db_pool, "globex", "billing")
    ada = await make_user(db_pool, "ada@example.com")
    await join_org(db_pool, acme.organization_id, ada, "guest")
    await join_project(db_pool, acme.project_id, ada, "read")
    records = {
        acme.project_id: [
            record(acme.project_id, T0, message="a-first"),
            record(acme.project_id, T0 + timedelta(seconds=1), message="a-second", level=17),
        ],
        globex.project_id: [record(globex.project_id, T0, message="globex secret")],
    }
    async with (
        backend_with_query_api(tmp_path, database_url, redis_url, db_pool, records) as relay,
        httpx.AsyncClient(base_url=relay.backend, timeout=60) as browser,
    ):
        await sign_in(browser, "ada@example.com")
        path = "/ui-api/orgs/acme/projects/web/query"
        columns = await browser.post(path, json=QUERY)
        rows = await browser.post(path, json=QUERY, params={"row_oriented": "true"})
        csv = await browser.post(path, json=QUERY, headers={"Accept": "text/csv"})
        bad = await browser.post(path, json={**QUERY, "sql": "SELECT nope FROM records"})
        invalid = await browser.post(path, json={"min_timestamp": "2025-01-01T00:00:00Z"})
        trace = await browser.post(path, json={"sql": "SELECT message FROM records WHERE level = 17"})
        hidden = await browser.post("/ui-api/orgs/globex/projects/billing/query", json=QUERY)
        schema = await browser.get("/ui-api/orgs/acme/projects/web/schema")

    assert columns.status_code == 200, columns.text
    assert [c["name"] for c in columns.json()["columns"]] == ["message", "level"]
    assert columns.json()["columns"][0]["values"] == ["a-first", "a-second"]
    assert columns.json()["columns"][1]["values"] == [9, 17]
    assert rows.json()["rows"] == [{"message": "a-first", "level": 9}, {"message": "a-second", "level": 17}]
    assert [c["name"] for c in rows.json()["columns"]] == ["message", "level"]
    assert "values" not in rows.json()["columns"][0]
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["message,level", "a-first,9", "a-second,17"]
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert invalid.status_code == 422
    assert trace.json()["columns"][0]["values"] == ["a-second"]  # no time range: all time
    assert hidden.status_code == 404
    assert {t["name"] for t in schema.json()["tables"]} >= {"records", "metrics"}
