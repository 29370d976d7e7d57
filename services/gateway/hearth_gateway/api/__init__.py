"""HTTP routes of the gateway service (beyond the shared `/health` and `/ready`): one catch-all route
for every method, and one for WebSockets, both handing the request to the proxy.

They are plain ASGI endpoints (no FastAPI parameter parsing, no request model): the proxy reads the
raw ASGI scope and streams the body itself. They stay out of the OpenAPI schema.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter
from starlette.routing import Route, WebSocketRoute

from hearth_gateway.proxy import Proxy
from hearth_gateway.websocket_proxy import WebSocketProxy

#: Every method the gateway forwards (an explicit list: FastAPI reads "no list" as "no method").
PROXY_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CATCH_ALL: Final = "/{path:path}"


def build_routers(proxy: Proxy) -> list[APIRouter]:
    """The proxy routes; include them after `/health` and `/ready` so those stay the gateway's own."""
    router = APIRouter()
    router.routes.append(
        Route(CATCH_ALL, endpoint=proxy, methods=list(PROXY_METHODS), name="proxy", include_in_schema=False)
    )
    router.routes.append(WebSocketRoute(CATCH_ALL, endpoint=WebSocketProxy(proxy), name="websocket_proxy"))
    return [router]
