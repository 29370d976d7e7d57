"""Gateway fixtures: real upstream servers (one per role, two ingest replicas), and the gateway either
in-process (``httpx.ASGITransport``, lifespan entered by hand) or as a real uvicorn server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hearth_gateway.app import create_app
from hearth_gateway.settings import GatewaySettings
from tests.gateway.upstreams import Served, serve, serve_echo

GATEWAY_BASE = "http://gateway.test"


@dataclass(frozen=True)
class Upstreams:
    backend: Served
    query_api: Served
    ingest_a: Served
    ingest_b: Served
    dex: Served

    def settings(self, **overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "backend_url": self.backend.url,
            "query_api_url": self.query_api.url,
            "ingest_urls": [self.ingest_a.url, self.ingest_b.url],
            "dex_url": self.dex.url,
        }
        values.update(overrides)
        return GatewaySettings(**values)


@pytest.fixture(scope="session")
def upstreams() -> Iterator[Upstreams]:
    with ExitStack() as stack:
        yield Upstreams(
            backend=stack.enter_context(serve_echo("backend")),
            query_api=stack.enter_context(serve_echo("query_api")),
            ingest_a=stack.enter_context(serve_echo("ingest-a")),
            ingest_b=stack.enter_context(serve_echo("ingest-b")),
            dex=stack.enter_context(serve_echo("dex")),
        )


GatewayFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def gateway(upstreams: Upstreams) -> AsyncIterator[GatewayFactory]:
    """``await gateway(**settings_overrides)``: a client for an in-process gateway with its lifespan open."""
    async with AsyncExitStack() as stack:

        async def make(**overrides: Any) -> httpx.AsyncClient:
            app = create_app(upstreams.settings(**overrides))
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=GATEWAY_BASE)
            )

        yield make


@contextmanager
def served_gateway(upstreams: Upstreams, **overrides: Any) -> Iterator[Served]:
    """The gateway as a real uvicorn server (lifespan on), for streaming and WebSocket tests."""
    with serve(create_app(upstreams.settings(**overrides)), lifespan="on") as served:
        yield served
