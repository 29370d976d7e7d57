"""Real upstreams for gateway tests: a small echo app served by uvicorn on an ephemeral port, in a thread.

The echo app answers every path and method with JSON describing what it received (method, path, raw
query, headers, body length and sha256, and its own name), so a test can tell which upstream a request
reached and exactly how it arrived. Request headers switch on other behaviours:

==========================  ==============================================================================
``x-test-id: <key>``        record the request under ``<key>`` in :data:`LEDGER` (who got it, bytes so far,
                            finished or disconnected), so tests can watch an upload while it is under way
``x-test-sleep: <s>``       wait that long before answering (stops early when the caller hangs up)
``x-test-stream: <n>``      answer with ``n`` bytes in 64 KiB chunks, chunked (no Content-Length)
``x-test-gate: <key>``      with ``x-test-stream``: after the first chunk, wait until the test calls
                            :meth:`Ledger.open_gate` (so a buffering proxy would deadlock, not pass)
``x-test-endless: 1``       stream chunks until the caller hangs up, then record ``disconnected``
``x-test-gzip: 1``          answer with :data:`GZIP_BODY` as ``Content-Encoding: gzip``
``x-test-status: <code>``   answer with that status
``x-test-truncate: <how>``   break off after 10 bytes: ``small`` (Content-Length 1000) or ``stream``
``x-test-headers: <json>``  add these ``[[name, value], …]`` response headers
==========================  ==============================================================================

``GET /health`` answers 200; ``GET /sick/health`` answers 503 (an upstream that is up but unwell).

WebSocket: any path is accepted (with the first offered subprotocol) unless it ends in ``/refuse``
(answered 403 with a body). The first message describes the handshake; then text comes back as
``"echo:" + text`` and bytes as they were. A client close is recorded in the ledger under the
``x-test-id`` of the handshake.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_BODY = gzip.compress(b'{"resourceSpans": []}' * 200, mtime=0)
CHUNK = 64 * 1024
#: How long an upstream waits on a test before giving up; only a guard against hanging forever.
GUARD_SECONDS = 60.0


@dataclass
class Entry:
    upstream: str = ""
    received: int = 0
    finished: bool = False
    disconnected: bool = False


@dataclass
class Ledger:
    """What the upstreams saw, shared across threads (tests run in the main thread, servers in others)."""

    entries: dict[str, Entry] = field(default_factory=dict)
    gates: dict[str, threading.Event] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def update(self, key: str, **values: Any) -> None:
        with self.changed:
            entry = self.entries.setdefault(key, Entry())
            for name, value in values.items():
                setattr(entry, name, value)
            self.changed.notify_all()

    def add_bytes(self, key: str, count: int) -> None:
        with self.changed:
            self.entries.setdefault(key, Entry()).received += count
            self.changed.notify_all()

    def get(self, key: str) -> Entry | None:
        with self.changed:
            entry = self.entries.get(key)
            return None if entry is None else Entry(**vars(entry))

    def wait_for(self, key: str, *, received: int = 0, disconnected: bool = False) -> Entry:
        """Block until the upstream got at least ``received`` bytes (or saw a disconnect) for ``key``."""

        def ready() -> bool:
            entry = self.entries.get(key)
            if entry is None:
                return False
            if disconnected:
                return entry.disconnected
            return entry.received >= received or entry.finished

        with self.changed:
            if not self.changed.wait_for(ready, timeout=GUARD_SECONDS):
                raise TimeoutError(f"upstream never reached the expected state for {key!r}")
            return Entry(**vars(self.entries[key]))

    def gate(self, key: str) -> threading.Event:
        with self.changed:
            return self.gates.setdefault(key, threading.Event())

    def open_gate(self, key: str) -> None:
        self.gate(key).set()


LEDGER = Ledger()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _caller_left_within(receive: Receive, seconds: float) -> bool:
    """Wait ``seconds``, or less if the caller hangs up first (then True)."""
    try:
        await asyncio.wait_for(_wait_disconnect(receive), seconds)
    except TimeoutError:
        return False
    return True


async def _read_body(key: str | None, receive: Receive) -> tuple[int, str] | None:
    """Read the whole request body, recording progress under ``key``: (length, sha256), or None if the
    caller hung up first."""
    digest = hashlib.sha256()
    length = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            if key:
                LEDGER.update(key, disconnected=True)
            return None
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        digest.update(chunk)
        length += len(chunk)
        if key and chunk:
            LEDGER.add_bytes(key, len(chunk))
    if key:
        LEDGER.update(key, finished=True)
    return length, digest.hexdigest()


class EchoApp:
    """The upstream ASGI app; ``name`` tells upstreams apart in answers."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"x-test-id")
        if key:
            LEDGER.update(key, upstream=self.name)
        received = await _read_body(key, receive)
        if received is None:
            return  # the caller hung up mid-body
        if scope["path"] in {"/health", "/sick/health"}:
            status = 200 if scope["path"] == "/health" else 503
            await _send_json(
                send, status, {"status": "ok" if status == 200 else "unwell", "service": self.name}
            )
            return
        sleep = _header(scope, b"x-test-sleep")
        if sleep and await _caller_left_within(receive, float(sleep)):
            return
        status = int(_header(scope, b"x-test-status") or 200)
        extra: list[tuple[bytes, bytes]] = [
            (str(name).lower().encode(), str(value).encode())
            for name, value in json.loads(_header(scope, b"x-test-headers") or "[]")
        ]
        stream = _header(scope, b"x-test-stream")
        truncate = _header(scope, b"x-test-truncate")
        if truncate:
            await _truncated(send, streamed=truncate == "stream")
        elif _header(scope, b"x-test-gzip"):
            await self._gzip(send, status, extra)
        elif _header(scope, b"x-test-endless"):
            await self._endless(key, receive, send, status, extra)
        elif stream:
            await self._stream(int(stream), _header(scope, b"x-test-gate"), send, status, extra)
        else:
            length, sha256 = received
            await _send_json(send, status, self._describe(scope, length, sha256), extra)

    def _describe(self, scope: Scope, length: int, sha256: str) -> dict[str, Any]:
        return {
            "upstream": self.name,
            "method": scope["method"],
            "path": scope["path"],
            "raw_path": (scope.get("raw_path") or b"").decode("latin-1"),
            "query": scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "body_length": length,
            "body_sha256": sha256,
        }

    @staticmethod
    async def _gzip(send: Send, status: int, extra: list[tuple[bytes, bytes]]) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-encoding", b"gzip"),
            (b"content-length", str(len(GZIP_BODY)).encode()),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": GZIP_BODY})

    @staticmethod
    async def _stream(
        total: int, gate: str | None, send: Send, status: int, extra: list[tuple[bytes, bytes]]
    ) -> None:
        headers = [(b"content-type", b"application/octet-stream"), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        sent = 0
        index = 0
        while sent < total:
            size = min(CHUNK, total - sent)
            await send({"type": "http.response.body", "body": stream_chunk(index, size), "more_body": True})
            sent += size
            index += 1
            if gate and index == 1:
                opened = await asyncio.to_thread(LEDGER.gate(gate).wait, GUARD_SECONDS)
                if not opened:
                    raise RuntimeError("the test never read the first chunk: the proxy buffers responses")
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _endless(
        key: str | None, receive: Receive, send: Send, status: int, extra: list[tuple[bytes, bytes]]
    ) -> None:
        headers = [(b"content-type", b"text/event-stream"), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        watcher = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            while not watcher.done():
                await send({"type": "http.response.body", "body": b"data: tick\n\n", "more_body": True})
                await asyncio.wait({watcher}, timeout=0.01)
        finally:
            watcher.cancel()
        if key:
            LEDGER.update(key, disconnected=True)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"x-test-id")
        message = await receive()
        assert message["type"] == "websocket.connect"
        if scope["path"].endswith("/refuse"):
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"text/plain")],
                }
            )
            await send({"type": "websocket.http.response.body", "body": b"no live view for you"})
            return
        offered = [
            p.strip() for p in (_header(scope, b"sec-websocket-protocol") or "").split(",") if p.strip()
        ]
        accept: Message = {"type": "websocket.accept"}
        if offered:
            accept["subprotocol"] = offered[0]
        await send(accept)
        hello = {
            "upstream": self.name,
            "path": scope["path"],
            "query": scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        }
        await send({"type": "websocket.send", "text": json.dumps(hello)})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                if key:
                    LEDGER.update(key, disconnected=True, finished=message.get("code") == 1000)
                return
            if message.get("text") == "close-please":
                await send({"type": "websocket.close", "code": 4001, "reason": "asked to"})
                return
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": "echo:" + message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})


