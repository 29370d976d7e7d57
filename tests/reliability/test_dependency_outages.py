"""Postgres and Redis go away and come back (connections reset, new ones refused: what a restart looks
like to a client) under real ingest and query API servers. The services stay up, say they are not
ready, keep what they acknowledged, and recover by themselves when the dependency returns."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from hearth_ingest.app import create_app as create_ingest
from hearth_query_api.app import create_app as create_query_api
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.fixtures.apps import serving
from tests.fixtures.s3 import S3Bucket
from tests.fixtures.tcp_proxy import tcp_proxy
from tests.ingest.test_api_otlp import PROTOBUF, ingest_settings, traces_request
from tests.query_api.query_helpers import T0, Data, first_project, query_settings, record

RECOVERY_SECONDS = 60.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.25)


async def test_query_api_recovers_from_postgres_and_redis_outages(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str
) -> None:
    project = await first_project(db_pool)
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    await Data(storage, FileCatalog(db_pool)).add(
        "records", project.project_id, [record(project.project_id, T0)]
    )
    await storage.close()
    body = {"sql": "SELECT count(*) AS n FROM records", "min_timestamp": T0.isoformat()}
    headers = {"authorization": project.read_token, "accept": "application/json, application/problem+json"}
    with tcp_proxy(database_url) as pg, tcp_proxy(redis_url) as redis:
        settings = query_settings(pg.route(database_url), redis.route(redis_url), (storage_url, {}))
        async with (
            serving(create_query_api(settings)) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):

            async def answers() -> bool:
                response = await client.post("/v2/query", json=body, headers=headers)
                return response.status_code == 200 and response.json() == {"data": [{"n": 1}]}

            async def ready() -> bool:
                return (await client.get("/ready")).status_code == 200

            assert await answers()
            pg.cut()
            redis.cut()
            down = await client.post("/v2/query", json=body, headers=headers)
            assert down.status_code == 503, down.text  # a clean "try again", not a crash
            assert down.headers["content-type"] == "application/problem+json"
            not_ready = await client.get("/ready")
            assert not_ready.status_code == 503
            assert (await client.get("/health")).status_code == 200  # alive: no restart needed
            pg.restore()
            redis.restore()
            await eventually(ready, "the query API never became ready again")
            await eventually(answers, "queries never succeeded again")


async def test_ingest_keeps_acknowledging_through_postgres_and_redis_outages(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, s3_bucket: S3Bucket
) -> None:
    project = await first_project(db_pool)
    headers = {"authorization": project.write_token, "content-type": PROTOBUF}
    with tcp_proxy(database_url) as pg, tcp_proxy(redis_url) as redis:
        settings = ingest_settings(
            tmp_path, pg.route(database_url), redis.route(redis_url), s3_bucket, processor_workers=1
        )
        async with (
            serving(create_ingest(settings)) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):

            async def catalogued() -> int:
                return int(
                    await db_pool.fetchval(
                        "SELECT coalesce(sum(row_count), 0) FROM catalog_files WHERE project_id = $1",
                        project.project_id,
                    )
                )

            async def ready() -> bool:
                return (await client.get("/ready")).status_code == 200

            first = await client.post(
                "/v1/traces", content=traces_request(3, seed=1).SerializeToString(), headers=headers
            )
            assert first.status_code == 200
            await eventually(lambda: _at_least(catalogued, 3), "the first spans were never catalogued")
            pg.cut()
            redis.cut()
            # The token is known to this process: the request is acknowledged into the WAL.
            during = await client.post(
                "/v1/traces", content=traces_request(4, seed=2).SerializeToString(), headers=headers
            )
            assert during.status_code == 200, during.content
            assert (await client.get("/ready")).status_code == 503
            assert (await client.get("/health")).status_code == 200
            await asyncio.sleep(1.0)  # conversion fails meanwhile and is retried
            assert await catalogued() == 3
            pg.restore()
            redis.restore()
            await eventually(ready, "ingest never became ready again")
            await eventually(
                lambda: _at_least(catalogued, 7), "spans acknowledged during the outage were lost"
            )
            after = await client.post(
                "/v1/traces", content=traces_request(2, seed=3).SerializeToString(), headers=headers
            )
            assert after.status_code == 200
            await eventually(
                lambda: _at_least(catalogued, 9), "spans sent after recovery were not catalogued"
            )
            assert await catalogued() == 9  # and nothing twice


async def _at_least(count: Callable[[], Awaitable[int]], expected: int) -> bool:
    return await count() >= expected
