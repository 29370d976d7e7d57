"""Open the shared dependencies (Postgres, Redis, object storage) for a process, with one-sentence
failures and readiness checks.

``open_resources`` looks at which settings blocks a service's settings class includes and opens just
those, on the caller's ``AsyncExitStack`` so they close in reverse order at shutdown.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import redis.asyncio as aioredis
from fastapi import FastAPI

from hearth_shared.db import DatabasePool, check_database, open_pool
from hearth_shared.errors import StartupError
from hearth_shared.settings import DatabaseSettings, HearthSettings, RedisSettings, StorageSettings
from hearth_shared.storage import ObjectStorage, check_storage, open_storage

REDIS_TIMEOUT_SECONDS = 5.0


@dataclass
class Resources:
    """What a process opened; a field is None when its settings class has no such block."""

    db: DatabasePool | None = None
    catalog_db: DatabasePool | None = None
    database_url: str | None = None
    catalog_database_url: str | None = None
    redis: aioredis.Redis | None = None
    storage: ObjectStorage | None = None


def redact_url(url: str) -> str:
    """The URL without its password, safe for logs and error sentences."""
    if "://" not in url or "@" not in url.split("://", 1)[1].split("/", 1)[0]:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.split("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"


async def open_redis(url: str) -> aioredis.Redis:
    client: aioredis.Redis = aioredis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        raise StartupError(f"Redis at {redact_url(url)} is unreachable: {exc}") from exc
    return client


async def open_resources(settings: HearthSettings, stack: AsyncExitStack) -> Resources:
    """Open every dependency the settings declare; raise StartupError with one sentence on failure."""
    resources = Resources()
    if isinstance(settings, DatabaseSettings):
        pool = await open_pool(
            settings.database_url,
            min_size=settings.database_pool_min,
            max_size=settings.database_pool_max,
            connect_timeout=settings.database_connect_timeout,
        )
        stack.push_async_callback(pool.close)
        resources.db = pool
        resources.database_url = settings.database_url
        resources.catalog_database_url = settings.effective_catalog_database_url
        if settings.effective_catalog_database_url != settings.database_url:
            catalog_pool = await open_pool(
                settings.effective_catalog_database_url,
                min_size=settings.database_pool_min,
                max_size=settings.database_pool_max,
                connect_timeout=settings.database_connect_timeout,
            )
            stack.push_async_callback(catalog_pool.close)
            resources.catalog_db = catalog_pool
        else:
            resources.catalog_db = pool
    if isinstance(settings, RedisSettings):
        client = await open_redis(settings.redis_url)
        stack.push_async_callback(client.aclose)
        resources.redis = client
    if isinstance(settings, StorageSettings):
        storage = open_storage(settings)
        stack.push_async_callback(storage.close)
        try:
            await check_storage(storage)
        except Exception as exc:
            raise StartupError(str(exc)) from exc
        resources.storage = storage
    return resources


def register_readiness(app: FastAPI, resources: Resources) -> None:
    """Add a readiness check for each opened dependency."""
    checks = app.state.readiness_checks
    db, catalog_db, client, storage = resources.db, resources.catalog_db, resources.redis, resources.storage
    if db is not None:
        checks["postgres"] = lambda: check_database(db, dsn=resources.database_url)
    if catalog_db is not None and catalog_db is not db:
        checks["catalog_postgres"] = lambda: check_database(catalog_db, dsn=resources.catalog_database_url)
    if client is not None:
        checks["redis"] = client.ping
    if storage is not None:
        checks["object_storage"] = lambda: check_storage(storage)
