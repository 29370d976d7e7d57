"""The real ``LogfireQueryClient`` and ``AsyncLogfireQueryClient`` (logfire 5.x) against the query API
served by uvicorn, over Parquet in a local directory and in S3 (moto), catalogued in real Postgres."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from logfire.query_client import (
    AsyncLogfireQueryClient,
    LogfireQueryClient,
    QueryExecutionError,
    QueryRequestError,
    UnexpectedResponseError,
)

from hearth_query_api.app import create_app
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.fixtures.apps import serving
from tests.fixtures.s3 import S3Bucket
from tests.query_api.query_helpers import (
    HOUR,
    T0,
    Data,
    Project,
    first_project,
    query_settings,
    record,
)


@dataclass
class Served:
    base_url: str
    project: Project
    data: Data


def _storage(kind: str, tmp_path: Path, bucket: S3Bucket) -> tuple[str, dict[str, str]]:
    if kind == "local":
        return (f"file://{tmp_path / 'objects'}", {})
    return (f"{bucket.storage_url}/data", bucket.storage_options)


@pytest.fixture(params=["local", "s3"])
async def served(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    database_url: str,
    db_pool: DatabasePool,
    redis_url: str,
    s3_bucket: S3Bucket,
) -> AsyncIterator[Served]:
    storage_spec = _storage(request.param, tmp_path, s3_bucket)
    project = await first_project(db_pool)
    storage = open_storage(StorageSettings(storage_url=storage_spec[0], storage_options=storage_spec[1]))
    data = Data(storage, FileCatalog(db_pool))
    rows = [
        record(
            project.project_id, T0, kind="log", message="aha 0", is_exception=False, tags=["tag1", "tag2"]
        ),
        record(project.project_id, T0 + HOUR, level=17, message="boom", tags=None),
        record(project.project_id, T0 + 2 * HOUR, kind="pending_span", message="still running"),
    ]
    await data.add("records", project.project_id, rows)
    settings = query_settings(database_url, redis_url, storage_spec)
    async with serving(create_app(settings)) as base_url:
        yield Served(base_url, project, data)
    await storage.close()


SQL = "SELECT kind, message, is_exception, tags, start_timestamp FROM records ORDER BY start_timestamp"


async def test_sync_client_reads_every_format(served: Served) -> None:
    def run() -> None:
        with LogfireQueryClient(served.project.read_token, base_url=served.base_url) as client:
            result = client.query_json_rows(SQL, min_timestamp=T0)
            assert [c["name"] for c in result["columns"]] == [
                "kind",
                "message",
                "is_exception",
                "tags",
                "start_timestamp",
            ]
            types = {c["name"]: c["datatype"] for c in result["columns"]}
            assert types["kind"] == "Utf8"
            assert types["start_timestamp"] == {"Timestamp": ["Microsecond", "UTC"]}
            assert types["tags"] == {"List": {"name": "item", "datatype": "Utf8", "nullable": True}}
            assert result["rows"] == [
                {
                    "kind": "log",
                    "message": "aha 0",
                    "is_exception": False,
                    "tags": ["tag1", "tag2"],
                    "start_timestamp": "2025-03-01T10:00:00.000000Z",
                },
                {
                    "kind": "span",
                    "message": "boom",
                    "is_exception": None,
                    "tags": None,
                    "start_timestamp": "2025-03-01T11:00:00.000000Z",
                },
            ]

            text = client.query_csv(SQL, min_timestamp=T0)
            lines = text.splitlines()
            assert lines[0] == "kind,message,is_exception,tags,start_timestamp"
            assert lines[1] == 'log,aha 0,false,"[""tag1"",""tag2""]",2025-03-01T10:00:00.000000Z'
            assert list(csv.reader(io.StringIO(text)))[2] == [
                "span",
                "boom",
                "",
                "",
                "2025-03-01T11:00:00.000000Z",
            ]

            table = client.query_arrow(SQL, min_timestamp=T0)
            assert table.num_rows == 2
            assert table.column("tags").to_pylist() == [["tag1", "tag2"], None]
            assert str(table.schema.field("start_timestamp").type) == "timestamp[us, tz=UTC]"

            # records_all has the pending span; the limit applies; max_timestamp is exclusive.
            everything = client.query_json_rows("SELECT message FROM records_all", min_timestamp=T0)
            assert sorted(r["message"] for r in everything["rows"]) == ["aha 0", "boom", "still running"]
            limited = client.query_json_rows("SELECT message FROM records_all", min_timestamp=T0, limit=1)
            assert len(limited["rows"]) == 1
            window = client.query_json_rows(
                "SELECT message FROM records_all", min_timestamp=T0 + HOUR, max_timestamp=T0 + 2 * HOUR
            )
            assert window["rows"] == [{"message": "boom"}]

            with pytest.raises(QueryExecutionError) as failed:
                client.query_json_rows("SELECT no_such_column FROM records", min_timestamp=T0)
            assert "no_such_column" in failed.value.args[0]["detail"]
            assert failed.value.problem_type == "urn:hearth:problem:query-error"
            assert failed.value.retryable is False

            with pytest.raises(QueryRequestError):
                client.query_json_rows("SELECT 1", min_timestamp=T0, limit=10_001)

    await asyncio.to_thread(run)


async def test_async_client_reads_every_format(served: Served) -> None:
    async with AsyncLogfireQueryClient(served.project.read_token, base_url=served.base_url) as client:
        rows = (await client.query_json_rows(SQL, min_timestamp=T0))["rows"]
        assert [r["message"] for r in rows] == ["aha 0", "boom"]
        text = await client.query_csv("SELECT count(*) AS n FROM records", min_timestamp=T0)
        assert text.splitlines() == ["n", "2"]
        table = await client.query_arrow("SELECT message FROM records WHERE level >= 17", min_timestamp=T0)
        assert table.column("message").to_pylist() == ["boom"]


async def test_write_token_and_bad_token_are_refused(served: Served) -> None:
    async with AsyncLogfireQueryClient(served.project.write_token, base_url=served.base_url) as client:
        with pytest.raises(UnexpectedResponseError) as refused:
            await client.query_json_rows("SELECT 1", min_timestamp=T0)
    assert "403" in str(refused.value)
    assert refused.value.problem is not None
    assert "read token" in refused.value.problem["detail"]
    async with AsyncLogfireQueryClient("pylf_v1_local_nosuchtoken", base_url=served.base_url) as client:
        with pytest.raises(UnexpectedResponseError) as unknown:
            await client.query_json_rows("SELECT 1", min_timestamp=T0)
    assert "401" in str(unknown.value)
