"""The streaming reverse proxy: one ASGI endpoint that forwards a request to the upstream the route
table names and streams the answer back.

- **Large bodies are never held whole.** A request body is handed to the upstream chunk by chunk as
  the client sends it (:class:`RequestBody`, counting bytes against ``max_request_bytes``); only bodies
  of at most ``SMALL_REQUEST_BYTES`` by ``Content-Length`` (OTLP batches, API calls) are read first and
  sent in one piece (:class:`WholeBody`). The response body is relayed chunk by chunk as the upstream
  sends it (only answers of at most ``SMALL_RESPONSE_BYTES`` by ``Content-Length`` are read first and
  sent in one piece). Bodies stay raw: ``Content-Encoding`` is passed through untouched both ways (OTLP
  bodies are gzip).
- **Headers**: hop-by-hop headers (RFC 9110 §7.6.1, and any a ``Connection`` header lists) are dropped
  both ways; ``Host`` is the upstream's; ``X-Forwarded-For`` gets the client appended,
  ``X-Forwarded-Proto``/``X-Forwarded-Host`` are set. ``Expect`` is answered by the gateway's own HTTP
  server, so it is not forwarded.
- **Failures** become problems naming the upstream: connection refused → 502, no connection or no
  answer in time → 504, pool exhausted → 503. A refused ingest replica is skipped for the next one on
  the ring (the body has not been touched at that point, so nothing is sent twice).
- **Pools**: one ``httpx.AsyncHTTPTransport`` (connection pool) per upstream origin, opened and closed
  by :meth:`Proxy.running` in the app's lifespan. Requests go straight to the pools, not through an
  ``httpx.AsyncClient``: a client would keep upstream ``Set-Cookie`` headers in a jar shared by every
  user, log each request at INFO, and run auth/redirect machinery a proxy does not want.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Final
from urllib.parse import quote, quote_from_bytes, urlsplit

import anyio
import httpx
from starlette.types import Message, Receive, Scope, Send

from hearth_gateway.errors import (
    ClientDisconnected,
    GatewayError,
    GatewayStarting,
    InvalidFraming,
    NoIdentityProvider,
    RequestTooLarge,
    RouteRefused,
    UpstreamBusy,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from hearth_gateway.ingest_ring import IngestRing
from hearth_gateway.routing import Upstream, route
from hearth_gateway.settings import GatewaySettings
from hearth_shared.http_headers import HOP_BY_HOP

logger = logging.getLogger("hearth.gateway.proxy")

Header = tuple[bytes, bytes]
ReadinessCheck = Callable[[], Awaitable[object]]

#: Request headers not copied as they are: hop-by-hop, plus those the gateway sets itself.
_REQUEST_SKIP: Final = HOP_BY_HOP | {
    b"host",
    b"expect",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
#: Response headers not copied: hop-by-hop, and ``Date`` (the gateway's HTTP server writes its own).
_RESPONSE_SKIP: Final = HOP_BY_HOP | {b"date"}
_CHUNKED: Final = (b"transfer-encoding", b"chunked")
_NO_BODY: Final = frozenset({204, 304})
_EMPTY_BODY: Final = httpx.ByteStream(b"")
#: Responses up to this many bytes (by Content-Length) are read whole and sent in one message: fewer
#: sends, and an upstream failing mid-body still gets a problem answer. Longer or open-ended ones (SSE,
#: NDJSON, exports) are streamed chunk by chunk and cancelled as soon as the client hangs up.
SMALL_RESPONSE_BYTES: Final = 64 * 1024
#: Idle pooled connections are dropped before uvicorn's default 5 s keep-alive would close them from
#: the other side (reusing a connection the upstream is closing fails the request).
#: Request bodies up to this many bytes (by Content-Length) are read whole, then sent upstream in one
#: write: a 1000-span OTLP batch arrives in a handful of chunks, and each streamed chunk costs the
#: gateway a trip through httpcore's write path. Held whole, such a body can also go to the next
#: ingest replica when one refuses the connection.
SMALL_REQUEST_BYTES: Final = 4 * 1024 * 1024
KEEPALIVE_EXPIRY_SECONDS: Final = 4.0
READY_TIMEOUT: Final = {"connect": 1.0, "read": 1.5, "write": 1.5, "pool": 1.0}


@dataclass(frozen=True, slots=True)
class Target:
    """One upstream origin and its connection pool."""

    name: str  # "backend", "query_api", "dex", "ingest"
    base_url: str  # scheme://host[:port][/prefix], no trailing slash
    host: bytes  # Host header value for this upstream
    transport: httpx.AsyncHTTPTransport


@dataclass(slots=True)
class _Outgoing:
    """What goes upstream: method, path with query, headers (``Host`` first), body."""

    method: str
    path: str
    headers: list[Header]
    body: RequestBody | WholeBody | None


@dataclass(frozen=True, slots=True)
class _Pools:
    backend: Target
    query_api: Target
    dex: Target | None
    ingest: dict[str, Target]  # by base URL, as the ring names them


class RequestBody(httpx.AsyncByteStream):
    """The client's request body as it arrives, counted against the size limit.

    Raises :class:`RequestTooLarge` as soon as more than ``limit`` bytes have come (the upstream request
    is then abandoned and the client gets 413), :class:`ClientDisconnected` if the client goes away.
    """

    __slots__ = ("_limit", "_receive", "started")

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self.started = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.started = True
        receive, limit = self._receive, self._limit
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientDisconnected("the client closed the connection while sending the body")
            chunk: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            if chunk:
                received += len(chunk)
                if received > limit:
                    raise RequestTooLarge(
                        f"the request body is larger than the {limit} bytes this gateway accepts",
                        limit=limit,
                    )
                yield chunk


class WholeBody(httpx.AsyncByteStream):
    """A small request body, read completely before the upstream request starts."""

    __slots__ = ("_data",)
    started = False  # nothing is consumed by sending it: it can always be sent again

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def _target(name: str, base_url: str, settings: GatewaySettings) -> Target:
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
        keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
    )
    # trust_env=False: HTTP(S)_PROXY variables meant for outbound traffic must not capture upstream calls.
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False, retries=0)
    return Target(
        name=name, base_url=base_url, host=urlsplit(base_url).netloc.encode("ascii"), transport=transport
    )


def _upstream_error(target: Target, exc: httpx.TransportError, timeouts: dict[str, float]) -> GatewayError:
    """The problem for a failed exchange with ``target``."""
    name = target.name
    if isinstance(exc, httpx.ConnectError):
        return UpstreamUnavailable(f"{name} is unreachable: {exc or 'connection refused'}", upstream=name)
    if isinstance(exc, httpx.PoolTimeout):
        return UpstreamBusy(
            f"every connection to {name} is in use; try again shortly", upstream=name, retry_after=1
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return UpstreamTimeout(
            f"{name} did not accept a connection within {timeouts['connect']:g}s", upstream=name
        )
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeout(f"{name} did not answer within {timeouts['read']:g}s", upstream=name)
    return UpstreamUnavailable(
        f"{name} closed the connection without a valid answer: {exc or type(exc).__name__}", upstream=name
    )


def upstream_target(scope: Scope) -> str:
    """The request target as received (raw, still percent-encoded), with the query string."""
    raw: bytes | None = scope.get("raw_path")
    if raw is None:
        path = quote(scope["path"], safe="/:@!$&'()*+,;=-._~")
    else:
        if b"?" in raw:  # some ASGI servers (and httpx's ASGITransport) include the query in raw_path
            raw = raw.split(b"?", 1)[0]
        path = raw.decode("ascii") if raw.isascii() else quote_from_bytes(raw, safe="/%:@!$&'()*+,;=-._~")
    query: bytes = scope["query_string"]
    return f"{path}?{query.decode('latin-1')}" if query else path


def _listed_in_connection(values: list[bytes]) -> set[bytes]:
    """Extra hop-by-hop header names a ``Connection`` header lists (``Connection: keep-alive, X-Hop``)."""
    listed = {token.strip().lower() for value in values for token in value.split(b",")}
    listed -= HOP_BY_HOP
    listed.discard(b"")
    return listed


@dataclass(slots=True)
class Forwarded:
    """A client request's headers as they go upstream (without ``Host``), and what routing needs."""

    headers: list[Header]
    content_length: bytes | None
    authorization: bytes | None
    chunked: bool


