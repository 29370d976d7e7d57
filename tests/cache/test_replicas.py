"""Two real cache replicas (uvicorn on 127.0.0.1) sharing objects by consistent hashing: any replica
answers, only the owner keeps the object, and a dead owner never fails a read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hearth_cache.app import create_app
from hearth_shared.hashring import ReplicaRing
from tests.cache.conftest import (
    CHUNK,
    CountingStorage,
    Server,
    Source,
    bound_socket,
    chunk_files,
    holds,
    object_bytes,
    serve,
    socket_url,
)

SIZE = 2 * CHUNK + 777
KEYS = [f"records/project=p1/day=2026-11-23/{i:04d}.parquet" for i in range(12)]


@dataclass
class Replica:
    server: Server
    cache_dir: Path
    storage: CountingStorage

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class Pair:
    replicas: dict[str, Replica]  # by URL
    ring: ReplicaRing

    def owner(self, key: str) -> Replica:
        return self.replicas[self.ring.pick(key)]

    def other(self, key: str) -> Replica:
        (other,) = (r for url, r in self.replicas.items() if url != self.ring.pick(key))
        return other


@pytest.fixture
def pair(source: Source, tmp_path: Path) -> Iterator[Pair]:
    sockets = [bound_socket(), bound_socket()]
    urls = [socket_url(sock) for sock in sockets]
    with ExitStack() as stack:
        replicas = {}
        for index, (sock, url) in enumerate(zip(sockets, urls, strict=True)):
            cache_dir = tmp_path / f"cache-{index}"
            storage = source.open()
            settings = source.cache_settings(cache_dir, cache_peers=urls, cache_self_url=url)
            server = stack.enter_context(serve(create_app(settings, storage=storage), sock))
            replicas[url] = Replica(server, cache_dir, storage)
        yield Pair(replicas, ReplicaRing(urls))


async def put_all(pair: Pair) -> dict[str, bytes]:
    storage = next(iter(pair.replicas.values())).storage
    objects = {key: object_bytes(SIZE, seed=i) for i, key in enumerate(KEYS)}
    for key, data in objects.items():
        await storage.put(key, data)
    return objects


async def stats(replica: Replica) -> dict[str, int]:
    async with httpx.AsyncClient() as client:
        result: dict[str, int] = (await client.get(f"{replica.url}/stats")).json()
        return result


async def test_keys_spread_over_both_replicas(pair: Pair) -> None:
    owners = {pair.ring.pick(key) for key in KEYS}
    assert owners == set(pair.replicas)


async def test_any_replica_serves_and_only_the_owner_keeps(pair: Pair) -> None:
    objects = await put_all(pair)
    async with httpx.AsyncClient() as client:
        for key, data in objects.items():
            owner, other = pair.owner(key), pair.other(key)
            response = await client.get(f"{other.url}/objects/{key}", headers={"Range": "bytes=-100"})
            assert response.status_code == 206
            assert response.content == data[-100:]
            assert response.headers["content-range"] == f"bytes {SIZE - 100}-{SIZE - 1}/{SIZE}"
            head = await client.head(f"{other.url}/objects/{key}")
            assert head.headers["content-length"] == str(SIZE)
            full = await client.get(f"{other.url}/objects/{key}")
            assert full.content == data

            assert chunk_files(owner.cache_dir, key) == {0, 1, 2}
            assert not holds(other.cache_dir, key)
            # The owner's counters saw it; the other only relayed.
            assert owner.storage.count("get_range", key) == 3
            assert other.storage.count("get_range", key) == 0
            assert other.storage.count("head", key) == 0

            # Asking the owner directly is a hit.
            again = await client.get(f"{owner.url}/objects/{key}", headers={"Range": "bytes=0-9"})
            assert again.content == data[:10]
            assert owner.storage.count("get_range", key) == 3

    forwarded = [(await stats(replica))["forwarded"] for replica in pair.replicas.values()]
    assert sum(forwarded) == 3 * len(KEYS)


async def test_errors_are_relayed_from_the_owner(pair: Pair) -> None:
    key = KEYS[0]
    other = pair.other(key)
    async with httpx.AsyncClient() as client:
        missing = await client.get(f"{other.url}/objects/{key}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
    assert (await stats(other))["forwarded"] == 1
    assert (await stats(pair.owner(key)))["meta_fetches"] == 1


async def test_owner_down_is_served_from_storage_without_caching(pair: Pair) -> None:
    objects = await put_all(pair)
    down_url = pair.ring.pick(KEYS[0])
    down = pair.replicas[down_url]
    down.server.stop()
    survivor = pair.other(KEYS[0])
    async with httpx.AsyncClient() as client:
        for key, data in objects.items():
            response = await client.get(f"{survivor.url}/objects/{key}", headers={"Range": "bytes=5-70000"})
            assert response.status_code == 206
            assert response.content == data[5:70001]
            head = await client.head(f"{survivor.url}/objects/{key}")
            assert head.status_code == 200
            assert head.headers["content-length"] == str(SIZE)
            # Its own keys are cached as usual; the dead owner's are not kept here.
            assert holds(survivor.cache_dir, key) == (pair.ring.pick(key) == survivor.url)
    orphaned = [key for key in KEYS if pair.ring.pick(key) == down_url]
    counters = await stats(survivor)
    assert counters["peer_fallbacks"] == 2 * len(orphaned)
    assert counters["forwarded"] == 0


async def test_no_cache_travels_to_the_owner(pair: Pair) -> None:
    objects = await put_all(pair)
    key = KEYS[0]
    owner, other = pair.owner(key), pair.other(key)
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{other.url}/objects/{key}", headers={"Range": "bytes=0-99", "X-Hearth-No-Cache": "1"}
        )
        assert response.content == objects[key][:100]
    assert not holds(owner.cache_dir, key)
    assert not holds(other.cache_dir, key)
    assert (await stats(owner))["bypass_reads"] == 1
