"""One contract for every object-storage backend: local directory, S3 (moto's real server), memory.

Every test in the first part runs against each backend through ``open_storage`` and settings, the
same way services build their storage; nothing is mocked.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from hearth_shared.settings import StorageSettings
from hearth_shared.storage import (
    InvalidObjectKey,
    InvalidRange,
    InvalidStorageConfig,
    ObjectMeta,
    ObjectNotFound,
    ObjectStorage,
    StorageError,
    StorageUnavailable,
    check_storage,
    open_storage,
)
from tests.fixtures.s3 import S3Bucket

RECORD_KEY = "records/project=x/day=2026-01-01/abc.parquet"


@dataclass(frozen=True)
class Backend:
    """How to build settings for one backend, optionally rooted at a prefix inside it."""

    name: str
    base_url: str
    options: dict[str, str] = field(default_factory=dict)
    # memory:// stores are private to each open_storage call, so there is no shared root to prefix.

    def settings(self, prefix: str = "") -> StorageSettings:
        url = f"{self.base_url}/{prefix}" if prefix else self.base_url
        return StorageSettings(storage_url=url, storage_options=self.options)


def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return Backend("local", (tmp_path / "objects").as_uri())
    if request.param == "s3":
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        return Backend("s3", bucket.storage_url, bucket.storage_options)
    return Backend("memory", "memory://")


@pytest.fixture(params=["local", "s3", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return make_backend(request, tmp_path)


@pytest.fixture(params=["local", "s3"])
def shared_root_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Backends where storages with different prefixes share one root (memory:// ones are private)."""
    return make_backend(request, tmp_path)


@pytest.fixture
async def storage(backend: Backend) -> AsyncIterator[ObjectStorage]:
    opened = open_storage(backend.settings())
    yield opened
    await opened.close()


async def listed(storage: ObjectStorage, prefix: str = "") -> dict[str, ObjectMeta]:
    return {meta.key: meta async for meta in storage.list(prefix)}


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ------------------------------------------------------------------ contract, every backend


async def test_put_get_roundtrip(storage: ObjectStorage) -> None:
    await storage.put("a/one.bin", b"hello, hearth")
    assert await storage.get("a/one.bin") == b"hello, hearth"


async def test_empty_object(storage: ObjectStorage) -> None:
    await storage.put("a/empty.bin", b"")
    assert await storage.get("a/empty.bin") == b""
    assert (await storage.head("a/empty.bin")).size == 0


async def test_get_range(storage: ObjectStorage) -> None:
    data = bytes(range(256)) * 4
    await storage.put("a/range.bin", data)
    for start, end in [(0, 1), (0, 16), (3, 7), (100, 900), (len(data) - 8, len(data)), (1000, 1024)]:
        assert await storage.get_range("a/range.bin", start, end) == data[start:end]
    # An end past the object is clamped, like a slice: "from here to the end" needs no size lookup.
    assert await storage.get_range("a/range.bin", 1020, 10_000) == data[1020:]
    assert await storage.get_range("a/range.bin", 5, 5) == b""


async def test_get_range_rejects_bad_ranges(storage: ObjectStorage) -> None:
    await storage.put("a/range.bin", b"0123456789")
    with pytest.raises(InvalidRange, match=r"\[7, 3\)"):
        await storage.get_range("a/range.bin", 7, 3)
    with pytest.raises(InvalidRange):
        await storage.get_range("a/range.bin", -1, 3)
    with pytest.raises(InvalidRange, match=r"starts at or after the end .* \(10 bytes\)"):
        await storage.get_range("a/range.bin", 10, 20)
    with pytest.raises(InvalidRange):
        await storage.get_range("a/range.bin", 50, 60)


async def test_head(storage: ObjectStorage) -> None:
    # S3 reports last-modified to the second, so allow a second either side.
    before = datetime.now(UTC) - timedelta(seconds=1)
    await storage.put(RECORD_KEY, b"x" * 1234)
    after = datetime.now(UTC) + timedelta(seconds=1)
    meta = await storage.head(RECORD_KEY)
    assert meta.key == RECORD_KEY
    assert meta.size == 1234
    assert meta.last_modified.tzinfo is not None
    assert before <= meta.last_modified <= after
    assert meta.etag is None or isinstance(meta.etag, str)


async def test_missing_object_raises_object_not_found(storage: ObjectStorage) -> None:
    for read in (
        storage.get("nope/missing.bin"),
        storage.head("nope/missing.bin"),
        storage.get_range("nope/missing.bin", 0, 10),
        storage.get_range("nope/missing.bin", 3, 3),
    ):
        with pytest.raises(ObjectNotFound, match=r"nope/missing\.bin") as caught:
            await read
        assert caught.value.key == "nope/missing.bin"
        assert isinstance(caught.value, StorageError)


