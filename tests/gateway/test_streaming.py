"""Streaming through a real gateway server: bodies flow while they are being sent, both ways."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.gateway.conftest import Upstreams, served_gateway
from tests.gateway.upstreams import LEDGER, Served, expected_stream_sha256

MIB = 1024 * 1024
#: How far the upstream may lag behind the client: kernel socket buffers on both hops plus the
#: servers' and clients' own buffers hold a few MiB. A proxy that buffers the body whole would make the
#: upstream lag by the entire body instead, and the upload below would stall (then fail).
ALLOWED_LAG = 16 * MIB


@pytest.fixture(scope="module")
def real_gateway(upstreams: Upstreams) -> Iterator[Served]:
    with served_gateway(upstreams, max_request_bytes=64 * MIB) as served:
        yield served


def chunk(index: int) -> bytes:
    return index.to_bytes(4, "big") * (MIB // 4)


async def paced_body(key: str, chunks: int) -> AsyncIterator[bytes]:
    """Yield 1 MiB chunks, each only once the upstream has received all but ALLOWED_LAG of the previous."""
    for index in range(chunks):
        sent = index * MIB
        if sent > ALLOWED_LAG:
            await asyncio.to_thread(LEDGER.wait_for, key, received=sent - ALLOWED_LAG)
        yield chunk(index)


def body_sha256(chunks: int) -> str:
    digest = hashlib.sha256()
    for index in range(chunks):
        digest.update(chunk(index))
    return digest.hexdigest()


@pytest.mark.parametrize(("chunks", "with_length"), [(50, True), (24, False)])
async def test_upload_streams_through_without_buffering(
    real_gateway: Served, chunks: int, with_length: bool
) -> None:
    key = uuid.uuid4().hex
    headers = {
        "x-test-id": key,
        "Authorization": "pylf_v1_us_streaming",
        "Content-Type": "application/x-protobuf",
    }
    if with_length:
        headers["Content-Length"] = str(chunks * MIB)
    async with httpx.AsyncClient(base_url=real_gateway.url, timeout=120) as client:
        response = await client.post("/v1/traces", content=paced_body(key, chunks), headers=headers)
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["body_length"] == chunks * MIB
    assert echo["body_sha256"] == body_sha256(chunks)
    assert echo["upstream"].startswith("ingest")


async def test_download_streams_through_without_buffering(real_gateway: Served) -> None:
    gate = uuid.uuid4().hex
    total = 20 * MIB
    digest = hashlib.sha256()
    received = 0
    async with (
        httpx.AsyncClient(base_url=real_gateway.url, timeout=120) as client,
        client.stream(
            "GET", "/api/export", headers={"x-test-stream": str(total), "x-test-gate": gate}
        ) as response,
    ):
        assert response.status_code == 200
        assert "content-length" not in response.headers
        async for data in response.aiter_raw():
            if received == 0:
                # The upstream holds the rest back until we have this first chunk: a proxy that waited
                # for the whole body would never deliver it.
                LEDGER.open_gate(gate)
            digest.update(data)
            received += len(data)
    assert received == total
    assert digest.hexdigest() == expected_stream_sha256(total)


async def test_event_stream_relayed_and_client_hangup_reaches_upstream(real_gateway: Served) -> None:
    key = uuid.uuid4().hex
    async with (
        httpx.AsyncClient(base_url=real_gateway.url, timeout=60) as client,
        client.stream("GET", "/api/live", headers={"x-test-endless": "1", "x-test-id": key}) as response,
    ):
        assert response.headers["content-type"] == "text/event-stream"
        events = 0
        async for line in response.aiter_lines():
            events += line == "data: tick"
            if events == 3:
                break
    # The client is gone: the gateway must stop reading the endless upstream stream and hang up on it.
    entry = await asyncio.to_thread(LEDGER.wait_for, key, disconnected=True)
    assert entry.disconnected


async def test_upstream_breaking_off_a_stream_aborts_the_client_connection(real_gateway: Served) -> None:
    # Headers are out already: the client must see a broken response, never a short one that looks whole.
    async with httpx.AsyncClient(base_url=real_gateway.url, timeout=60) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/api/export", headers={"x-test-truncate": "stream"})
        assert (await client.get("/api/x")).status_code == 200


async def test_content_length_over_the_limit_on_a_real_server(upstreams: Upstreams) -> None:
    key = uuid.uuid4().hex
    with served_gateway(upstreams, max_request_bytes=MIB) as gateway:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
            # The gateway answers at once; its server reads and drops the rest, so the client sees the
            # 413 rather than a reset connection. The connection stays usable afterwards.
            response = await client.post("/v1/traces", content=b"x" * (8 * MIB), headers={"x-test-id": key})
            assert response.status_code == 413
            assert response.headers["content-type"] == "application/problem+json"
            again = await client.post("/v1/traces", content=b"x" * 10)
            assert again.status_code == 200
    assert LEDGER.get(key) is None


async def test_chunked_over_the_limit_on_a_real_server(upstreams: Upstreams) -> None:
    key = uuid.uuid4().hex

    async def body() -> AsyncIterator[bytes]:
        for index in range(8):
            yield chunk(index)

    with served_gateway(upstreams, max_request_bytes=3 * MIB) as gateway:
        async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
            response = await client.post("/v1/traces", content=body(), headers={"x-test-id": key})
            assert response.status_code == 413
            assert response.headers["content-type"] == "application/problem+json"
            assert "3145728 bytes" in response.json()["detail"]
            again = await client.post("/v1/traces", content=b"x" * 10)
            assert again.status_code == 200
    # The upstream got part of the body, then the gateway abandoned the request: it never finished.
    entry = LEDGER.get(key)
    assert entry is None or not entry.finished


def raw_request(served: Served, target: str, method: str = "GET") -> bytes:
    """Send a request line exactly as written (HTTP clients would normalise these paths)."""
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while part := sock.recv(65536):
            data += part
    return data


@pytest.mark.parametrize(
    "target",
    ["//internal/tokens", "/api/../internal/tokens", "/api/%2e%2e/internal/tokens", "/internal%2Ftokens"],
)
def test_tricky_internal_paths_refused(real_gateway: Served, target: str) -> None:
    answer = raw_request(real_gateway, target)
    assert answer.startswith(b"HTTP/1.1 404 "), answer[:200]
    assert b"application/problem+json" in answer


def test_head_on_a_real_server(real_gateway: Served) -> None:
    answer = raw_request(real_gateway, "/api/x", method="HEAD")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"content-length: " in head.lower()
    assert body == b""


def test_no_content_on_a_real_server(real_gateway: Served) -> None:
    with socket.create_connection(("127.0.0.1", real_gateway.port)) as sock:
        sock.sendall(
            b"GET /api/x HTTP/1.1\r\nHost: gateway\r\nx-test-status: 204\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while part := sock.recv(65536):
            answer += part
    assert answer.startswith(b"HTTP/1.1 204 ")
