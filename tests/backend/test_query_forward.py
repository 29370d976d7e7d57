"""``GET /v1/query`` and ``POST /v2/query`` through the backend to a real query API (uvicorn on
127.0.0.1, Parquet in a local directory, catalogued in real Postgres): the answer must be exactly what
the query API gives directly, for every format and error; other tenants' tokens see only their data;
a query API that is down is a clear 502."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest
from logfire.query_client import AsyncLogfireQueryClient, LogfireQueryClient, QueryExecutionError

from hearth_backend.app import create_app
from hearth_query_api.app import create_app as create_query_api
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.backend.conftest import DEAD_URL, Tenant, backend_settings
from tests.fixtures.apps import AppClient, serving
from tests.query_api.query_helpers import T0, Data, query_settings, record

PROBLEM_OK = "application/json, application/problem+json;q=0.9"
#: Enough rows that the JSON answer is far above the relay's read-whole threshold (64 KiB).
BIG_ROWS = 1500


@dataclass
class Served:
    backend: str
    query_api: str
    tenant: Tenant
    other: Tenant


@pytest.fixture
async def served(
    tmp_path: Path,
    database_url: str,
    db_pool: DatabasePool,
    redis_url: str,
    tenant: Tenant,
    other_tenant: Tenant,
) -> AsyncIterator[Served]:
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    data = Data(storage, FileCatalog(db_pool))
    await data.add(
        "records",
        tenant.project_id,
        [
            record(tenant.project_id, T0, kind="log", message="hello 0"),
            record(tenant.project_id, T0 + timedelta(minutes=1), level=17, message="boom"),
            *(
                record(tenant.project_id, T0 + timedelta(seconds=i), message=f"bulk {i:05d} " + "x" * 40)
                for i in range(BIG_ROWS)
            ),
        ],
    )
    await data.add(
        "records", other_tenant.project_id, [record(other_tenant.project_id, T0, message="globex")]
    )
    query_api = create_query_api(query_settings(database_url, redis_url, (storage_url, {})))
    async with serving(query_api) as query_url:
        backend = create_app(backend_settings(database_url, redis_url, query_api_url=query_url))
        async with serving(backend) as backend_url:
            yield Served(backend_url, query_url, tenant, other_tenant)
    await storage.close()


async def both(
    served: Served, params: dict[str, str], headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    """The same ``GET /v1/query`` to the backend and to the query API directly."""
    async with httpx.AsyncClient(timeout=60, params=params, headers=headers) as client:
        via_backend = await client.get(served.backend + "/v1/query")
        direct = await client.get(served.query_api + "/v1/query")
    return via_backend, direct


def assert_relayed(via_backend: httpx.Response, direct: httpx.Response) -> None:
    assert via_backend.status_code == direct.status_code, via_backend.text
    assert via_backend.headers.get("content-type") == direct.headers.get("content-type")
    assert via_backend.headers.get("retry-after") == direct.headers.get("retry-after")
    assert via_backend.content == direct.content


SQL = "SELECT message, level FROM records WHERE message NOT LIKE 'bulk%' ORDER BY start_timestamp"


@pytest.mark.parametrize(
    ("accept", "params"),
    [
        ("application/json", {}),
        ("application/json", {"json_rows": "true"}),
        ("application/json", {"row_oriented": "true", "limit": "1"}),
        ("text/csv", {}),
        ("application/vnd.apache.arrow.stream", {}),
        (PROBLEM_OK, {"min_timestamp": (T0 + timedelta(seconds=30)).isoformat()}),
    ],
)
async def test_v1_query_is_relayed_unchanged(served: Served, accept: str, params: dict[str, str]) -> None:
    via_backend, direct = await both(
        served,
        params={"sql": SQL, **params},
        headers={"authorization": served.tenant.read_token, "accept": accept},
    )
    assert via_backend.status_code == 200, via_backend.text
    assert_relayed(via_backend, direct)


async def test_v1_query_rows_and_legacy_shapes(served: Served) -> None:
    headers = {"authorization": served.tenant.read_token}
    async with httpx.AsyncClient(base_url=served.backend, headers=headers) as client:
        columns = await client.get("/v1/query", params={"sql": SQL})
        rows = await client.get("/v1/query", params={"sql": SQL, "json_rows": "true"})
        arrow = await client.get(
            "/v1/query", params={"sql": SQL}, headers={"accept": "application/vnd.apache.arrow.stream"}
        )
    assert [c["name"] for c in columns.json()["columns"]] == ["message", "level"]
    assert columns.json()["columns"][0]["values"] == ["hello 0", "boom"]
    assert rows.json()["rows"] == [{"message": "hello 0", "level": 9}, {"message": "boom", "level": 17}]
    table = pa.ipc.open_stream(io.BytesIO(arrow.content)).read_all()
    assert table.column("message").to_pylist() == ["hello 0", "boom"]


async def test_a_large_answer_streams_through_unchanged(served: Served) -> None:
    sql = "SELECT message, start_timestamp FROM records ORDER BY start_timestamp, message"
    via_backend, direct = await both(
        served,
        params={"sql": sql, "limit": "10000", "json_rows": "true"},
        headers={"authorization": served.tenant.read_token},
    )
    assert len(direct.content) > 64 * 1024  # the streamed relay, not the read-whole one
    assert_relayed(via_backend, direct)
    assert len(via_backend.json()["rows"]) == BIG_ROWS + 2


async def test_the_query_string_arrives_as_sent(served: Served) -> None:
    # '+', '%', quotes and non-ASCII: re-encoding anything would change the SQL.
    sql = "SELECT 1 + 1 AS two, 'a%b' AS pct, 'naïve ✓' AS text"
    via_backend, direct = await both(
        served, params={"sql": sql}, headers={"authorization": served.tenant.read_token}
    )
    assert_relayed(via_backend, direct)
    values = {c["name"]: c["values"] for c in via_backend.json()["columns"]}
    assert values == {"two": [2], "pct": ["a%b"], "text": ["naïve ✓"]}


@pytest.mark.parametrize("accept", ["application/json", PROBLEM_OK])
async def test_errors_keep_the_query_apis_shape(served: Served, accept: str) -> None:
    """Problem+json for clients that accept it, 4.x-style ``{"detail": …}`` for the others."""
    cases = [
        ({"sql": "SELEC nonsense"}, served.tenant.read_token),  # 400 query failed
        ({"sql": SQL, "limit": "many"}, served.tenant.read_token),  # 422 invalid request
        ({"sql": SQL}, served.tenant.write_token),  # 403 not a read token
        ({"sql": SQL}, "pylf_v1_local_" + "q" * 48),  # 401 unknown token
    ]
    statuses = []
    for params, token in cases:
        via_backend, direct = await both(
            served, params=params, headers={"authorization": token, "accept": accept}
        )
        assert_relayed(via_backend, direct)
        statuses.append(via_backend.status_code)
    assert statuses == [400, 422, 403, 401]
    no_token, direct = await both(served, params={"sql": SQL}, headers={"accept": accept})
    assert_relayed(no_token, direct)
    assert no_token.status_code == 401


async def test_the_query_client_queries_through_the_backend(served: Served) -> None:
    """``LogfireQueryClient`` 5.x posts ``/v2/query``; pointed at the backend, that is relayed too."""

    def sync_query() -> tuple[object, str]:
        with LogfireQueryClient(served.tenant.read_token, base_url=served.backend) as client:
            rows = client.query_json_rows(SQL, min_timestamp=T0)
            csv = client.query_csv(SQL, min_timestamp=T0)
            return rows, csv

    rows, csv = await asyncio.to_thread(sync_query)
    assert isinstance(rows, dict)
    assert [c["name"] for c in rows["columns"]] == ["message", "level"]
    assert rows["rows"] == [{"message": "hello 0", "level": 9}, {"message": "boom", "level": 17}]
    assert csv.splitlines()[0] == "message,level"

    async with AsyncLogfireQueryClient(served.other.read_token, base_url=served.backend) as client:
        other = await client.query_json_rows("SELECT message FROM records", min_timestamp=T0)
        with pytest.raises(QueryExecutionError):
            await client.query_json_rows("SELEC nonsense", min_timestamp=T0)
    # The other tenant's token sees its one row, none of acme's.
    assert [row["message"] for row in other["rows"]] == ["globex"]


async def test_a_down_query_api_is_a_clear_502(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    app = create_app(backend_settings(database_url, redis_url, query_api_url=DEAD_URL))
    async with app_client(app) as client:
        v1 = await client.get(
            "/v1/query", params={"sql": "SELECT 1"}, headers={"authorization": tenant.read_token}
        )
        v2 = await client.post(
            "/v2/query",
            json={"sql": "SELECT 1", "min_timestamp": T0.isoformat()},
            headers={"authorization": tenant.read_token},
        )
    for response in (v1, v2):
        assert response.status_code == 502
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "urn:hearth:problem:query-api-unavailable"
        assert body["detail"].startswith(f"the query API at {DEAD_URL} is unreachable")
        assert "HEARTH_QUERY_API_URL" in body["detail"]
