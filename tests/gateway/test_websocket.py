"""WebSocket pass-through on a real gateway server (ASGITransport has no WebSockets)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from hearth_gateway.websocket_proxy import sendable_close_code
from tests.gateway.conftest import Upstreams, served_gateway
from tests.gateway.upstreams import LEDGER, Served, closed_port_url


@pytest.fixture(scope="module")
def real_gateway(upstreams: Upstreams) -> Iterator[Served]:
    with served_gateway(upstreams) as served:
        yield served


def ws_url(served: Served, path: str) -> str:
    return "ws" + served.url.removeprefix("http") + path


async def test_messages_flow_both_ways(real_gateway: Served) -> None:
    async with connect(
        ws_url(real_gateway, "/ui-api/live?project=acme&q=level%3E%3D9"),
        subprotocols=[Subprotocol("hearth.live.v1"), Subprotocol("other")],
        additional_headers={"Cookie": "session=abc", "Authorization": "Bearer u"},
        origin=None,
    ) as ws:
        assert ws.subprotocol == "hearth.live.v1"
        hello = json.loads(await ws.recv())
        assert hello["upstream"] == "backend"
        assert hello["path"] == "/ui-api/live"
        assert hello["query"] == "project=acme&q=level%3E%3D9"
        headers = dict(hello["headers"])
        assert headers["cookie"] == "session=abc"
        assert headers["authorization"] == "Bearer u"
        assert headers["x-forwarded-for"] == "127.0.0.1"
        assert headers["x-forwarded-host"] == real_gateway.url.removeprefix("http://")
        await ws.send("ping")
        assert await ws.recv() == "echo:ping"
        await ws.send(b"\x00\x01binary")
        assert await ws.recv() == b"\x00\x01binary"


async def test_upstream_close_reaches_the_client(real_gateway: Served) -> None:
    async with connect(ws_url(real_gateway, "/ui-api/live")) as ws:
        await ws.recv()
        await ws.send("close-please")
        with pytest.raises(ConnectionClosed) as caught:
            await ws.recv()
    assert caught.value.rcvd is not None
    assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (4001, "asked to")


async def test_client_close_reaches_the_upstream(real_gateway: Served) -> None:
    key = uuid.uuid4().hex
    async with connect(ws_url(real_gateway, "/ui-api/live"), additional_headers={"x-test-id": key}) as ws:
        await ws.recv()
    entry = await asyncio.to_thread(LEDGER.wait_for, key, disconnected=True)
    assert entry.finished  # the upstream saw a normal close (1000), not a dropped connection


async def test_upstream_refusal_is_relayed(real_gateway: Served) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(ws_url(real_gateway, "/ui-api/live/refuse")):
            pass
    assert caught.value.response.status_code == 403
    assert caught.value.response.body == b"no live view for you"


async def test_internal_websocket_refused(real_gateway: Served) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(ws_url(real_gateway, "/internal/live")):
            pass
    assert caught.value.response.status_code == 404
    assert caught.value.response.headers["content-type"] == "application/problem+json"


async def test_upstream_down_is_502(upstreams: Upstreams) -> None:
    with (
        served_gateway(upstreams, backend_url=closed_port_url()) as gateway,
        pytest.raises(InvalidStatus) as caught,
    ):
        async with connect(ws_url(gateway, "/ui-api/live")):
            pass
    assert caught.value.response.status_code == 502
    problem = json.loads(caught.value.response.body or b"{}")
    assert problem["upstream"] == "backend"
    assert problem["detail"].startswith("backend is unreachable")


@pytest.mark.parametrize(
    ("code", "expected"),
    [(1000, 1000), (1001, 1001), (1005, 1000), (1006, 1014), (1015, 1014), (1004, 1014), (2999, 1014),
     (3000, 3000), (4001, 4001), (5000, 1014)],
)  # fmt: skip
def test_close_codes_relayed_only_when_sendable(code: int, expected: int) -> None:
    assert sendable_close_code(code, 1014) == expected