async def test_list_with_prefix(storage: ObjectStorage) -> None:
    keys = {
        "records/project=a/day=2026-01-01/f1.parquet": b"1",
        "records/project=a/day=2026-01-02/f2.parquet": b"22",
        "records/project=ab/day=2026-01-01/f3.parquet": b"333",
        "spans/project=a/day=2026-01-01/f4.parquet": b"4444",
    }
    for key, data in keys.items():
        await storage.put(key, data)

    project_a = await listed(storage, "records/project=a")
    assert set(project_a) == {
        "records/project=a/day=2026-01-01/f1.parquet",
        "records/project=a/day=2026-01-02/f2.parquet",
    }
    assert {key: meta.size for key, meta in project_a.items()} == {key: len(keys[key]) for key in project_a}
    # A trailing slash means the same; prefixes match whole segments, so project=ab never leaks in.
    assert set(await listed(storage, "records/project=a/")) == set(project_a)
    assert set(await listed(storage, "records")) == {key for key in keys if key.startswith("records/")}
    assert set(await listed(storage, "records/project=a/day=2026-01-02")) == {
        "records/project=a/day=2026-01-02/f2.parquet"
    }
    assert set(await listed(storage)) == set(keys)
    assert await listed(storage, "nothing/here") == {}


async def test_delete(storage: ObjectStorage) -> None:
    await storage.put("a/gone.bin", b"bye")
    await storage.delete("a/gone.bin")
    with pytest.raises(ObjectNotFound):
        await storage.get("a/gone.bin")
    assert await listed(storage, "a") == {}


async def test_delete_missing_key_is_fine(storage: ObjectStorage) -> None:
    await storage.delete("never/existed.bin")
    await storage.put("a/twice.bin", b"x")
    await storage.delete("a/twice.bin")
    await storage.delete("a/twice.bin")


async def test_overwrite(storage: ObjectStorage) -> None:
    await storage.put("a/over.bin", b"first version, longer")
    await storage.put("a/over.bin", b"second")
    assert await storage.get("a/over.bin") == b"second"
    assert (await storage.head("a/over.bin")).size == 6
    assert list(await listed(storage, "a")) == ["a/over.bin"]


async def test_ten_megabyte_object(storage: ObjectStorage) -> None:
    # Above obstore's 5 MB chunk size, so S3 takes the multipart upload path.
    data = os.urandom(10 * 1024 * 1024 + 123)
    await storage.put("big/object.bin", data)
    assert (await storage.head("big/object.bin")).size == len(data)
    assert await storage.get("big/object.bin") == data
    part = 5 * 1024 * 1024
    assert await storage.get_range("big/object.bin", part - 10, part + 10) == data[part - 10 : part + 10]
    assert await storage.get_range("big/object.bin", len(data) - 100, len(data)) == data[-100:]


async def test_partitioned_keys_are_kept_verbatim(storage: ObjectStorage) -> None:
    keys = [
        RECORD_KEY,
        "records/project=0f3c9a/day=2026-12-31/01HZX3K9-part-0.parquet",
        "metrics/project=x/day=2026-01-01/a b+c@d.parquet",
    ]
    for index, key in enumerate(keys):
        await storage.put(key, f"payload {index}".encode())
    assert set(await listed(storage)) == set(keys)
    for index, key in enumerate(keys):
        assert await storage.get(key) == f"payload {index}".encode()
        assert (await storage.head(key)).key == key


@pytest.mark.parametrize(
    "key",
    ["", "/records/a.parquet", "../escape", "records/../../escape", "a/./b", "a//b", "a/b/", "a\\b", "a\nb"],
)
async def test_invalid_keys_rejected(storage: ObjectStorage, key: str) -> None:
    operations = (
        storage.put(key, b"x"),
        storage.get(key),
        storage.get_range(key, 0, 1),
        storage.head(key),
        storage.delete(key),
    )
    for operation in operations:
        with pytest.raises(InvalidObjectKey) as caught:
            await operation
        assert isinstance(caught.value, ValueError)
    assert await listed(storage) == {}


@pytest.mark.parametrize("prefix", ["/", "/records", "../records", "records/../x", "a//b"])
async def test_invalid_list_prefix_rejected(storage: ObjectStorage, prefix: str) -> None:
    with pytest.raises(InvalidObjectKey):
        await listed(storage, prefix)


async def test_storage_prefixes_isolate(shared_root_backend: Backend) -> None:
    backend = shared_root_backend
    tenant_a = open_storage(backend.settings("tenant-a"))
    tenant_b = open_storage(backend.settings("tenant-b/nested"))
    root = open_storage(backend.settings())
    try:
        await tenant_a.put(RECORD_KEY, b"from a")
        await tenant_b.put(RECORD_KEY, b"from b")
        assert await tenant_a.get(RECORD_KEY) == b"from a"
        assert await tenant_b.get(RECORD_KEY) == b"from b"
        assert set(await listed(tenant_a)) == {RECORD_KEY}
        assert set(await listed(tenant_b)) == {RECORD_KEY}
        # Both really share one bucket/directory: the root sees each under its prefix.
        assert set(await listed(root)) == {f"tenant-a/{RECORD_KEY}", f"tenant-b/nested/{RECORD_KEY}"}
        await tenant_a.delete(RECORD_KEY)
        assert await tenant_b.get(RECORD_KEY) == b"from b"
        with pytest.raises(ObjectNotFound):
            await tenant_a.get(RECORD_KEY)
    finally:
        for opened in (tenant_a, tenant_b, root):
            await opened.close()


