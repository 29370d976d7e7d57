"""WebSocket pass-through (the backend's live view), on the same route table as HTTP.

The upstream handshake happens first, with the client's headers (cookies, ``Authorization``,
``Origin``…) and subprotocols; only when the upstream accepts does the gateway accept the client, with
the subprotocol the upstream chose. A refusal is relayed as the HTTP answer to the client's handshake
(its status and body, through the ASGI WebSocket denial-response extension); an unreachable upstream
becomes a 502/504 problem. Then messages are copied both ways, text stays text and bytes stay bytes,
and a close on either side closes the other with the same code and reason.

The upstream leg is not compressed (it is local traffic; the client leg negotiates its own).
"""

from __future__ import annotations

import contextlib
from typing import Final

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from hearth_gateway.errors import GatewayError, UpstreamTimeout, UpstreamUnavailable
from hearth_gateway.proxy import Proxy, forwarded_headers, upstream_target
from hearth_shared.web import error_response

#: Handshake headers the websockets library writes itself.
_HANDSHAKE: Final = frozenset(
    {b"sec-websocket-key", b"sec-websocket-version", b"sec-websocket-extensions", b"sec-websocket-protocol"}
)
NORMAL: Final = 1000
GOING_AWAY: Final = 1001
BAD_GATEWAY: Final = 1014
NO_STATUS: Final = 1005


def sendable_close_code(code: int, fallback: int) -> int:
    """``code`` if it may be sent in a close frame (RFC 6455 §7.4), else ``fallback``."""
    if code == NO_STATUS:  # the peer closed without a code: a normal closure
        return NORMAL
    if 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999:
        return code
    return fallback


class WebSocketProxy:
    """The catch-all WebSocket endpoint."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        forwarded = forwarded_headers(scope)
        try:
            target = self.proxy.target_for(scope["path"], forwarded.authorization)
        except GatewayError as exc:
            await _deny(websocket, error_response(exc, scope["path"]))
            return
        subprotocols: list[Subprotocol] = []
        forward: list[tuple[str, str]] = []
        for name, value in forwarded.headers:
            if name == b"sec-websocket-protocol":
                subprotocols.extend(
                    Subprotocol(p.strip()) for p in value.decode("latin-1").split(",") if p.strip()
                )
            elif name not in _HANDSHAKE:
                forward.append((name.decode("latin-1"), value.decode("latin-1")))

        url = "ws" + target.base_url.removeprefix("http") + upstream_target(scope)
        settings = self.proxy.settings
        try:
            upstream = await connect(
                url,
                additional_headers=forward,
                subprotocols=subprotocols or None,
                compression=None,
                user_agent_header=None,  # the client's User-Agent is forwarded as it is
                proxy=None,
                open_timeout=settings.connect_timeout,
                max_size=settings.max_request_bytes,
            )
        except InvalidStatus as exc:
            # The upstream refused the handshake (401, 403, 404…): the client gets that answer.
            refusal = exc.response
            content_type = refusal.headers.get("Content-Type")
            await _deny(
                websocket,
                Response(
                    bytes(refusal.body or b""), status_code=refusal.status_code, media_type=content_type
                ),
            )
            return
        except TimeoutError:
            error: GatewayError = UpstreamTimeout(
                f"{target.name} did not complete the WebSocket handshake in {settings.connect_timeout:g}s",
                upstream=target.name,
            )
            await _deny(websocket, error_response(error, scope["path"]))
            return
        except (OSError, InvalidHandshake) as exc:
            error = UpstreamUnavailable(f"{target.name} is unreachable: {exc}", upstream=target.name)
            await _deny(websocket, error_response(error, scope["path"]))
            return

        async with upstream:
            await websocket.accept(subprotocol=upstream.subprotocol)
            async with anyio.create_task_group() as group:
                group.start_soon(_client_to_upstream, receive, upstream, group.cancel_scope)
                await _upstream_to_client(upstream, send)
                group.cancel_scope.cancel()


async def _deny(websocket: WebSocket, response: Response) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(response)
    else:  # the server answers the handshake with 403
        await websocket.close(code=1008)


async def _client_to_upstream(receive: Receive, upstream: ClientConnection, scope: anyio.CancelScope) -> None:
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                text = message.get("text")
                await upstream.send(text if text is not None else message.get("bytes") or b"")
            elif message["type"] == "websocket.disconnect":
                code = sendable_close_code(message.get("code", NORMAL), GOING_AWAY)
                await upstream.close(code, message.get("reason") or "")
                break
    except ConnectionClosed:
        pass  # the upstream side ended; the other task relays its close
    finally:
        scope.cancel()


async def _upstream_to_client(upstream: ClientConnection, send: Send) -> None:
    try:
        while True:
            data = await upstream.recv()
            if isinstance(data, str):
                await send({"type": "websocket.send", "text": data})
            else:
                await send({"type": "websocket.send", "bytes": data})
    except OSError:
        return  # the client is gone; the other task closes the upstream
    except ConnectionClosed as exc:
        # No close frame from the upstream (it vanished): tell the client it was the upstream's fault.
        code, reason = (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd is not None else (BAD_GATEWAY, "")
        code = sendable_close_code(code, BAD_GATEWAY)
        with contextlib.suppress(OSError, RuntimeError):  # the client may be gone already
            await send({"type": "websocket.close", "code": code, "reason": reason})
