"""CORS at the edge: preflights answered by the gateway, allow-origin on proxied responses."""

from __future__ import annotations

import uuid

from tests.gateway.conftest import GatewayFactory
from tests.gateway.upstreams import LEDGER

APP = "https://app.example.com"
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, content-encoding",
}


async def test_allowed_preflight_answered_by_the_gateway(gateway: GatewayFactory) -> None:
    client = await gateway(cors_allow_origins=[APP])
    key = uuid.uuid4().hex
    response = await client.options("/v1/traces", headers={**PREFLIGHT, "x-test-id": key})
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == APP
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == PREFLIGHT["Access-Control-Request-Headers"]
    assert "Origin" in response.headers["vary"]
    assert LEDGER.get(key) is None  # never reached an upstream


async def test_refused_origin_preflight(gateway: GatewayFactory) -> None:
    client = await gateway(cors_allow_origins=[APP])
    response = await client.options("/v1/traces", headers={**PREFLIGHT, "Origin": "https://evil.example.com"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in response.headers
    assert "origin" in response.json()["detail"]


async def test_refused_method_preflight(gateway: GatewayFactory) -> None:
    client = await gateway(cors_allow_origins=[APP])
    response = await client.options("/api/x", headers={**PREFLIGHT, "Access-Control-Request-Method": "TRACE"})
    assert response.status_code == 403
    assert "method" in response.json()["detail"]


async def test_allowed_origin_gets_allow_origin_on_proxied_response(gateway: GatewayFactory) -> None:
    client = await gateway(cors_allow_origins=[APP, "http://localhost:5173"])
    response = await client.post("/v1/traces", content=b"x", headers={"Origin": APP})
    assert response.status_code == 200
    assert response.json()["upstream"].startswith("ingest")
    assert response.headers["access-control-allow-origin"] == APP
    assert "Origin" in response.headers["vary"]


async def test_other_origin_gets_no_allow_origin(gateway: GatewayFactory) -> None:
    client = await gateway(cors_allow_origins=[APP])
    response = await client.get("/api/x", headers={"Origin": "https://evil.example.com"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_any_origin(gateway: GatewayFactory) -> None:
    client = await gateway(cors_allow_origins=["*"])
    preflight = await client.options("/v2/query", headers={**PREFLIGHT, "Origin": "https://x.example"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    response = await client.post("/v2/query", content=b"{}", headers={"Origin": "https://x.example"})
    assert response.headers["access-control-allow-origin"] == "*"


async def test_no_cors_configured_means_same_origin_only(gateway: GatewayFactory) -> None:
    client = await gateway()
    # The preflight is not the gateway's business then: it is passed on, and nothing allows the origin.
    response = await client.options("/api/x", headers=PREFLIGHT)
    assert response.json()["upstream"] == "backend"
    assert "access-control-allow-origin" not in response.headers
    response = await client.get("/api/x", headers={"Origin": APP})
    assert "access-control-allow-origin" not in response.headers
