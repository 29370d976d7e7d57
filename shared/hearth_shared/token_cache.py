"""Token resolution for the hot paths (ingest, query): in-process LRU → Redis → Postgres.

::

    cache = TokenCache(pool, redis)
    async with cache.listening():          # in the app's lifespan: drop entries other processes revoke
        grant = await cache.resolve(text, "write")   # None: unknown, revoked, expired or another kind

Layers and how stale each can be:

- **Local** (per process): an LRU of at most ``max_entries`` grants, each kept ``local_ttl`` seconds
  (``negative_ttl`` for "no such token"). Keyed by the token's SHA-256, never its text.
- **Redis** (shared): ``hearth:token:<sha256 hex>`` → the grant as JSON (``null`` for no such token),
  expiring after ``redis_ttl`` (``negative_ttl`` for negatives).
- **Postgres**: :meth:`TokenStore.resolve` — the truth. Concurrent misses of one token share a query.

Revocation: whoever revokes calls :meth:`TokenCache.invalidate`, which deletes the Redis key and
publishes the hash on ``hearth:token-invalidations``; every listening process drops its local entry
at once. If that message is missed (listener reconnecting), the local TTL bounds the staleness; a
revocation that never calls ``invalidate`` is seen within ``redis_ttl + local_ttl``. A grant's own
``expires_at`` is checked on every hit, so expiry needs no invalidation.

Redis is an accelerator, never a dependency: a failing or slow Redis call (bounded by
``redis_timeout``) falls back to Postgres and Redis is skipped for ``redis_retry_after`` seconds, so
an outage costs one timeout, not one per request.

Garbage: text that is not token-shaped is refused without any lookup or cache entry (so it cannot
evict real entries); token-shaped unknown text is cached negatively, so repeating it reaches Postgres
at most once per ``negative_ttl`` per process.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as aioredis

from hearth_shared.db.errors import DatabaseUnavailable
from hearth_shared.db.pool import CONNECT_ERRORS, DatabasePool, unavailable
from hearth_shared.tokens import ResolvedToken, TokenKind, TokenStore, is_token_shaped

logger = logging.getLogger("hearth.token_cache")

KEY_PREFIX = "hearth:token:"
INVALIDATION_CHANNEL = "hearth:token-invalidations"

#: Listener: seconds between keep-alive pings, and the reconnect backoff bounds after a failure.
LISTEN_PING_SECONDS = 30.0
LISTEN_RETRY_FIRST = 0.5
LISTEN_RETRY_MAX = 30.0
#: Retry-After (seconds) when Postgres cannot be asked about a token that is in no cache.
DATABASE_RETRY_AFTER = 2.0

_FIELDS = (
    "token_id",
    "kind",
    "project_id",
    "project_slug",
    "project_name",
    "organization_id",
    "organization_slug",
    "organization_name",
    "expires_at",
)


def token_key(token_hash_hex: str) -> str:
    """The Redis key of a token's cached grant."""
    return KEY_PREFIX + token_hash_hex


def token_hash_hex(token_text: str) -> str:
    """SHA-256 of the token text in hex (``hash_token(text).hex()``): the cache key and the
    argument of :meth:`TokenCache.invalidate`."""
    return hashlib.sha256(token_text.encode()).hexdigest()


def encode_grant(grant: ResolvedToken | None) -> bytes:
    if grant is None:
        return b"null"
    # asyncpg's UUID type is not uuid.UUID, so orjson needs ``default=str`` for it.
    return orjson.dumps({name: getattr(grant, name) for name in _FIELDS}, default=str)


def decode_grant(data: bytes | str) -> ResolvedToken | None:
    """A grant from its Redis JSON; raises ValueError/KeyError/TypeError for anything malformed."""
    value: Any = orjson.loads(data)
    if value is None:
        return None
    expires = value["expires_at"]
    return ResolvedToken(
        token_id=uuid.UUID(value["token_id"]),
        kind=_kind(value["kind"]),
        project_id=uuid.UUID(value["project_id"]),
        project_slug=str(value["project_slug"]),
        project_name=str(value["project_name"]),
        organization_id=uuid.UUID(value["organization_id"]),
        organization_slug=str(value["organization_slug"]),
        organization_name=str(value["organization_name"]),
        expires_at=None if expires is None else datetime.fromisoformat(expires),
    )


