"""The query engine reads Parquet through the cache tier when ``query_cache_url`` is set: same answers as
reading storage directly, the cache fills on the first query and serves the next from its disk."""

from __future__ import annotations

from pathlib import Path

import httpx

from hearth_cache.app import create_app as cache_app
from hearth_cache.settings import CacheSettings
from hearth_query_api.engine.processes import ProcessEngine
from hearth_query_api.engine.session import SessionOptions
from hearth_query_api.query import TimeWindow
from hearth_query_api.service import QueryRequest, QueryService
from hearth_query_api.slots import QuerySlots
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.storage import open_storage
from tests.fixtures.apps import serving
from tests.fixtures.s3 import S3Bucket
from tests.query_api.query_helpers import HOUR, T0, Data, first_project, record

QUERIES = {
    "SELECT count(*) AS n FROM records": [{"n": 300}],
    "SELECT message FROM records WHERE message = 'm7'": [{"message": "m7"}],
}


async def answers(service: QueryService, project: object) -> dict[str, list[dict[str, object]]]:
    found = {}
    for sql, _ in QUERIES.items():
        started = await service.start(project, QueryRequest(sql, TimeWindow(T0), 1000))  # type: ignore[arg-type]
        try:
            found[sql] = (await started.running.collect()).to_pylist()
        finally:
            started.close()
    return found


async def test_queries_read_through_the_cache(
    tmp_path: Path, db_pool: DatabasePool, s3_bucket: S3Bucket
) -> None:
    storage_settings = s3_bucket.storage_settings("data")
    storage = open_storage(storage_settings)
    catalog = FileCatalog(db_pool)
    project = (await first_project(db_pool)).project_id
    data = Data(storage, catalog)
    for part in range(3):  # three files
        rows = [
            record(project, T0 + (part * 100 + i) * HOUR / 1000, message=f"m{part * 100 + i}")
            for i in range(100)
        ]
        await data.add("records", project, rows)

    options = SessionOptions(
        target_partitions=2, memory_limit_bytes=256 * 2**20, spill_dir=tmp_path / "spill"
    )
    options.prepare()
    cache_settings = CacheSettings(
        storage_url=storage_settings.storage_url,
        storage_options=storage_settings.storage_options,
        cache_dir=str(tmp_path / "cache"),
    )
    async with serving(cache_app(cache_settings)) as cache_url:
        through_cache = ProcessEngine(options, storage_settings, timeout=60, workers=1, cache_url=cache_url)
        direct = ProcessEngine(options, storage_settings, timeout=60, workers=1)
        try:
            cached = QueryService(catalog, through_cache, QuerySlots(1, retry_after=1))
            plain = QueryService(catalog, direct, QuerySlots(1, retry_after=1))
            assert await answers(cached, project) == QUERIES
            assert await answers(plain, project) == QUERIES
            async with httpx.AsyncClient(base_url=cache_url) as client:
                first = (await client.get("/stats")).json()
                assert first["misses"] > 0  # filled from storage on the first read
                assert await answers(cached, project) == QUERIES
                second = (await client.get("/stats")).json()
            assert second["misses"] == first["misses"]  # nothing new fetched from storage
            assert second["hits"] > first["hits"]
        finally:
            through_cache.close()
            direct.close()
            await storage.close()
