"""The token cache on real Postgres and Redis: which layer answers, revocation, Redis outages, garbage.

Local TTLs run on a fake clock, so "after the TTL" needs no sleeping; Redis expiry is Redis's own.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
import pytest
import redis.asyncio as aioredis

from hearth_shared.db.bootstrap import ensure_first_project
from hearth_shared.db.errors import DatabaseUnavailable
from hearth_shared.db.pool import DatabasePool, open_pool
from hearth_shared.token_cache import (
    INVALIDATION_CHANNEL,
    TokenCache,
    token_hash_hex,
    token_key,
)
from hearth_shared.tokens import TokenStore, generate_token, hash_token


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingPool:
    """The test's pool, counting the token lookups that reach Postgres."""

    def __init__(self, pool: DatabasePool) -> None:
        self.pool = pool
        self.lookups = 0

    async def fetchrow(self, query: str, *args: Any) -> Any:
        if "FROM tokens t" in query:
            self.lookups += 1
        return await self.pool.fetchrow(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        return await self.pool.execute(query, *args)


@dataclass
class Project:
    project_id: uuid.UUID
    write_token: str
    read_token: str


@pytest.fixture
async def project(db_pool: DatabasePool) -> Project:
    first = await ensure_first_project(
        db_pool, org_slug="acme", project_slug="web", admin_email="a@example.com", admin_password_hash=None
    )
    assert first is not None
    return Project(first.project_id, first.write_token, first.read_token)


@pytest.fixture
def counting(db_pool: DatabasePool) -> CountingPool:
    return CountingPool(db_pool)


CacheFactory = Callable[..., TokenCache]


@pytest.fixture
def make_cache(counting: CountingPool, redis_client: aioredis.Redis) -> CacheFactory:
    """A cache per simulated process; all share the test's Postgres (counted) and Redis."""

    def make(
        *, redis: aioredis.Redis | None = None, clock: FakeClock | None = None, **options: Any
    ) -> TokenCache:
        return TokenCache(
            cast(DatabasePool, counting),
            redis if redis is not None else redis_client,
            clock=clock or FakeClock(),
            **options,
        )

    return make


@pytest.fixture
async def dead_redis() -> AsyncIterator[aioredis.Redis]:
    """A client for a port where nothing listens (bound, then closed: refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client: aioredis.Redis = aioredis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    yield client
    await client.aclose()


async def eventually(condition: Callable[[], Awaitable[bool]] | Callable[[], bool]) -> None:
    """Wait (bounded by the test timeout) for something another task or Redis does."""
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        await asyncio.sleep(0.01)


# ---------------------------------------------------------------- which layer answers


async def test_first_lookup_reads_postgres_then_local_then_redis_across_processes(
    project: Project, make_cache: CacheFactory, counting: CountingPool, redis_client: aioredis.Redis
) -> None:
    clock = FakeClock()
    cache = make_cache(clock=clock)

    grant = await cache.resolve(project.write_token, "write")
    assert grant is not None
    assert grant.project_id == project.project_id
    assert (grant.kind, grant.project_slug, grant.organization_slug) == ("write", "web", "acme")
    assert counting.lookups == 1
    assert cache.stats.database_lookups == 1

    # Stored in Redis under the hash, never the token text, as the grant's fields.
    stored = await redis_client.get(token_key(hash_token(project.write_token).hex()))
    assert stored is not None
    assert project.write_token.encode() not in stored
    assert orjson.loads(stored)["project_id"] == str(project.project_id)
    assert [key async for key in redis_client.scan_iter("hearth:token:*")] == [
        token_key(token_hash_hex(project.write_token)).encode()
    ]

    assert await cache.resolve(project.write_token, "write") == grant
    assert cache.stats.local_hits == 1
    assert counting.lookups == 1

    # Another process: Redis answers.
    other = make_cache()
    assert await other.resolve(project.write_token, "write") == grant
    assert other.stats.redis_hits == 1
    assert counting.lookups == 1

    # This process after its local TTL: Redis again, still not Postgres.
    clock.advance(cache.local_ttl + 0.1)
    assert await cache.resolve(project.write_token, "write") == grant
    assert cache.stats.redis_hits == 1
    assert counting.lookups == 1


async def test_kind_is_checked_on_every_layer(
    project: Project, make_cache: CacheFactory, counting: CountingPool
) -> None:
    cache = make_cache()
    assert await cache.resolve(project.read_token, "write") is None
    assert await cache.resolve(project.write_token, "read") is None
    read = await cache.resolve(project.read_token, "read")
    assert read is not None
    assert read.kind == "read"
    any_kind = await cache.resolve(project.write_token, None)
    assert any_kind is not None
    assert any_kind.kind == "write"
    # One lookup per token, whatever kind was asked for: the grant is cached, not the question.
    assert counting.lookups == 2
    assert await make_cache().resolve(project.read_token, "write") is None  # from Redis
    assert counting.lookups == 2


async def test_concurrent_misses_share_one_query(
    project: Project, make_cache: CacheFactory, counting: CountingPool
) -> None:
    cache = make_cache()
    grants = await asyncio.gather(*(cache.resolve(project.write_token, "write") for _ in range(50)))
    assert all(g is not None and g.project_id == project.project_id for g in grants)
    assert counting.lookups == 1


async def test_local_cache_is_a_bounded_lru(
    project: Project, db_pool: DatabasePool, make_cache: CacheFactory
) -> None:
    store = TokenStore(db_pool)
    tokens = [project.write_token] + [(await store.create(project.project_id, "write"))[0] for _ in range(2)]
    cache = make_cache(max_entries=2)
    for token in tokens:
        assert await cache.resolve(token, "write") is not None
    assert cache.stats.database_lookups == 3
    # The oldest was evicted locally (Redis still has it); the newest two are local hits.
    assert await cache.resolve(tokens[2], "write") is not None
    assert await cache.resolve(tokens[1], "write") is not None
    assert cache.stats.local_hits == 2
    assert await cache.resolve(tokens[0], "write") is not None
    assert cache.stats.redis_hits == 1
    assert cache.stats.database_lookups == 3


async def test_expired_grant_stops_resolving_without_invalidation(
    project: Project, make_cache: CacheFactory, redis_client: aioredis.Redis
) -> None:
    cache = make_cache()
    grant = await cache.resolve(project.write_token, "write")
    assert grant is not None
    # Pretend the cached grant carries an expiry that has now passed.
    key = token_key(token_hash_hex(project.write_token))
    value = orjson.loads(await redis_client.get(key))  # type: ignore[arg-type]
    value["expires_at"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    await redis_client.set(key, orjson.dumps(value))
    assert await make_cache().resolve(project.write_token, "write") is None


async def test_malformed_redis_entry_falls_back_to_postgres(
    project: Project, make_cache: CacheFactory, counting: CountingPool, redis_client: aioredis.Redis
) -> None:
    await redis_client.set(token_key(token_hash_hex(project.write_token)), b'{"kind": "write"')
    grant = await make_cache().resolve(project.write_token, "write")
    assert grant is not None
    assert grant.project_id == project.project_id
    assert counting.lookups == 1


# ---------------------------------------------------------------- revocation


async def test_invalidate_takes_effect_at_once_here_and_in_listening_processes(
    project: Project, db_pool: DatabasePool, make_cache: CacheFactory
) -> None:
    here, there = make_cache(), make_cache()
    async with there.listening():
        await asyncio.wait_for(there.subscribed.wait(), 10)
        grant = await here.resolve(project.write_token, "write")
        assert grant is not None
        assert await there.resolve(project.write_token, "write") == grant

        assert await TokenStore(db_pool).revoke(grant.token_id)
        await here.invalidate(hash_token(project.write_token).hex())

        assert await here.resolve(project.write_token, "write") is None
        await eventually(lambda: there.stats.invalidations_received >= 1)
        assert await there.resolve(project.write_token, "write") is None


async def test_missed_invalidation_is_bounded_by_the_local_ttl(
    project: Project, db_pool: DatabasePool, make_cache: CacheFactory
) -> None:
    """A process whose listener missed the message serves its local entry until the local TTL only."""
    clock = FakeClock()
    deaf = make_cache(clock=clock)  # never listens
    grant = await deaf.resolve(project.write_token, "write")
    assert grant is not None

    assert await TokenStore(db_pool).revoke(grant.token_id)
    await make_cache().invalidate(token_hash_hex(project.write_token))

    clock.advance(deaf.local_ttl - 0.5)
    assert await deaf.resolve(project.write_token, "write") == grant  # the bounded staleness
    clock.advance(1.0)
    assert await deaf.resolve(project.write_token, "write") is None


async def test_revocation_without_invalidate_is_bounded_by_redis_and_local_ttls(
    project: Project, db_pool: DatabasePool, make_cache: CacheFactory, redis_client: aioredis.Redis
) -> None:
    clock = FakeClock()
    cache = make_cache(clock=clock, redis_ttl=0.3)
    grant = await cache.resolve(project.write_token, "write")
    assert grant is not None
    assert await TokenStore(db_pool).revoke(grant.token_id)  # and nobody calls invalidate

    key = token_key(token_hash_hex(project.write_token))
    await eventually(lambda: redis_client.exists(key))  # type: ignore[arg-type]
    await eventually(lambda: _gone(redis_client, key))  # Redis expires it after redis_ttl
    clock.advance(cache.local_ttl + 0.1)
    assert await cache.resolve(project.write_token, "write") is None


async def _gone(client: aioredis.Redis, key: str) -> bool:
    return not await client.exists(key)


async def test_invalidation_message_is_published(
    project: Project, make_cache: CacheFactory, redis_client: aioredis.Redis
) -> None:
    pubsub = redis_client.pubsub()
    await pubsub.subscribe(INVALIDATION_CHANNEL)
    await make_cache().invalidate("ab" * 32)
    message = None
    while message is None:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
    assert message["data"] == ("ab" * 32).encode()
    await pubsub.aclose()  # type: ignore[no-untyped-call]


# ---------------------------------------------------------------- Redis down, Postgres down


async def test_redis_down_falls_back_to_postgres(
    project: Project, make_cache: CacheFactory, counting: CountingPool, dead_redis: aioredis.Redis
) -> None:
    clock = FakeClock()
    cache = make_cache(redis=dead_redis, clock=clock)
    grant = await cache.resolve(project.write_token, "write")
    assert grant is not None
    assert grant.project_id == project.project_id
    assert counting.lookups == 1
    assert cache.stats.redis_errors == 1

    assert await cache.resolve(project.write_token, "write") == grant  # local
    # After the local TTL, Redis is still skipped (retry window) and Postgres answers.
    clock.advance(cache.local_ttl + 0.1)
    assert await cache.resolve(project.write_token, "write") == grant
    assert counting.lookups == 2
    assert cache.stats.redis_errors >= 2  # tried again once the retry window passed

    # Revocation still works locally; telling other processes fails loudly.
    with pytest.raises(Exception):  # noqa: B017, PT011 - redis-py's connection error
        await cache.invalidate(token_hash_hex(project.write_token))
    assert await cache.resolve(project.read_token, "write") is None


async def test_listener_survives_redis_being_down(
    make_cache: CacheFactory, dead_redis: aioredis.Redis
) -> None:
    cache = make_cache(redis=dead_redis)
    async with cache.listening():
        await asyncio.sleep(0.05)  # let it fail at least once; it must keep running
    assert not cache.subscribed.is_set()


async def test_postgres_down_with_nothing_cached_is_a_503(
    project: Project, database_url: str, redis_client: aioredis.Redis
) -> None:
    pool = await open_pool(database_url, min_size=0, max_size=1, connect_timeout=5)
    await pool.close()
    cache = TokenCache(pool, redis_client, clock=FakeClock())
    with pytest.raises(DatabaseUnavailable, match="cannot verify the token now") as caught:
        await cache.resolve(project.write_token, "write")
    assert caught.value.status == 503
    assert caught.value.retry_after is not None


# ---------------------------------------------------------------- garbage


async def test_garbage_that_is_not_token_shaped_never_reaches_postgres_or_the_cache(
    project: Project, make_cache: CacheFactory, counting: CountingPool, redis_client: aioredis.Redis
) -> None:
    cache = make_cache()
    for text in ["", "Bearer", "not-a-token", "pylf_v1_local_", "pylf_v1_local_abc-def", "x" * 10_000]:
        assert await cache.resolve(text, "write") is None
    assert counting.lookups == 0
    assert [key async for key in redis_client.scan_iter("hearth:token:*")] == []


async def test_unknown_token_reaches_postgres_at_most_once_per_negative_ttl(
    project: Project, make_cache: CacheFactory, counting: CountingPool, redis_client: aioredis.Redis
) -> None:
    clock = FakeClock()
    cache = make_cache(clock=clock)
    garbage = generate_token()  # token-shaped, so it is looked up once

    results = await asyncio.gather(*(cache.resolve(garbage, "write") for _ in range(50)))
    assert results == [None] * 50
    for _ in range(100):
        assert await cache.resolve(garbage, "write") is None
    assert counting.lookups == 1

    # Other processes see the negative in Redis.
    assert await make_cache().resolve(garbage, "write") is None
    assert counting.lookups == 1
    key = token_key(token_hash_hex(garbage))
    ttl_ms = await redis_client.pttl(key)
    assert 0 < ttl_ms <= cache.negative_ttl * 1000

    # Once both the local and the Redis negative are gone, one more lookup.
    clock.advance(cache.negative_ttl + 0.1)
    await redis_client.delete(key)
    assert await cache.resolve(garbage, "write") is None
    assert counting.lookups == 2

    # And a valid token is unaffected by all this.
    assert await cache.resolve(project.write_token, "write") is not None
