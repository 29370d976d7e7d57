"""``POST /v2/query`` and ``GET /v1/query`` in-process on real Postgres, Redis and storage: auth, request
checks, content negotiation, tenant isolation, limits and the error shapes clients parse."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest

from hearth_query_api.api.deps import QueryApi
from hearth_query_api.app import create_app
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.internal_auth import issue_project_grant
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.fixtures.apps import AppClient
from tests.query_api.query_helpers import (
    HOUR,
    T0,
    Data,
    Project,
    another_project,
    first_project,
    query_settings,
    record,
)

JSON = {"accept": "application/json, application/problem+json;q=0.9"}


@dataclass
class Api:
    client: httpx.AsyncClient
    app_state: QueryApi
    web: Project
    shop: Project

    async def query(self, token: str, accept: str = JSON["accept"], **body: Any) -> httpx.Response:
        body.setdefault("min_timestamp", T0.isoformat())
        return await self.client.post(
            "/v2/query", json=body, headers={"authorization": f"Bearer {token}", "accept": accept}
        )


async def _api(
    app_client: AppClient,
    tmp_path: Path,
    database_url: str,
    db_pool: DatabasePool,
    redis_url: str,
    **overrides: Any,
) -> AsyncIterator[Api]:
    web = await first_project(db_pool)
    shop = await another_project(db_pool, "shop")
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    data = Data(storage, FileCatalog(db_pool))
    await data.add(
        "records",
        web.project_id,
        [
            record(web.project_id, T0, message="web one", deployment_environment="prod", tags=["a"]),
            record(web.project_id, T0 + HOUR, message="web two", deployment_environment="dev"),
        ],
    )
    await data.add("records", shop.project_id, [record(shop.project_id, T0, message="shop only")])
    rows = [record(web.project_id, T0 + 2 * HOUR + i * HOUR / 10000, message=f"m{i}") for i in range(1500)]
    await data.add("records", web.project_id, rows)
    settings = query_settings(database_url, redis_url, (storage_url, {}), **overrides)
    async with app_client(create_app(settings)) as client:
        app = client._transport.app  # type: ignore[attr-defined]  # ASGITransport keeps the app
        yield Api(client, app.state.query, web, shop)
    await storage.close()


@pytest.fixture
async def api(
    app_client: AppClient, tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str
) -> AsyncIterator[Api]:
    async for made in _api(app_client, tmp_path, database_url, db_pool, redis_url):
        yield made


SMALL = "SELECT message FROM records WHERE message NOT LIKE 'm%' ORDER BY start_timestamp"


async def test_each_token_sees_only_its_project(api: Api) -> None:
    web = await api.query(api.web.read_token, sql=SMALL)
    assert web.status_code == 200, web.text
    assert web.json() == {"data": [{"message": "web one"}, {"message": "web two"}]}
    shop = await api.query(api.shop.read_token, sql="SELECT message, project_id FROM records")
    assert shop.json()["data"] == [{"message": "shop only", "project_id": str(api.shop.project_id)}]
    everything = await api.query(api.shop.read_token, sql="SELECT count(*) AS n FROM records_all")
    assert everything.json()["data"] == [{"n": 1}]


async def test_auth_errors(api: Api) -> None:
    missing = await api.client.post("/v2/query", json={"sql": "SELECT 1", "min_timestamp": T0.isoformat()})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/json"  # no problem+json asked for
    assert "read token" in missing.json()["detail"]
    bad = await api.query("pylf_v1_local_unknownToken123")
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"
    write = await api.query(api.web.write_token, sql="SELECT 1")
    assert write.status_code == 403
    assert "needs a read token" in write.json()["detail"]
    raw = await api.client.post(  # the raw token, as the query client sends it
        "/v2/query",
        json={"sql": SMALL, "min_timestamp": T0.isoformat()},
        headers={"authorization": api.web.read_token},
    )
    assert raw.status_code == 200


async def test_internal_grants_read_one_project_and_are_checked(api: Api) -> None:
    """A signed internal grant (backend for a signed-in user, maintenance for an alert) reads exactly
    its project; a forged, expired or other-key grant is 401."""
    key = api.app_state.secret_key
    body = {"sql": SMALL, "min_timestamp": T0.isoformat()}

    async def ask(authorization: str) -> httpx.Response:
        return await api.client.post("/v2/query", json=body, headers={"authorization": authorization, **JSON})

    web = await ask(issue_project_grant(key, api.web.project_id))
    assert web.status_code == 200, web.text
    assert web.json() == {"data": [{"message": "web one"}, {"message": "web two"}]}
    shop = await ask(issue_project_grant(key, api.shop.project_id))
    assert shop.json() == {"data": [{"message": "shop only"}]}

    valid = issue_project_grant(key, api.web.project_id)
    forged = valid.replace(str(api.web.project_id), str(api.shop.project_id))
    for bad in (
        forged,
        issue_project_grant(key, api.web.project_id, ttl=-1),
        issue_project_grant("some-other-key-of-32-characters-or-more", api.web.project_id),
        "HearthInternal nonsense",
    ):
        refused = await ask(bad)
        assert refused.status_code == 401, bad
        assert "internal grant" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"sql": "SELECT 1", "min_timestamp": None}, "min_timestamp"),
        ({"min_timestamp": T0.isoformat()}, "sql"),
        ({"sql": "SELECT 1", "min_timestamp": "2025-03-01T10:00:00"}, "min_timestamp"),  # naive
        ({"sql": "SELECT 1", "min_timestamp": T0.isoformat(), "limit": 10_001}, "limit"),
        ({"sql": "SELECT 1", "min_timestamp": T0.isoformat(), "limit": 0}, "limit"),
        ({"sql": "SELECT 1", "min_timestamp": T0.isoformat(), "timezone": "Mars/Base"}, "timezone"),
        (
            {"sql": "SELECT 1", "min_timestamp": T0.isoformat(), "max_timestamp": (T0 - HOUR).isoformat()},
            "max_timestamp",
        ),
    ],
)
async def test_invalid_requests_are_422(api: Api, body: dict[str, Any], where: str) -> None:
    body = {k: v for k, v in body.items() if v is not None}
    problem = await api.client.post(
        "/v2/query", json=body, headers={"authorization": api.web.read_token, **JSON}
    )
    assert problem.status_code == 422
    assert problem.headers["content-type"] == "application/problem+json"
    assert where in problem.json()["detail"]
    plain = await api.client.post(
        "/v2/query", json=body, headers={"authorization": api.web.read_token, "accept": "application/json"}
    )
    assert plain.status_code == 422
    assert plain.headers["content-type"] == "application/json"
    assert where in plain.text


async def test_failing_sql_is_400_with_datafusions_message(api: Api) -> None:
    failed = await api.query(api.web.read_token, sql="SELECT missing_column FROM records")
    assert failed.status_code == 400
    problem = failed.json()
    assert "missing_column" in problem["detail"]
    assert problem["error_details"] == {"detail": problem["detail"]}
    assert problem["retryable"] is False
    legacy = await api.query(
        api.web.read_token, accept="application/json", sql="SELECT missing_column FROM records"
    )
    assert legacy.status_code == 400
    assert set(legacy.json()) == {"detail"}


async def test_schema_explain_and_default_limit(api: Api) -> None:
    with_schema = await api.query(api.web.read_token, sql=SMALL, include_schema=True)
    assert with_schema.json()["schema"] == {
        "fields": [{"name": "message", "data_type": "Utf8", "nullable": False}]
    }
    default = await api.query(api.web.read_token, sql="SELECT message FROM records")
    assert len(default.json()["data"]) == 100
    big = await api.query(api.web.read_token, sql="SELECT message FROM records", limit=10_000)
    assert len(big.json()["data"]) == 1502
    explained = await api.query(api.web.read_token, sql=SMALL, explain=True)
    body = explained.json()
    assert "TableScan" in body["logical_plan"] or "Union" in body["logical_plan"]
    assert "DataSourceExec" in body["physical_plan"]
    assert "output_rows" in body["physical_plan_with_metrics"]


async def test_environment_filter(api: Api) -> None:
    prod = await api.query(api.web.read_token, sql=SMALL, deployment_environment=["prod"])
    assert prod.json()["data"] == [{"message": "web one"}]
    unset = await api.query(
        api.web.read_token, sql="SELECT count(*) AS n FROM records", deployment_environment=[""]
    )
    assert unset.json()["data"] == [{"n": 1500}]


def _ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in response.content.splitlines() if line.strip()]


async def test_ndjson_stream(api: Api) -> None:
    streamed = await api.query(
        api.web.read_token, accept="application/x-ndjson", sql="SELECT message FROM records", limit=10_000
    )
    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    messages = _ndjson(streamed)
    assert messages[0] == {
        "type": "schema",
        "schema": {"fields": [{"name": "message", "data_type": "Utf8", "nullable": False}]},
    }
    assert messages[-1] == {"type": "end", "row_count": 1502}
    data = messages[1:-1]
    assert all(m["type"] == "data" for m in data)
    assert sum(len(m["rows"]) for m in data) == 1502

    explained = _ndjson(
        await api.query(api.web.read_token, accept="application/x-ndjson", sql=SMALL, explain=True)
    )
    assert [m["type"] for m in explained] == ["schema", "explain", "data", "end"]

    failed = await api.query(
        api.web.read_token, accept="application/x-ndjson", sql="SELECT nope FROM records"
    )
    assert failed.status_code == 400


async def test_formats_by_accept(api: Api) -> None:
    arrow = await api.query(api.web.read_token, accept="application/vnd.apache.arrow.stream", sql=SMALL)
    assert arrow.headers["content-type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(arrow.content).read_all()
    assert table.column("message").to_pylist() == ["web one", "web two"]
    text = await api.query(api.web.read_token, accept="text/csv", sql=SMALL)
    assert text.text == "message\nweb one\nweb two\n"
    anything = await api.query(api.web.read_token, accept="*/*", sql=SMALL)
    assert anything.headers["content-type"] == "application/json"
    nothing = await api.client.post(
        "/v2/query",
        json={"sql": SMALL, "min_timestamp": T0.isoformat()},
        headers={"authorization": api.web.read_token},
    )
    assert nothing.json()["data"][0] == {"message": "web one"}
    refused = await api.query(api.web.read_token, accept="image/png", sql=SMALL)
    assert refused.status_code == 406


async def test_legacy_v1_query(api: Api) -> None:
    headers = {"authorization": api.web.read_token}
    params = {"sql": "SELECT message, tags FROM records WHERE message LIKE 'web%' ORDER BY message"}
    columns = await api.client.get("/v1/query", params=params, headers=headers)
    assert columns.status_code == 200, columns.text
    body = columns.json()
    assert [c["name"] for c in body["columns"]] == ["message", "tags"]
    assert body["columns"][0] == {
        "name": "message",
        "datatype": "Utf8",
        "nullable": False,
        "values": ["web one", "web two"],
    }
    assert body["columns"][1]["values"] == [["a"], None]

    for flag in ("json_rows", "row_oriented"):
        rows = await api.client.get("/v1/query", params={**params, flag: "true"}, headers=headers)
        assert rows.json()["rows"] == [
            {"message": "web one", "tags": ["a"]},
            {"message": "web two", "tags": None},
        ]
        assert rows.json()["columns"][0] == {"name": "message", "datatype": "Utf8", "nullable": False}

    windowed = await api.client.get(
        "/v1/query",
        params={**params, "min_timestamp": (T0 + HOUR).isoformat(), "limit": "1"},
        headers={**headers, "accept": "text/csv"},
    )
    assert windowed.text == "message,tags\nweb two,\n"
    arrow = await api.client.get(
        "/v1/query", params=params, headers={**headers, "accept": "application/vnd.apache.arrow.stream"}
    )
    assert pa.ipc.open_stream(io.BytesIO(arrow.content)).read_all().num_rows == 2
    failed = await api.client.get("/v1/query", params={"sql": "SELECT nope FROM records"}, headers=headers)
    assert failed.status_code == 400
    assert "nope" in failed.json()["detail"]


async def test_busy_slots_answer_429_with_retry_after(
    app_client: AppClient, tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str
) -> None:
    async for api in _api(app_client, tmp_path, database_url, db_pool, redis_url, query_max_concurrent=1):
        held = api.app_state.service.slots.take()  # a query in flight
        try:
            busy = await api.query(api.web.read_token, sql=SMALL)
            assert busy.status_code == 429
            assert busy.headers["retry-after"] == "1"
            assert busy.json()["retryable"] is True
        finally:
            held.release()
        assert (await api.query(api.web.read_token, sql=SMALL)).status_code == 200


@pytest.mark.timeout(120)
async def test_a_slow_query_gets_504_and_the_service_stays_up(
    app_client: AppClient, tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str
) -> None:
    async for api in _api(app_client, tmp_path, database_url, db_pool, redis_url, query_timeout=1):
        slow = await api.query(
            api.web.read_token,
            sql=(
                "SELECT count(*) FROM records a, records b, records c "
                "WHERE a.message || b.message || c.message = 'x'"
            ),
        )
        assert slow.status_code == 504
        assert "stopped" in slow.json()["detail"]
        assert api.app_state.service.slots.in_use == 0
        assert (await api.client.get("/health")).status_code == 200
        assert (await api.query(api.web.read_token, sql=SMALL)).status_code == 200
