"""Forward query requests to the query API and relay its answer unchanged.

The backend owns the public ``GET /v1/query`` (DESIGN.md §1) but the query API runs it, and answers
``/v2/query`` too when a client is pointed at the backend instead of the gateway. The query API
decides everything about the request (token, parameters, format, error shape: problem+json or
4.x-style plain JSON, by ``Accept``), so the backend does not check the token first: one place owns
those answers, and the client gets exactly what the query API said.

- **Request**: method, path, the raw query string, and a short list of headers (token, content
  negotiation, body framing, tracing); the body, if any, streams through.
- **Response**: status, headers (less hop-by-hop ones) and body bytes as they come (still encoded).
  A small answer (by Content-Length) is read whole first, so a failure mid-body still gets a problem.
- **Failures**: refused/reset → 502, pool exhausted → 503, no connection or answer in time → 504,
  each naming the query API's URL and the setting that points at it.

One ``httpx.AsyncHTTPTransport`` pool, not an ``AsyncClient``: a client keeps response cookies in a
jar every caller would share, and adds redirect and auth machinery a relay must not have.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import httpx
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from hearth_backend.errors import QueryApiBusy, QueryApiError, QueryApiTimeout, QueryApiUnavailable
from hearth_shared.http_headers import HOP_BY_HOP

logger = logging.getLogger("hearth.backend.query_forward")

#: Request headers the query API needs; everything else (cookies above all) stays here.
FORWARDED_REQUEST_HEADERS: Final = frozenset(
    {
        b"authorization",
        b"accept",
        b"content-type",
        b"content-encoding",
        b"content-length",
        b"user-agent",
        b"traceparent",
        b"tracestate",
        b"x-request-id",
    }
)
#: Connection-specific headers, plus those our own HTTP server writes itself.
_RESPONSE_SKIP: Final = HOP_BY_HOP | {b"date", b"server"}
#: Answers up to this size (by Content-Length) are read whole before anything is sent.
SMALL_RESPONSE_BYTES: Final = 64 * 1024
#: Idle pooled connections are dropped before uvicorn's 5 s keep-alive closes them from the other side.
KEEPALIVE_EXPIRY_SECONDS: Final = 4.0
SETTING_HINT: Final = "HEARTH_QUERY_API_URL"


class _Relay(StreamingResponse):
    """The upstream body streamed as it arrives; the upstream response is closed however this ends
    (including when the client hangs up and Starlette cancels the stream)."""

    def __init__(self, upstream: httpx.Response, headers: list[tuple[bytes, bytes]], origin: str) -> None:
        super().__init__(_raw_body(upstream, origin), status_code=upstream.status_code)
        self.raw_headers = headers
        self._upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._upstream.aclose()


async def _raw_body(upstream: httpx.Response, origin: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    except httpx.TransportError as exc:
        # The status is sent: raising aborts the connection, the only honest signal left.
        raise QueryApiUnavailable(
            f"the query API at {origin} broke off its answer: {exc or type(exc).__name__}"
        ) from exc


class QueryForwarder:
    """Relays requests to the query API at ``base_url``; open its pool with :meth:`running`."""

    def __init__(
        self, base_url: str, *, connect_timeout: float, read_timeout: float, max_connections: int = 100
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeouts = {
            "connect": connect_timeout,
            "read": read_timeout,
            "write": read_timeout,
            "pool": connect_timeout,
        }
        self._limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
        )
        self._transport: httpx.AsyncHTTPTransport | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[QueryForwarder]:
        # trust_env=False: HTTP(S)_PROXY variables meant for outbound traffic must not capture this call.
        transport = httpx.AsyncHTTPTransport(limits=self._limits, trust_env=False, retries=0)
        async with transport:
            self._transport = transport
            try:
                yield self
            finally:
                self._transport = None

    async def forward(self, request: Request, path: str, *, authorization: str | None = None) -> Response:
        """``request`` sent to ``path`` of the query API, its answer relayed; ``authorization`` replaces
        the client's ``Authorization`` (the backend's internal grant for a signed-in user's query)."""
        has_body = request.method not in {"GET", "HEAD"}
        outgoing = httpx.Request(
            request.method,
            httpx.URL(self.base_url + path, query=request.scope.get("query_string", b"")),
            headers=_request_headers(request.headers.raw, has_body=has_body, authorization=authorization),
            content=request.stream() if has_body else None,
            extensions={"timeout": self._timeouts},
        )
        return await self._send(outgoing, whole=False)

    async def post(self, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> Response:
        """``body`` POSTed to ``path`` with exactly ``headers``; the answer read whole (the caller
        reshapes it). For bounded answers only: a query's JSON rows, at most ``limit`` of them."""
        outgoing = httpx.Request(
            "POST",
            httpx.URL(self.base_url + path),
            headers=[*headers, (b"content-length", str(len(body)).encode())],
            content=body,
            extensions={"timeout": self._timeouts},
        )
        return await self._send(outgoing, whole=True)

    async def _send(self, outgoing: httpx.Request, *, whole: bool) -> Response:
        transport = self._transport
        if transport is None:
            raise QueryApiBusy("the backend is starting or stopping; try again", retry_after=1)
        try:
            upstream = await transport.handle_async_request(outgoing)
        except httpx.TransportError as exc:
            raise self._error(exc) from exc
        headers, length = _response_headers(upstream.headers.raw)
        if not whole and (length is None or length > SMALL_RESPONSE_BYTES):
            return _Relay(upstream, headers, self.base_url)
        try:
            body = b"".join([chunk async for chunk in upstream.aiter_raw()])
        except httpx.TransportError as exc:
            raise self._error(exc) from exc
        finally:
            await upstream.aclose()
        response = Response(body, status_code=upstream.status_code)
        response.raw_headers = headers
        return response

    def _error(self, exc: httpx.TransportError) -> QueryApiError:
        where = f"the query API at {self.base_url}"
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.ConnectError):
            return QueryApiUnavailable(
                f"{where} is unreachable ({reason}); is hearth-query-api running, and does "
                f"{SETTING_HINT} point at it?"
            )
        if isinstance(exc, httpx.PoolTimeout):
            return QueryApiBusy(f"every connection to {where} is in use; try again shortly", retry_after=1)
        if isinstance(exc, httpx.ConnectTimeout):
            return QueryApiTimeout(
                f"{where} did not accept a connection within {self._timeouts['connect']:g} s"
            )
        if isinstance(exc, httpx.TimeoutException):
            return QueryApiTimeout(f"{where} did not answer within {self._timeouts['read']:g} s")
        return QueryApiUnavailable(f"{where} closed the connection without a valid answer ({reason})")


def _request_headers(
    raw: list[tuple[bytes, bytes]], *, has_body: bool, authorization: str | None = None
) -> list[tuple[bytes, bytes]]:
    headers = [(name, value) for name, value in raw if name in FORWARDED_REQUEST_HEADERS]
    if not has_body:
        headers = [(n, v) for n, v in headers if n not in {b"content-length", b"content-encoding"}]
    if authorization is not None:
        headers = [(n, v) for n, v in headers if n != b"authorization"]
        headers.append((b"authorization", authorization.encode()))
    return headers


def _response_headers(raw: list[tuple[bytes, bytes]]) -> tuple[list[tuple[bytes, bytes]], int | None]:
    """The upstream's headers for the client, and its Content-Length if it gave one."""
    headers: list[tuple[bytes, bytes]] = []
    length: int | None = None
    for name, value in raw:
        lower = name.lower()
        if lower in _RESPONSE_SKIP:
            continue
        if lower == b"content-length" and value.isdigit():
            length = int(value)
        headers.append((lower, value))
    return headers, length
