"""Reading objects through the cache, on moto S3 and on a local directory: byte-exact ranges, headers
object_store's HTTP client needs, errors, and hits after the first read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cache.conftest import CHUNK, Source, cache_client, chunk_files, object_bytes

KEY = "records/project=p1/day=2026-11-23/0001.parquet"
SIZE = 3 * CHUNK + 12_345


def ranges(size: int) -> list[tuple[str, int, int]]:
    """(Range header, start, end exclusive) covering chunk edges, open and suffix forms, clamping."""
    return [
        ("bytes=0-0", 0, 1),
        ("bytes=0-99", 0, 100),
        (f"bytes={CHUNK - 1}-{CHUNK}", CHUNK - 1, CHUNK + 1),  # across a chunk edge
        (f"bytes={CHUNK}-{2 * CHUNK - 1}", CHUNK, 2 * CHUNK),  # exactly one chunk
        (f"bytes=10-{3 * CHUNK + 5}", 10, 3 * CHUNK + 6),  # four chunks
        (f"bytes={size - 8}-", size - 8, size),  # footer length + magic
        ("bytes=-8", size - 8, size),
        (f"bytes=-{size + 100}", 0, size),
        (f"bytes=100-{size + 1000}", 100, size),  # clamped
    ]


async def test_ranges_are_byte_exact(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        await storage.put(KEY, data)
        for header, start, end in ranges(SIZE):
            response = await client.get(f"/objects/{KEY}", headers={"Range": header})
            assert response.status_code == 206, (header, response.text)
            assert response.content == data[start:end], header
            assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{SIZE}"
            assert response.headers["content-length"] == str(end - start)
            assert response.headers["accept-ranges"] == "bytes"

        full = await client.get(f"/objects/{KEY}")
        assert full.status_code == 200
        assert full.content == data
        assert "content-range" not in full.headers


async def test_head_and_get_describe_the_object(source: Source, tmp_path: Path) -> None:
    data = object_bytes(1000)
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        await storage.put(KEY, data)
        meta = await storage.inner.head(KEY)
        head = await client.head(f"/objects/{KEY}")
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == "1000"
        assert head.headers["last-modified"].endswith(" GMT")
        etag = head.headers["etag"]
        assert etag.startswith('"')
        assert etag.endswith('"')
        if meta.etag:
            assert meta.etag.strip('"') in etag
        ranged = await client.get(f"/objects/{KEY}", headers={"Range": "bytes=1-2"})
        assert ranged.headers["etag"] == etag
        assert ranged.headers["last-modified"] == head.headers["last-modified"]


async def test_second_read_is_served_from_disk(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        first = await client.get(f"/objects/{KEY}", headers={"Range": "bytes=-8"})
        assert first.content == data[-8:]
        assert storage.count("head") == 1
        assert storage.count("get_range") == 1
        # Only the last chunk was fetched: a footer read does not pull the whole object.
        assert chunk_files(cache_dir, KEY) == {3}

        again = await client.get(f"/objects/{KEY}", headers={"Range": f"bytes={SIZE - 100}-{SIZE - 50}"})
        assert again.content == data[SIZE - 100 : SIZE - 49]
        assert storage.count("head") == 1
        assert storage.count("get_range") == 1
        stats = (await client.get("/stats")).json()
        assert stats["hits"] == 1
        assert stats["misses"] == 1
        assert stats["bytes_fetched"] == SIZE - 3 * CHUNK
        assert stats["bytes_served"] == 8 + 51
        assert stats["entries"] == 2  # the chunk and the object's metadata


async def test_empty_object(source: Source, tmp_path: Path) -> None:
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        await storage.put("records/empty.parquet", b"")
        full = await client.get("/objects/records/empty.parquet")
        assert full.status_code == 200
        assert full.content == b""
        assert full.headers["content-length"] == "0"
        ranged = await client.get("/objects/records/empty.parquet", headers={"Range": "bytes=0-"})
        assert ranged.status_code == 416
        assert ranged.headers["content-range"] == "bytes */0"


@pytest.mark.parametrize(
    "header", [f"bytes={SIZE}-", "bytes=5-2", "bytes=0-1,4-5", "bytes=-0", "lines=1-2", "bytes=x-"]
)
async def test_unsatisfiable_ranges_are_416(source: Source, tmp_path: Path, header: str) -> None:
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        await storage.put(KEY, object_bytes(SIZE))
        response = await client.get(f"/objects/{KEY}", headers={"Range": header})
        assert response.status_code == 416
        assert response.headers["content-range"] == f"bytes */{SIZE}"
        assert response.headers["content-type"] == "application/problem+json"
        assert storage.count("get_range") == 0


async def test_missing_object_is_404(source: Source, tmp_path: Path) -> None:
    async with cache_client(source, tmp_path / "cache") as (client, _, _):
        for method in ("GET", "HEAD"):
            response = await client.request(method, "/objects/records/nope.parquet")
            assert response.status_code == 404
        body = (await client.get("/objects/records/nope.parquet")).json()
        assert body["type"] == "urn:hearth:problem:not-found"


async def test_invalid_key_is_400(source: Source, tmp_path: Path) -> None:
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        for path in ("/objects/", "/objects/a//b"):
            response = await client.get(path)
            assert response.status_code == 400, path
        assert storage.count("head") == 0


async def test_object_deleted_upstream_is_404_and_forgotten(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        assert (await client.get(f"/objects/{KEY}", headers={"Range": "bytes=0-9"})).status_code == 206
        await storage.delete(KEY)
        # A chunk not cached yet: storage says the object is gone.
        gone = await client.get(f"/objects/{KEY}", headers={"Range": f"bytes={CHUNK}-{CHUNK + 9}"})
        assert gone.status_code == 404
        # What was cached of it is dropped too, so no stale copy is served afterwards.
        assert chunk_files(cache_dir, KEY) == set()
        assert (await client.get(f"/objects/{KEY}", headers={"Range": "bytes=0-9"})).status_code == 404


async def test_no_cache_header_reads_through_without_storing(source: Source, tmp_path: Path) -> None:
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        for value in ("1", "true"):
            response = await client.get(
                f"/objects/{KEY}", headers={"Range": "bytes=10-20", "X-Hearth-No-Cache": value}
            )
            assert response.status_code == 206
            assert response.content == data[10:21]
        head = await client.head(f"/objects/{KEY}", headers={"X-Hearth-No-Cache": "1"})
        assert head.headers["content-length"] == str(SIZE)
        assert not (cache_dir / "objects").exists() or not any((cache_dir / "objects").iterdir())
        stats = (await client.get("/stats")).json()
        assert stats["entries"] == 0
        assert stats["bypass_reads"] == 2
        # Read through means exactly the bytes asked for, not whole chunks.
        assert stats["bytes_fetched"] == 22

        # A cached reader afterwards fills the cache as usual.
        await client.get(f"/objects/{KEY}", headers={"Range": "bytes=10-20"})
        assert chunk_files(cache_dir, KEY) == {0}


async def test_storage_down_is_503(tmp_path: Path, s3_source: Source) -> None:
    async with cache_client(s3_source, tmp_path / "cache") as (client, storage, _):
        await storage.put(KEY, b"x" * 100)
        await storage.inner.close()  # later calls raise StorageUnavailable
        response = await client.get(f"/objects/{KEY}")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"


async def test_keys_with_encoded_characters(source: Source, tmp_path: Path) -> None:
    key = "records/project=p 1/day=2026-11-23/a+b.parquet"
    async with cache_client(source, tmp_path / "cache") as (client, storage, _):
        await storage.put(key, b"hello world")
        response = await client.get("/objects/records/project%3Dp%201/day=2026-11-23/a%2Bb.parquet")
        assert response.status_code == 200
        assert response.content == b"hello world"


async def test_object_changed_upstream_is_502_and_forgotten(source: Source, tmp_path: Path) -> None:
    """Objects are immutable by contract; if one is rewritten shorter anyway, no stale or short answer."""
    data = object_bytes(SIZE)
    cache_dir = tmp_path / "cache"
    async with cache_client(source, cache_dir) as (client, storage, _):
        await storage.put(KEY, data)
        assert (await client.get(f"/objects/{KEY}", headers={"Range": "bytes=0-9"})).status_code == 206
        await storage.put(KEY, data[: CHUNK + 10])
        changed = await client.get(f"/objects/{KEY}", headers={"Range": "bytes=-10"})
        assert changed.status_code == 502
        assert chunk_files(cache_dir, KEY) == set()
        # The next read starts over from storage's current metadata.
        fresh = await client.get(f"/objects/{KEY}", headers={"Range": "bytes=-10"})
        assert fresh.status_code == 206
        assert fresh.content == data[CHUNK : CHUNK + 10]