async def test_check_storage_passes(storage: ObjectStorage) -> None:
    await check_storage(storage)


async def test_closed_storage_is_unavailable(backend: Backend) -> None:
    opened = open_storage(backend.settings())
    await opened.put("a/x.bin", b"x")
    await opened.close()
    await opened.close()
    with pytest.raises(StorageUnavailable, match="closed"):
        await opened.get("a/x.bin")
    with pytest.raises(StorageUnavailable):
        await check_storage(opened)


# ------------------------------------------------------------------ backend specifics


async def test_s3_objects_sit_under_the_url_prefix(s3_bucket: S3Bucket) -> None:
    # DataFusion and other tools read the bucket directly, so keys must be stored verbatim (no escaping).
    storage = open_storage(s3_bucket.storage_settings("hearth/objects"))
    await storage.put(RECORD_KEY, b"parquet bytes")
    await storage.close()
    listing = s3_bucket.client().list_objects_v2(Bucket=s3_bucket.bucket)
    assert [item["Key"] for item in listing["Contents"]] == [f"hearth/objects/{RECORD_KEY}"]


async def test_check_storage_missing_bucket(s3_bucket: S3Bucket) -> None:
    settings = StorageSettings(
        storage_url="s3://hearth-no-such-bucket", storage_options=s3_bucket.storage_options
    )
    storage = open_storage(settings)
    with pytest.raises(StorageUnavailable) as caught:
        await check_storage(storage)
    message = str(caught.value)
    assert message.startswith("object storage s3://hearth-no-such-bucket is unreachable: ")
    assert "NoSuchBucket" in message
    assert "\n" not in message


async def test_check_storage_nothing_listening() -> None:
    settings = StorageSettings(
        storage_url="s3://hearth-bucket/prefix",
        storage_options={
            "endpoint": f"http://127.0.0.1:{unused_port()}",
            "region": "us-east-1",
            "access_key_id": "k",
            "secret_access_key": "s",
            "allow_http": "true",
            "connect_timeout": "500ms",
            "max_retries": "0",
        },
    )
    storage = open_storage(settings)
    started = time.monotonic()
    with pytest.raises(
        StorageUnavailable, match=r"^object storage s3://hearth-bucket/prefix is unreachable: "
    ) as caught:
        await check_storage(storage)
    assert time.monotonic() - started < 5
    assert "Connection refused" in str(caught.value)


async def test_check_storage_bounds_retries_with_its_limit() -> None:
    # Default obstore retries would keep trying for minutes; the limit turns that into one sentence.
    settings = StorageSettings(
        storage_url="s3://hearth-bucket",
        storage_options={
            "endpoint": f"http://127.0.0.1:{unused_port()}",
            "region": "us-east-1",
            "access_key_id": "k",
            "secret_access_key": "s",
            "allow_http": "true",
        },
    )
    storage = open_storage(settings)
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=r"s3://hearth-bucket is unreachable: no answer within 0.5s"):
        await check_storage(storage, limit_seconds=0.5)
    assert time.monotonic() - started < 3


async def test_relative_file_url_resolves_against_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    storage = open_storage(StorageSettings(storage_url="file://./data/objects"))
    root = tmp_path / "data" / "objects"
    assert root.is_dir()
    assert storage.url == root.resolve().as_uri()
    await storage.put(RECORD_KEY, b"on disk")
    assert (root / RECORD_KEY).read_bytes() == b"on disk"
    # Deleting the last file removes the emptied partition directories, but never the root.
    await storage.delete(RECORD_KEY)
    assert root.is_dir()
    assert list(root.iterdir()) == []


# ------------------------------------------------------------------ settings and configuration errors


@pytest.mark.parametrize("url", ["ftp://host/objects", "/var/lib/hearth/objects", "http://minio:9000/bucket"])
def test_bad_storage_url_scheme_fails_in_settings(url: str) -> None:
    with pytest.raises(
        ValidationError, match=r"unsupported storage URL .*: use file://, s3://, az://, gs://"
    ):
        StorageSettings(storage_url=url)


def test_unknown_s3_option_is_a_config_error() -> None:
    settings = StorageSettings(storage_url="s3://bucket", storage_options={"endpoint_uri": "http://x"})
    with pytest.raises(InvalidStorageConfig, match=r"endpoint_uri.*not valid") as caught:
        open_storage(settings)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("file:///tmp/x", {"region": "eu-west-1"}, r"storage_options \(region\) do not apply to file://"),
        ("memory://", {"endpoint": "http://x"}, "do not apply to memory://"),
        ("memory:///some/prefix", {}, "memory:// storage takes no path"),
        ("s3://bucket", {"max_retries": "many"}, "max_retries must be a whole number"),
        ("s3://bucket", {"retry_timeout": "soon"}, "retry_timeout must be seconds or a duration"),
    ],
)
def test_storage_config_errors(url: str, options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidStorageConfig, match=message):
        open_storage(StorageSettings(storage_url=url, storage_options=options))
