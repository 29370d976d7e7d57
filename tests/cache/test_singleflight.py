"""Concurrent misses on one chunk share one storage read; different chunks are fetched separately."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.cache.conftest import CHUNK, CountingStorage, Source, cache_client, object_bytes

KEY = "records/project=p1/day=2026-11-23/hot.parquet"
SIZE = 4 * CHUNK
CALLERS = 20


async def settle(storage: CountingStorage) -> None:
    """Let every request run until it waits (on the gated storage read or on another's fetch)."""
    await storage.entered.wait()
    for _ in range(500):  # in-process requests have no I/O left but the gated one: this drains them
        await asyncio.sleep(0)


async def test_concurrent_misses_fetch_once(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        await storage.put(KEY, data)
        storage.gate = asyncio.Event()

        def one(start: int) -> asyncio.Task[httpx.Response]:
            headers = {"Range": f"bytes={start}-{start + 999}"}
            return asyncio.ensure_future(client.get(f"/objects/{KEY}", headers=headers))

        # Every caller wants a different slice of chunk 1.
        tasks = [one(CHUNK + 1000 * i) for i in range(CALLERS)]
        await settle(storage)
        assert storage.count("head") == 1  # the metadata is fetched once
        storage.gate.set()
        responses = await asyncio.gather(*tasks)
        for i, response in enumerate(responses):
            start = CHUNK + 1000 * i
            assert response.status_code == 206
            assert response.content == data[start : start + 1000]
        assert storage.count("head", KEY) == 1
        assert storage.count("get_range", KEY) == 1
        stats = (await client.get("/stats")).json()
        assert stats["meta_fetches"] == 1
        assert stats["bytes_fetched"] == CHUNK


async def test_a_long_range_fetches_each_chunk_once(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    async with cache_client(source, tmp_path / "cache", cache_readahead=2) as (client, storage, _):
        await storage.put(KEY, data)
        responses = await asyncio.gather(*(client.get(f"/objects/{KEY}") for _ in range(5)))
        assert all(response.content == data for response in responses)
        assert storage.count("get_range", KEY) == 4
        assert storage.count("head", KEY) == 1
