"""The backend service's app factory.

The lifespan opens the token cache (and its invalidation listener, so a revoked token stops working
here within the cache's bounds) and the connection pool to the query API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from hearth_backend.api import routers
from hearth_backend.api.deps import Backend
from hearth_backend.query_forward import QueryForwarder
from hearth_backend.settings import BackendSettings
from hearth_shared.resources import Resources
from hearth_shared.token_cache import TokenCache
from hearth_shared.web import service_app


def create_app(settings: BackendSettings | None = None) -> FastAPI:
    settings = settings or BackendSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        assert resources.db is not None  # BackendSettings declares Postgres and Redis
        async with AsyncExitStack() as stack:
            tokens = TokenCache(resources.db, resources.redis)
            await stack.enter_async_context(tokens.listening())
            forwarder = QueryForwarder(
                settings.query_api_url,
                connect_timeout=settings.query_api_connect_timeout,
                read_timeout=settings.query_api_timeout,
            )
            await stack.enter_async_context(forwarder.running())
            # No readiness check on the query API: the backend serves the UI and tokens without it.
            app.state.backend = Backend(
                tokens=tokens, query=forwarder, public_base_url=settings.public_base_url
            )
            yield

    return service_app(settings, title="Hearth backend", lifespan=lifespan, routers=routers)