async def _truncated(send: Send, *, streamed: bool) -> None:
    """Break off mid-body; uvicorn then drops the connection (and logs the error)."""
    headers = [(b"content-type", b"application/octet-stream")]
    if not streamed:
        headers.append((b"content-length", b"1000"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"0123456789", "more_body": True})
    raise RuntimeError("upstream broke off on purpose")


def stream_chunk(index: int, size: int) -> bytes:
    """Deterministic response chunk content, so the receiver can check every byte."""
    return bytes([index % 251]) * size


def expected_stream_sha256(total: int) -> str:
    digest = hashlib.sha256()
    sent = index = 0
    while sent < total:
        size = min(CHUNK, total - sent)
        digest.update(stream_chunk(index, size))
        sent += size
        index += 1
    return digest.hexdigest()


async def _send_json(
    send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    if status in {204, 304}:  # no body allowed
        await send({"type": "http.response.start", "status": status, "headers": extra or []})
        await send({"type": "http.response.body", "body": b""})
        return
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": data})


@dataclass
class Served:
    """A running server: its base URL and how to stop it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@contextmanager
def serve(app: ASGIApp, *, lifespan: str = "off") -> Iterator[Served]:
    """Serve ``app`` with uvicorn on 127.0.0.1 and an ephemeral port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan=lifespan,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{port}"
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server failed to start")
            thread.join(0.01)
        yield Served(url=f"http://127.0.0.1:{port}", server=server, thread=thread)
    finally:
        server.should_exit = True
        thread.join(GUARD_SECONDS)
        sock.close()


@contextmanager
def serve_echo(name: str) -> Iterator[Served]:
    with serve(EchoApp(name)) as served:
        yield served


def closed_port_url() -> str:
    """A URL where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
