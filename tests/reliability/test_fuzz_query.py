"""Fuzzing ``POST /v2/query`` of a real query API server over a small real data set: SQL made of
random tokens of the dialect (and of things that must be refused), valid queries mangled, and bodies
of the wrong shape. Every answer is 200 or a clean 4xx with a message; the service keeps answering."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth_query_api.app import create_app
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.fixtures.apps import serving
from tests.query_api.query_helpers import HOUR, T0, Data, first_project, metric, query_settings, record

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
TOKENS = [
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "LIMIT",
    "HAVING",
    "JOIN",
    "ON",
    "UNION",
    "WITH",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS NULL",
    "LIKE",
    "ILIKE",
    "CASE",
    "WHEN",
    "THEN",
    "END",
    "DISTINCT",
    "records",
    "records_all",
    "metrics",
    "pg_catalog.pg_tables",
    "information_schema.tables",
    "read_parquet('/etc/passwd')",
    "'x.parquet'",
    "generate_series(1, 3)",
    "*",
    "count(*)",
    "span_name",
    "message",
    "level",
    "attributes",
    "attributes->>'a'",
    "attributes->'b'",
    "attributes ? 'k'",
    "trace_id",
    "start_timestamp",
    "duration",
    "level_name(level)",
    "time_bucket('1 minute', start_timestamp)",
    "metric_name",
    "scalar_value",
    "now()",
    "'warn'",
    "'error'",
    "1",
    "0",
    "-1",
    "1e308",
    "NULL",
    "TRUE",
    "'",
    '"',
    "(",
    ")",
    ",",
    ";",
    "=",
    "<>",
    ">=",
    "+",
    "/",
    "||",
    "::int",
    "::text",
    "$var",
    "--",
    "/*",
    "é",
    "\x00",
    "DROP TABLE records",
    "INSERT INTO records VALUES (1)",
    "COPY records TO '/tmp/x'",
    "SET x = 1",
    "EXPLAIN",
    "CREATE VIEW v AS",
]
VALID_SQL = [
    "SELECT count(*) FROM records",
    "SELECT level_name(level) AS l, count() FROM records GROUP BY 1",
    "SELECT message FROM records WHERE attributes->>'a' = 'b' ORDER BY start_timestamp LIMIT 5",
    "SELECT metric_name, sum(scalar_value) FROM metrics GROUP BY 1",
    "WITH x AS (SELECT trace_id FROM records) SELECT count(*) FROM x",
]


@dataclass(frozen=True)
class Server:
    url: str
    token: str

    def query(self, body: Any) -> httpx.Response:
        return httpx.post(
            f"{self.url}/v2/query",
            json=body,
            headers={
                "authorization": self.token,
                "accept": "application/json, application/problem+json;q=0.9",
            },
            timeout=60,
        )

    def check(self, response: httpx.Response) -> None:
        assert response.status_code in (200, 400, 422), (response.status_code, response.text[:500])
        if response.status_code != 200:
            assert response.json()["detail"], "a 4xx says why"


@pytest.fixture
async def server(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str
) -> AsyncIterator[Server]:
    project = await first_project(db_pool)
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    data = Data(storage, FileCatalog(db_pool))
    rows = [record(project.project_id, T0 + i * HOUR / 10, attributes='{"a": "b"}') for i in range(10)]
    await data.add("records", project.project_id, rows)
    await data.add("metrics", project.project_id, [metric(project.project_id, T0)])
    settings_ = query_settings(database_url, redis_url, (storage_url, {}), query_timeout=20)
    try:
        async with serving(create_app(settings_)) as url:
            yield Server(url, project.read_token)
            async with httpx.AsyncClient(base_url=url) as client:
                after = await client.post(
                    "/v2/query",
                    json={"sql": "SELECT count(*) AS n FROM records", "min_timestamp": T0.isoformat()},
                    headers={"authorization": project.read_token},
                )
            assert after.json() == {"data": [{"n": 10}]}
    finally:
        await storage.close()


@FUZZ
@given(parts=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_random_token_soup(server: Server, parts: list[str]) -> None:
    server.check(server.query({"sql": " ".join(parts), "min_timestamp": T0.isoformat()}))


@FUZZ
@given(
    sql=st.sampled_from(VALID_SQL),
    cut=st.integers(0, 120),
    insert=st.text(max_size=8),
    at=st.integers(0, 120),
)
def test_mangled_valid_queries(server: Server, sql: str, cut: int, insert: str, at: int) -> None:
    mangled = sql[: max(1, len(sql) - cut)] if cut % 2 else sql[:at] + insert + sql[at:]
    server.check(server.query({"sql": mangled, "min_timestamp": T0.isoformat()}))


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(
            ["sql", "min_timestamp", "max_timestamp", "limit", "timezone", "deployment_environment"]
        ),
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=30)
        | st.lists(st.text(max_size=5), max_size=3),
        max_size=6,
    )
)
def test_bodies_of_the_wrong_shape(server: Server, body: dict[str, Any]) -> None:
    server.check(server.query(body))