def forwarded_headers(scope: Scope) -> Forwarded:
    """Copy the request headers for the upstream: hop-by-hop ones dropped, ``X-Forwarded-*`` added."""
    out = Forwarded(headers=[], content_length=None, authorization=None, chunked=False)
    headers = out.headers
    connection: list[bytes] = []
    host: bytes | None = None
    forwarded_for: bytes | None = None
    for item in scope["headers"]:
        name = item[0]
        if name in _REQUEST_SKIP:
            if name == b"host":
                host = item[1]
            elif name == b"connection":
                connection.append(item[1])
            elif name == b"transfer-encoding":
                out.chunked = True
            elif name == b"x-forwarded-for":
                forwarded_for = item[1] if forwarded_for is None else forwarded_for + b", " + item[1]
            continue
        if name == b"content-length":
            out.content_length = item[1]
        elif name == b"authorization":
            out.authorization = item[1]
        headers.append(item)
    if connection and (listed := _listed_in_connection(connection)):
        headers[:] = [item for item in headers if item[0] not in listed]
        if b"authorization" in listed:
            out.authorization = None
    _add_forwarded(headers, scope, host, forwarded_for)
    return out


def _add_forwarded(
    headers: list[Header], scope: Scope, host: bytes | None, forwarded_for: bytes | None
) -> None:
    """``X-Forwarded-For`` gets the client appended; ``-Proto`` and ``-Host`` are the gateway's view."""
    client = scope.get("client")
    if client:
        peer = client[0].encode("latin-1")
        forwarded_for = peer if forwarded_for is None else forwarded_for + b", " + peer
    if forwarded_for is not None:
        headers.append((b"x-forwarded-for", forwarded_for))
    headers.append((b"x-forwarded-proto", b"https" if scope.get("scheme") in {"https", "wss"} else b"http"))
    if host is not None:
        headers.append((b"x-forwarded-host", host))


