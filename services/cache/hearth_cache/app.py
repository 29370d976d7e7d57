"""The cache service's app factory.

The lifespan loads the disk index (a scan of ``cache_dir``), opens the connection pools to the other
replicas, and logs the counters every ``STATS_LOG_SECONDS`` when they changed.

Compaction and maintenance never read through the cache: they use object storage directly (their
bulk reads would evict what queries need); any other bulk reader sends ``X-Hearth-No-Cache: 1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import Response

from hearth_cache.api import routers
from hearth_cache.disk import DiskCache
from hearth_cache.errors import RangeNotSatisfiable, StorageUnreachable
from hearth_cache.peers import Peers
from hearth_cache.reader import ObjectCache
from hearth_cache.settings import CacheSettings
from hearth_cache.stats import CacheStats
from hearth_shared.resources import Resources
from hearth_shared.storage import ObjectStorage
from hearth_shared.web import error_response, service_app

logger = logging.getLogger("hearth.cache")

STATS_LOG_SECONDS: Final = 60.0


def create_app(settings: CacheSettings | None = None, *, storage: ObjectStorage | None = None) -> FastAPI:
    """The cache app; ``storage`` replaces the store the settings name (tests count reads with it)."""
    settings = settings or CacheSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        source = storage or resources.storage
        if source is None:
            raise StorageUnreachable("the cache has no object storage configured")
        disk = DiskCache(
            settings.cache_dir.expanduser().resolve(),
            max_bytes=settings.cache_max_bytes,
            chunk_bytes=settings.cache_chunk_bytes,
        )
        await asyncio.to_thread(disk.load)
        cache = ObjectCache(source, disk, readahead=settings.cache_readahead, stats=CacheStats())
        peers = Peers(settings.cache_peers, settings.cache_self_url, timeout=settings.cache_peer_timeout)
        async with peers.running():
            app.state.object_cache, app.state.peers = cache, peers
            logging_task = asyncio.create_task(_log_stats(cache))
            try:
                yield
            finally:
                logging_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await logging_task
                app.state.object_cache = app.state.peers = None
                await cache.close()
                logger.info("cache stopped", extra=cache.snapshot())

    app = service_app(settings, title="Hearth cache", lifespan=lifespan, routers=routers)
    app.add_exception_handler(RangeNotSatisfiable, _range_not_satisfiable)
    return app


async def _range_not_satisfiable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RangeNotSatisfiable)
    response = error_response(exc, request.url.path)
    response.headers["content-range"] = f"bytes */{exc.size}"
    return response


async def _log_stats(cache: ObjectCache) -> None:
    last: dict[str, int] = {}
    while True:
        await asyncio.sleep(STATS_LOG_SECONDS)
        current = cache.snapshot()
        if current != last:
            logger.info("cache stats", extra=current)
            last = current
