"""Cache fixtures: real object storage (moto S3 or a local directory), a counting storage layer, the cache
app in-process or as real uvicorn servers (several replicas that know each other's URLs)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from hearth_cache.app import create_app
from hearth_cache.disk import object_id
from hearth_cache.settings import CacheSettings
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import ObjectMeta, ObjectStorage, open_storage
from tests.fixtures.s3 import S3Bucket

CHUNK = 64 * 1024  # the smallest chunk size the settings allow: objects of a few chunks stay small
GUARD_SECONDS = 30.0


class CountingStorage:
    """A real ``ObjectStorage`` that counts the reads it passes on to the real one underneath.

    ``gate``, when set, holds every read until it is opened, so a test can pile up concurrent misses.
    """

    def __init__(self, inner: ObjectStorage) -> None:
        self.inner = inner
        self.reads: Counter[tuple[str, str]] = Counter()  # (operation, key) -> calls
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()  # set when a read first waits at the gate

    @property
    def url(self) -> str:
        return self.inner.url

    def count(self, operation: str, key: str | None = None) -> int:
        return sum(n for (op, k), n in self.reads.items() if op == operation and key in (None, k))

    async def _enter(self, operation: str, key: str) -> None:
        self.reads[operation, key] += 1
        if self.gate is not None:
            self.entered.set()
            await self.gate.wait()

    async def put(self, key: str, data: bytes) -> None:
        await self.inner.put(key, data)

    async def get(self, key: str) -> bytes:
        await self._enter("get", key)
        return await self.inner.get(key)

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        await self._enter("get_range", key)
        return await self.inner.get_range(key, start, end)

    async def head(self, key: str) -> ObjectMeta:
        await self._enter("head", key)
        return await self.inner.head(key)

    def list(self, prefix: str = "") -> AsyncIterator[ObjectMeta]:
        return self.inner.list(prefix)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def close(self) -> None:
        await self.inner.close()


@dataclass
class Source:
    """Where the objects live (local directory or moto S3) and how to reach it."""

    name: str
    storage_settings: StorageSettings

    def open(self) -> CountingStorage:
        return CountingStorage(open_storage(self.storage_settings))

    def cache_settings(self, cache_dir: Path, **overrides: Any) -> CacheSettings:
        values: dict[str, Any] = {
            "storage_url": self.storage_settings.storage_url,
            "storage_options": self.storage_settings.storage_options,
            "cache_dir": cache_dir,
            "cache_chunk_bytes": CHUNK,
        }
        values.update(overrides)
        return CacheSettings(**values)


@pytest.fixture(params=["s3", "local"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Source:
    if request.param == "s3":
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        return Source("s3", bucket.storage_settings())
    return Source("local", StorageSettings(storage_url=(tmp_path / "objects").as_uri()))


@pytest.fixture
def s3_source(s3_bucket: S3Bucket) -> Source:
    return Source("s3", s3_bucket.storage_settings())


@asynccontextmanager
async def cache_client(
    source: Source, cache_dir: Path, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, CountingStorage, FastAPI]]:
    """The cache app in-process (lifespan entered), reading through a counting storage."""
    storage = source.open()
    app = create_app(source.cache_settings(cache_dir, **overrides), storage=storage)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cache.test") as client:
            yield client, storage, app


def chunk_files(cache_dir: Path, key: str) -> set[int]:
    """Indexes of the chunks of ``key`` on disk in ``cache_dir``."""
    oid = object_id(key)
    directory = cache_dir / "objects" / oid[:2] / oid
    return {int(p.name.split(".")[0]) for p in directory.glob("*.chunk")} if directory.exists() else set()


def holds(cache_dir: Path, key: str) -> bool:
    """Whether anything of ``key`` is on disk in ``cache_dir``."""
    oid = object_id(key)
    return (cache_dir / "objects" / oid[:2] / oid).exists()


def object_bytes(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes where every offset differs from its neighbours (so off-by-one shows)."""
    return bytes((i * 7 + i // 251 + seed) % 256 for i in range(size))


# ---------------------------------------------------------------- real servers


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def socket_url(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class Server:
    url: str
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(GUARD_SECONDS)


@contextmanager
def serve(app: FastAPI, sock: socket.socket, **options: Any) -> Iterator[Server]:
    """Serve ``app`` (lifespan on) with uvicorn on the already bound ``sock``, in a thread; ``options``
    go to ``uvicorn.Config`` (TLS files, for instance)."""
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", access_log=False, timeout_graceful_shutdown=2, **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the cache server failed to start")
            thread.join(0.01)
        scheme = "https" if options.get("ssl_certfile") else "http"
        yield Server(f"{scheme}://127.0.0.1:{sock.getsockname()[1]}", app, server, thread)
    finally:
        server.should_exit = True
        thread.join(GUARD_SECONDS)
        sock.close()