def _response_headers(raw: list[Header]) -> tuple[list[Header], int | None]:
    """The upstream's response headers for the client, and its Content-Length if it gave one."""
    headers: list[Header] = []
    connection: list[bytes] = []
    length: int | None = None
    for name, value in raw:
        name = name.lower()  # noqa: PLW2901 - h11 already lowercases; this is for other transports
        if name in _RESPONSE_SKIP:
            if name == b"connection":
                connection.append(value)
            continue
        if name == b"content-length" and value.isdigit():
            length = int(value)
        headers.append((name, value))
    if connection and (listed := _listed_in_connection(connection)):
        headers = [item for item in headers if item[0] not in listed]
    return headers, length


class Proxy:
    """The catch-all ASGI endpoint. Create it with the settings; open its pools with :meth:`running`."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.max_request_bytes = settings.max_request_bytes
        self.ring = IngestRing(settings.ingest_urls)
        self.timeouts: dict[str, float] = {
            "connect": settings.connect_timeout,
            "read": settings.upstream_timeout,
            "write": settings.upstream_timeout,
            "pool": settings.connect_timeout,
        }
        self._extensions: dict[str, Any] = {"timeout": self.timeouts}
        self._pools: _Pools | None = None

    # ------------------------------------------------------------------ lifecycle

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open one connection pool per upstream; close them all on exit."""
        settings = self.settings
        pools = _Pools(
            backend=_target("backend", settings.backend_url, settings),
            query_api=_target("query_api", settings.query_api_url, settings),
            dex=_target("dex", settings.dex_url, settings) if settings.dex_url else None,
            ingest={url: _target("ingest", url, settings) for url in settings.ingest_urls},
        )
        async with AsyncExitStack() as stack:
            for target in self._all_targets(pools):
                await stack.enter_async_context(target.transport)
            self._pools = pools
            try:
                yield
            finally:
                self._pools = None

    @staticmethod
    def _all_targets(pools: _Pools) -> list[Target]:
        targets = [pools.backend, pools.query_api, *pools.ingest.values()]
        if pools.dex is not None:
            targets.append(pools.dex)
        return targets

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """One check per upstream: Hearth services must answer ``GET /health`` with 2xx; Dex must answer
        HTTP at all (its health endpoint's path depends on how it is deployed)."""
        pools = self._pools
        if pools is None:
            raise GatewayStarting("the gateway's connection pools are not open")
        checks: dict[str, ReadinessCheck] = {
            "backend": partial(self._check, pools.backend, "/health"),
            "query_api": partial(self._check, pools.query_api, "/health"),
        }
        # Ready while any ingest replica is: requests for a replica that is down go to the next one on
        # the ring, so one pod restarting must not take every gateway (and the whole site) out.
        checks["ingest"] = partial(self._any_healthy, list(pools.ingest.values()))
        if pools.dex is not None:
            checks["dex"] = partial(self._check, pools.dex, "/", any_answer=True)
        return checks

    async def _any_healthy(self, targets: list[Target]) -> None:
        failures: list[str] = []
        for target in targets:
            try:
                await self._check(target, "/health")
            except GatewayError as exc:  # unreachable, timed out, busy or not 2xx
                failures.append(exc.detail)
            else:
                return
        raise UpstreamUnavailable("no ingest replica is healthy: " + "; ".join(failures), upstream="ingest")

    async def _check(self, target: Target, path: str, *, any_answer: bool = False) -> None:
        request = httpx.Request(
            "GET",
            target.base_url + path,
            headers=[(b"host", target.host)],
            stream=_EMPTY_BODY,
            extensions={"timeout": READY_TIMEOUT},
        )
        try:
            response = await target.transport.handle_async_request(request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise _upstream_error(target, exc, READY_TIMEOUT) from exc
        ok = response.status_code < 500 if any_answer else 200 <= response.status_code < 300
        if not ok:
            raise UpstreamUnavailable(
                f"{target.name} answered {response.status_code} on {path}", upstream=target.name
            )

    # ------------------------------------------------------------------ routing

    def target_for(self, path: str, authorization: bytes | None) -> Target:
        """The upstream for a path (raises for refused paths and absent upstreams)."""
        pools = self._pools
        if pools is None:
            raise GatewayStarting("the gateway is starting or stopping", retry_after=1)
        upstream = route(path)
        if upstream is Upstream.BACKEND:
            return pools.backend
        if upstream is Upstream.INGEST:
            return pools.ingest[self.ring.pick(authorization)]
        if upstream is Upstream.QUERY_API:
            return pools.query_api
        if upstream is Upstream.DEX:
            if pools.dex is None:
                raise NoIdentityProvider(
                    "no identity provider is deployed behind this gateway (dex_url unset)"
                )
            return pools.dex
        raise RouteRefused(f"{path} is not routed by this gateway")

    def _ingest_fallbacks(self, tried: Target, authorization: bytes | None) -> list[Target]:
        pools = self._pools
        if pools is None:
            return []
        return [pools.ingest[url] for url in self.ring.candidates(authorization) if url != tried.base_url]

    # ------------------------------------------------------------------ HTTP

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        forwarded = forwarded_headers(scope)
        target = self.target_for(scope["path"], forwarded.authorization)
        body = await self._request_body(forwarded, receive)
        request = _Outgoing(scope["method"], upstream_target(scope), forwarded.headers, body)
        response = await self._send(target, request, forwarded.authorization)
        await self._relay(target, response, receive, send)

    async def _request_body(self, forwarded: Forwarded, receive: Receive) -> RequestBody | WholeBody | None:
        """The body to send upstream, if the request has one; refuses a too-large Content-Length."""
        limit = self.max_request_bytes
        if forwarded.chunked:
            # Transfer-Encoding wins over Content-Length (RFC 9112 §6.3); the length is counted instead.
            if forwarded.content_length is not None:
                forwarded.headers[:] = [item for item in forwarded.headers if item[0] != b"content-length"]
            forwarded.headers.append(_CHUNKED)
            return RequestBody(receive, limit)
        if forwarded.content_length is None:
            return None
        if not forwarded.content_length.isdigit():
            raise InvalidFraming("Content-Length must be a non-negative integer")
        length = int(forwarded.content_length)
        if length > limit:
            raise RequestTooLarge(
                f"the request body ({length} bytes) is larger than the {limit} bytes this gateway accepts",
                limit=limit,
            )
        if not length:
            return None
        if length <= SMALL_REQUEST_BYTES:
            return WholeBody(b"".join([chunk async for chunk in RequestBody(receive, limit)]))
        return RequestBody(receive, limit)

    async def _send(self, target: Target, request: _Outgoing, authorization: bytes | None) -> httpx.Response:
        headers, body = request.headers, request.body
        headers.insert(0, (b"host", target.host))
        try:
            return await self._exchange(target, request)
        except httpx.ConnectError as exc:
            # Nothing reached the upstream: another ingest replica can take the request instead.
            if target.name != "ingest" or (body is not None and body.started):
                raise _upstream_error(target, exc, self.timeouts) from exc
            first_error = exc
        for fallback in self._ingest_fallbacks(target, authorization):
            logger.warning(
                "ingest replica refused the connection; trying the next one",
                extra={"replica": target.base_url, "next": fallback.base_url},
            )
            headers[0] = (b"host", fallback.host)
            try:
                return await self._exchange(fallback, request)
            except httpx.ConnectError as exc:
                if body is not None and body.started:
                    raise _upstream_error(fallback, exc, self.timeouts) from exc
        raise UpstreamUnavailable(
            f"ingest is unreachable: no replica accepted a connection ({first_error or 'refused'})",
            upstream="ingest",
        ) from first_error

    async def _exchange(self, target: Target, request: _Outgoing) -> httpx.Response:
        outgoing = httpx.Request(
            request.method,
            target.base_url + request.path,
            headers=request.headers,
            stream=_EMPTY_BODY if request.body is None else request.body,
            extensions=self._extensions,
        )
        try:
            return await target.transport.handle_async_request(outgoing)
        except httpx.ConnectError:
            raise  # the caller may try another replica
        except httpx.TransportError as exc:
            raise _upstream_error(target, exc, self.timeouts) from exc

    async def _relay(self, target: Target, response: httpx.Response, receive: Receive, send: Send) -> None:
        """Relay the upstream's answer to the client, then release the upstream connection."""
        try:
            headers, length = _response_headers(response.headers.raw)
            start: Message = {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": headers,
            }
            if (length is not None and length <= SMALL_RESPONSE_BYTES) or response.status_code in _NO_BODY:
                # Bounded and small (most API answers): read it, then send head and body together. An
                # upstream failing mid-body can still get a proper problem, as nothing was sent yet.
                try:
                    body = b"".join([chunk async for chunk in response.aiter_raw()])
                except httpx.TransportError as exc:
                    raise _upstream_error(target, exc, self.timeouts) from exc
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(start)
            failure = None
            async with anyio.create_task_group() as group:
                group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
                failure = await _pump(response, send)
                group.cancel_scope.cancel()
        finally:
            await response.aclose()
        if failure is not None:
            # Headers are out: the only honest signal left is to abort the connection, which raising does.
            raise failure


async def _pump(response: httpx.Response, send: Send) -> Exception | None:
    """Copy a long or open-ended response body chunk by chunk; the error to abort with, if any."""
    message: Message
    try:
        async for chunk in response.aiter_raw():
            message = {"type": "http.response.body", "body": chunk, "more_body": True}
            await send(message)
    except httpx.TransportError as exc:
        logger.warning("upstream response broke off mid-stream: %s", exc or type(exc).__name__)
        return UpstreamUnavailable(f"the upstream response broke off: {exc or type(exc).__name__}")
    except OSError:
        return None  # the client is gone (ASGI servers of spec 2.4+ say so by raising from send)
    await send({"type": "http.response.body", "body": b"", "more_body": False})
    return None


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return
