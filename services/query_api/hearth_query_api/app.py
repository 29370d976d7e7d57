"""The query API service's app factory.

The lifespan opens the token cache (and its invalidation listener), checks the spill directory, and
builds the engine: worker processes (one per query slot, killed at a query's deadline), each with a
fresh DataFusion session per query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from hearth_query_api.api import routers
from hearth_query_api.api.deps import QueryApi
from hearth_query_api.engine.processes import ProcessEngine
from hearth_query_api.engine.session import SessionOptions
from hearth_query_api.engine.stores import object_location
from hearth_query_api.live.stream import LiveOptions
from hearth_query_api.live.tail import LiveTail
from hearth_query_api.service import QueryService
from hearth_query_api.settings import QueryApiSettings
from hearth_query_api.slots import QuerySlots
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.errors import StartupError
from hearth_shared.resources import Resources
from hearth_shared.settings import StorageSettings
from hearth_shared.token_cache import TokenCache
from hearth_shared.web import service_app


def create_app(settings: QueryApiSettings | None = None) -> FastAPI:
    settings = settings or QueryApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        # QueryApiSettings declares Postgres (app data and catalog) and Redis.
        assert resources.db is not None
        assert resources.catalog_db is not None
        options = SessionOptions(
            target_partitions=settings.effective_target_partitions,
            memory_limit_bytes=settings.query_memory_limit_bytes,
            spill_dir=Path(settings.effective_spill_dir),
        )
        try:
            options.prepare()
        except OSError as exc:
            raise StartupError(
                f"cannot use the query spill directory {options.spill_dir}: {exc.strerror or exc}"
            ) from exc
        # Fails at start, in one sentence, for storage the engine cannot read.
        object_location(settings, settings.query_cache_url)
        engine = ProcessEngine(
            options,
            StorageSettings.model_validate(settings.model_dump(include=set(StorageSettings.model_fields))),
            timeout=settings.query_timeout,
            workers=settings.query_max_concurrent,
            cache_url=settings.query_cache_url,
        )
        engine.pool.warm_up()
        slots = QuerySlots(settings.query_max_concurrent, retry_after=settings.query_retry_after)
        async with AsyncExitStack() as stack:
            stack.callback(engine.close)
            tokens = TokenCache(resources.db, resources.redis)
            await stack.enter_async_context(tokens.listening())
            app.state.query = QueryApi(
                tokens=tokens,
                service=QueryService(
                    FileCatalog(resources.catalog_db), engine, slots, TraceIndex(resources.catalog_db)
                ),
                default_limit=settings.query_default_limit,
                max_limit=settings.query_max_limit,
                secret_key=settings.secret_key.get_secret_value(),
                live=await stack.enter_async_context(
                    LiveTail.connect(settings.redis_url, longest_wait=settings.live_keepalive_seconds)
                ),
                live_options=LiveOptions(
                    keepalive_seconds=settings.live_keepalive_seconds,
                    max_rows=settings.live_max_rows_per_event,
                ),
            )
            yield

    return service_app(settings, title="Hearth query API", lifespan=lifespan, routers=routers)