def _kind(value: object) -> TokenKind:
    if value == "write":
        return "write"
    if value == "read":
        return "read"
    raise ValueError(f"unknown token kind {value!r}")


@dataclass
class CacheStats:
    """Where resolutions were answered (for tests and metrics)."""

    local_hits: int = 0
    redis_hits: int = 0
    database_lookups: int = 0
    redis_errors: int = 0
    invalidations_received: int = 0


@dataclass(slots=True)
class _Entry:
    grant: ResolvedToken | None
    expires: float  # clock() value


class TokenCache:
    def __init__(
        self,
        pool: DatabasePool,
        redis: aioredis.Redis | None,
        *,
        local_ttl: float = 5.0,
        redis_ttl: float = 60.0,
        negative_ttl: float = 2.0,
        max_entries: int = 10_000,
        redis_timeout: float = 0.5,
        redis_retry_after: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.store = TokenStore(pool)
        self.redis = redis
        self.local_ttl = local_ttl
        self.redis_ttl = redis_ttl
        self.negative_ttl = negative_ttl
        self.max_entries = max_entries
        self.redis_timeout = redis_timeout
        self.redis_retry_after = redis_retry_after
        self.clock = clock
        self.stats = CacheStats()
        self._local: OrderedDict[str, _Entry] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[ResolvedToken | None]] = {}
        self._redis_skip_until = float("-inf")
        self._epoch = 0  # bumped by every invalidation, so a lookup racing one is not cached
        self.subscribed = asyncio.Event()  # set while the invalidation listener is subscribed

    # ------------------------------------------------------------------ resolve

    async def resolve(self, token_text: str, kind: TokenKind | None) -> ResolvedToken | None:
        """The grant of a live token of ``kind`` (any kind when None); None otherwise."""
        if not is_token_shaped(token_text):
            return None  # TokenStore would not query for it either; keep it out of the cache
        key = token_hash_hex(token_text)
        entry = self._local.get(key)
        if entry is not None and entry.expires > self.clock():
            self._local.move_to_end(key)
            self.stats.local_hits += 1
            grant = entry.grant
        else:
            task = self._inflight.get(key)
            if task is None:
                task = asyncio.create_task(self._fetch(key, token_text), name="token-resolve")
                self._inflight[key] = task
                task.add_done_callback(functools.partial(self._lookup_done, key))
            # shield: a cancelled caller must not cancel the lookup others are waiting for
            grant = await asyncio.shield(task)
        if grant is None or (kind is not None and grant.kind != kind):
            return None
        if grant.expires_at is not None and grant.expires_at <= datetime.now(UTC):
            return None
        return grant

    def _lookup_done(self, key: str, task: asyncio.Task[ResolvedToken | None]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: every waiter may have been cancelled meanwhile

    async def _fetch(self, key: str, token_text: str) -> ResolvedToken | None:
        epoch = self._epoch
        found, grant = await self._redis_get(key)
        if found:
            self.stats.redis_hits += 1
        else:
            self.stats.database_lookups += 1
            try:
                grant = await self.store.resolve(token_text, None)
            except CONNECT_ERRORS as exc:
                # A 503 the client retries, not a 500: the token may well be valid.
                reason = unavailable(None, exc).detail
                raise DatabaseUnavailable(
                    f"cannot verify the token now: {reason}", retry_after=DATABASE_RETRY_AFTER
                ) from exc
            if epoch != self._epoch:
                return grant  # an invalidation arrived meanwhile: this answer may predate it, keep it nowhere
            await self._redis_set(key, grant)
        if epoch == self._epoch:
            self._remember(key, grant)
        return grant

    def _remember(self, key: str, grant: ResolvedToken | None) -> None:
        ttl = self.local_ttl if grant is not None else self.negative_ttl
        self._local[key] = _Entry(grant, self.clock() + ttl)
        self._local.move_to_end(key)
        while len(self._local) > self.max_entries:
            self._local.popitem(last=False)

    def forget_local(self, token_hash_hex: str | None = None) -> None:
        """Drop one local entry (or all of them)."""
        self._epoch += 1
        if token_hash_hex is None:
            self._local.clear()
        else:
            self._local.pop(token_hash_hex, None)

    # ------------------------------------------------------------------ redis layer

    def _redis_usable(self) -> aioredis.Redis | None:
        if self.redis is None or self.clock() < self._redis_skip_until:
            return None
        return self.redis

    def _redis_failed(self, action: str, exc: BaseException) -> None:
        self.stats.redis_errors += 1
        self._redis_skip_until = self.clock() + self.redis_retry_after
        logger.warning(
            "token cache: Redis %s failed (%s); using Postgres for %g s",
            action,
            str(exc) or type(exc).__name__,
            self.redis_retry_after,
        )

    async def _redis_get(self, key: str) -> tuple[bool, ResolvedToken | None]:
        """(found, grant); (False, None) on a miss, a Redis failure or an unreadable value."""
        client = self._redis_usable()
        if client is None:
            return False, None
        try:
            async with asyncio.timeout(self.redis_timeout):
                data = await client.get(token_key(key))
        except Exception as exc:  # any Redis trouble means "ask Postgres"
            self._redis_failed("read", exc)
            return False, None
        if data is None:
            return False, None
        try:
            return True, decode_grant(data)
        except (ValueError, KeyError, TypeError):
            logger.warning("token cache: ignoring a malformed Redis entry %s", token_key(key))
            return False, None

    async def _redis_set(self, key: str, grant: ResolvedToken | None) -> None:
        client = self._redis_usable()
        if client is None:
            return
        ttl = self.redis_ttl if grant is not None else self.negative_ttl
        value = encode_grant(grant)
        try:
            async with asyncio.timeout(self.redis_timeout):
                await client.set(token_key(key), value, px=max(1, round(ttl * 1000)))
        except Exception as exc:  # the cache is optional; Postgres answered
            self._redis_failed("write", exc)

    # ------------------------------------------------------------------ invalidation

    async def invalidate(self, token_hash_hex: str) -> None:
        """Forget a token everywhere: here, in Redis, and (by pub/sub) in every listening process.

        Call after revoking (or otherwise changing) a token; ``token_hash_hex`` is
        ``hash_token(text).hex()`` (the stored ``token_hash`` in hex). Raises if Redis cannot be
        told, so the caller knows other processes may serve the token for up to ``redis_ttl``.
        """
        self.forget_local(token_hash_hex)
        if self.redis is None:
            return
        async with asyncio.timeout(max(self.redis_timeout, 2.0)):
            await self.redis.delete(token_key(token_hash_hex))
            await self.redis.publish(INVALIDATION_CHANNEL, token_hash_hex)

    async def listen_for_invalidations(self) -> None:
        """Run until cancelled: drop local entries other processes invalidate.

        Reconnects with backoff after a failure; the local cache is cleared after each reconnect,
        since invalidations may have been missed meanwhile.
        """
        if self.redis is None:
            return
        delay = LISTEN_RETRY_FIRST
        first = True
        while True:
            try:
                await self._listen_once(clear_first=not first)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep listening through any Redis trouble
                logger.warning(
                    "token cache: invalidation listener lost Redis (%s); retrying in %g s",
                    str(exc) or type(exc).__name__,
                    delay,
                )
            finally:
                self.subscribed.clear()
            first = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, LISTEN_RETRY_MAX)

    async def _listen_once(self, *, clear_first: bool) -> None:
        assert self.redis is not None
        pubsub = self.redis.pubsub()
        try:
            await pubsub.subscribe(INVALIDATION_CHANNEL)
            if clear_first:
                self.forget_local()
            self.subscribed.set()
            last_ping = self.clock()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None and message.get("type") == "message":
                    data = message.get("data")
                    text = data.decode() if isinstance(data, bytes) else str(data)
                    self.stats.invalidations_received += 1
                    self.forget_local(text)
                if self.clock() - last_ping >= LISTEN_PING_SECONDS:
                    await pubsub.ping()  # a dead connection shows up here instead of never
                    last_ping = self.clock()
        finally:
            with suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated

    @asynccontextmanager
    async def listening(self) -> AsyncIterator[TokenCache]:
        """Run :meth:`listen_for_invalidations` for the duration of the block (an app's lifespan)."""
        task = asyncio.create_task(self.listen_for_invalidations(), name="token-invalidations")
        try:
            yield self
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
