"""The disk budget: least recently read chunks go first, the budget holds, and a restart keeps both the
cached chunks and their order."""

from __future__ import annotations

from pathlib import Path

from tests.cache.conftest import CHUNK, Source, cache_client, chunk_files, object_bytes

KEY = "records/project=p1/day=2026-11-23/big.parquet"
SIZE = 6 * CHUNK
#: Room for three chunks and the object's small metadata file, not for a fourth chunk.
BUDGET = 3 * CHUNK + 4096


def chunk_range(index: int) -> dict[str, str]:
    return {"Range": f"bytes={index * CHUNK}-{index * CHUNK + 99}"}


async def test_least_recently_read_chunk_is_evicted_first(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir, cache_max_bytes=BUDGET) as (client, storage, _):
        await storage.put(KEY, data)
        for index in (0, 1, 2, 0):  # chunk 0 read again: now 1 is the least recently used
            response = await client.get(f"/objects/{KEY}", headers=chunk_range(index))
            assert response.content == data[index * CHUNK : index * CHUNK + 100]
        assert chunk_files(cache_dir, KEY) == {0, 1, 2}
        assert storage.count("get_range") == 3

        await client.get(f"/objects/{KEY}", headers=chunk_range(3))
        # Oldest-inserted would be 0; least recently used is 1.
        assert chunk_files(cache_dir, KEY) == {0, 2, 3}
        stats = (await client.get("/stats")).json()
        assert stats["evictions"] == 1
        assert stats["evicted_bytes"] == CHUNK
        assert stats["used_bytes"] <= BUDGET

        # Chunk 0 is still served from disk, chunk 1 has to be fetched again.
        await client.get(f"/objects/{KEY}", headers=chunk_range(0))
        assert storage.count("get_range") == 4
        await client.get(f"/objects/{KEY}", headers=chunk_range(1))
        assert storage.count("get_range") == 5
        assert chunk_files(cache_dir, KEY) == {0, 1, 3}


async def test_budget_holds_while_streaming_a_whole_object(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    # One chunk at a time, so the fill order (and which chunks stay) is fixed.
    settings = {"cache_max_bytes": BUDGET, "cache_readahead": 1}
    async with cache_client(source, cache_dir, **settings) as (client, storage, _):
        await storage.put(KEY, data)
        response = await client.get(f"/objects/{KEY}")
        assert response.content == data
        assert len(chunk_files(cache_dir, KEY)) == 3
        on_disk = sum(p.stat().st_size for p in (cache_dir / "objects").rglob("*") if p.is_file())
        assert on_disk <= BUDGET
        # The last three chunks read are the ones kept.
        assert chunk_files(cache_dir, KEY) == {3, 4, 5}


async def test_restart_keeps_the_cache(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        await client.get(f"/objects/{KEY}", headers={"Range": "bytes=-8"})
        assert storage.count("get_range") == 1

    async with cache_client(source, cache_dir) as (client, storage, _):
        response = await client.get(f"/objects/{KEY}", headers={"Range": "bytes=-8"})
        assert response.content == data[-8:]
        head = await client.head(f"/objects/{KEY}")
        assert head.headers["content-length"] == str(SIZE)
        assert storage.count("head") == 0
        assert storage.count("get_range") == 0
        stats = (await client.get("/stats")).json()
        assert stats["hits"] == 1
        assert stats["entries"] == 2


async def test_restart_keeps_the_lru_order(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir, cache_max_bytes=BUDGET) as (client, storage, _):
        await storage.put(KEY, data)
        for index in (0, 1, 2, 0):
            await client.get(f"/objects/{KEY}", headers=chunk_range(index))

    async with cache_client(source, cache_dir, cache_max_bytes=BUDGET) as (client, storage, _):
        await client.get(f"/objects/{KEY}", headers=chunk_range(3))
        assert chunk_files(cache_dir, KEY) == {0, 2, 3}


async def test_restart_with_a_smaller_budget_evicts_down_to_it(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir, cache_readahead=1) as (client, storage, _):
        await storage.put(KEY, data)
        assert (await client.get(f"/objects/{KEY}")).content == data
        assert chunk_files(cache_dir, KEY) == set(range(6))

    async with cache_client(source, cache_dir, cache_max_bytes=BUDGET) as (client, storage, _):
        stats = (await client.get("/stats")).json()
        assert stats["used_bytes"] <= BUDGET
        assert chunk_files(cache_dir, KEY) == {3, 4, 5}
        assert stats["entries"] == 4  # the metadata is kept with the chunks that need it
        await client.head(f"/objects/{KEY}")
        assert storage.count("head") == 0


async def test_restart_with_another_chunk_size_discards_old_chunks(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        await client.get(f"/objects/{KEY}", headers=chunk_range(1))

    async with cache_client(source, cache_dir, cache_chunk_bytes=2 * CHUNK) as (client, storage, _):
        assert chunk_files(cache_dir, KEY) == set()
        response = await client.get(f"/objects/{KEY}", headers=chunk_range(1))
        assert response.content == data[CHUNK : CHUNK + 100]
        assert storage.count("get_range") == 1
        assert chunk_files(cache_dir, KEY) == {0}


async def test_damaged_chunk_is_refetched(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        await client.get(f"/objects/{KEY}", headers=chunk_range(2))
    (chunk,) = (cache_dir / "objects").rglob("2.chunk")
    chunk.write_bytes(b"torn")  # as a crash mid-write could leave it

    async with cache_client(source, cache_dir) as (client, storage, _):
        response = await client.get(f"/objects/{KEY}", headers=chunk_range(2))
        assert response.content == data[2 * CHUNK : 2 * CHUNK + 100]
        assert storage.count("get_range") == 1
        assert chunk.stat().st_size == CHUNK
