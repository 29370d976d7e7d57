"""The gateway service's app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hearth_gateway.api import build_routers
from hearth_gateway.cors import GatewayCORSMiddleware
from hearth_gateway.proxy import Proxy
from hearth_gateway.settings import GatewaySettings
from hearth_shared.resources import Resources
from hearth_shared.web import readiness_checks, service_app


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    proxy = Proxy(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        async with proxy.running():
            readiness_checks(app).update(proxy.readiness_checks())
            yield

    app = service_app(
        settings,
        title="Hearth gateway",
        lifespan=lifespan,
        routers=build_routers(proxy),
        # Every other path belongs to an upstream: /docs and /openapi.json are the backend's.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    if settings.cors_allow_origins:
        app.add_middleware(GatewayCORSMiddleware, allow_origins=settings.cors_allow_origins)
    app.state.proxy = proxy
    return app
