"""The proxy in-process (``httpx.ASGITransport``) against real upstream servers."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from hearth_gateway.ingest_ring import IngestRing
from tests.gateway.conftest import GatewayFactory, Upstreams
from tests.gateway.upstreams import GZIP_BODY, LEDGER, closed_port_url

PROBLEM = "application/problem+json"


def header(echo: dict[str, Any], name: str) -> list[str]:
    """Every value the upstream received for ``name``."""
    return [value for key, value in echo["headers"] if key == name]


@pytest.mark.parametrize(
    ("method", "path", "upstream"),
    [
        ("POST", "/v1/traces", "ingest"),
        ("POST", "/v1/logs", "ingest"),
        ("POST", "/v1/metrics", "ingest"),
        ("POST", "/v2/query", "query_api"),
        ("GET", "/auth-api/auth?client_id=hearth", "dex"),
        ("POST", "/auth-api/token", "dex"),
        ("GET", "/ui-api/projects", "backend"),
        ("POST", "/api/orgs", "backend"),
        ("GET", "/v1/query?sql=select+1", "backend"),
        ("GET", "/v1/info", "backend"),
        ("GET", "/.well-known/openid-configuration", "backend"),
        ("GET", "/", "backend"),
        ("GET", "/acme/web/live", "backend"),
        ("DELETE", "/api/tokens/1", "backend"),
        ("PATCH", "/api/projects/1", "backend"),
        ("PUT", "/api/dashboards/1", "backend"),
        ("OPTIONS", "/api/projects", "backend"),
        ("GET", "/docs", "backend"),  # the gateway has no docs of its own to shadow the backend's
        ("GET", "/openapi.json", "backend"),
    ],
)
async def test_each_route_reaches_its_upstream(
    gateway: GatewayFactory, method: str, path: str, upstream: str
) -> None:
    client = await gateway()
    response = await client.request(
        method, path, content=b"{}" if method in {"POST", "PUT", "PATCH"} else None
    )
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["upstream"].split("-")[0] == upstream
    assert echo["method"] == method
    assert echo["path"] == path.partition("?")[0]


async def test_head_request(gateway: GatewayFactory) -> None:
    client = await gateway()
    response = await client.head("/api/projects")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


@pytest.mark.parametrize("path", ["/internal/tokens/resolve", "/internal", "/internal/"])
async def test_internal_paths_are_refused(gateway: GatewayFactory, path: str) -> None:
    client = await gateway()
    key = uuid.uuid4().hex
    response = await client.post(path, content=b"x", headers={"x-test-id": key})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 404
    assert "not routed" in problem["detail"]
    assert LEDGER.get(key) is None  # no upstream saw it


async def test_auth_api_without_dex_is_404(gateway: GatewayFactory) -> None:
    client = await gateway(dex_url=None)
    response = await client.get("/auth-api/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "identity provider" in response.json()["detail"]


async def test_health_and_ready_are_the_gateways_own(gateway: GatewayFactory) -> None:
    client = await gateway()
    response = await client.get("/health")
    assert response.json() == {"status": "ok", "service": "gateway"}


async def test_query_string_preserved_exactly(gateway: GatewayFactory) -> None:
    client = await gateway()
    query = (
        "sql=SELECT%20*%20FROM%20records%20WHERE%20x%20%3D%20'a%26b'"
        "&limit=10&a=1+2&empty=&flag&a=3&t=%E2%9C%93&star=*&tilde=~"
    )
    url = httpx.URL(f"/v1/query?{query}")
    assert url.query.decode() == query  # what the client sends is what we expect upstream
    echo = (await client.get(url)).json()
    assert echo["query"] == query


async def test_encoded_path_preserved(gateway: GatewayFactory) -> None:
    client = await gateway()
    echo = (await client.get("/api/dashboards/a%2Fb/c%20d")).json()
    assert echo["raw_path"] == "/api/dashboards/a%2Fb/c%20d"


async def test_hop_by_hop_request_headers_dropped(gateway: GatewayFactory, upstreams: Upstreams) -> None:
    client = await gateway()
    echo = (
        await client.get(
            "/api/x",
            headers={
                "Connection": "keep-alive, X-Hop-Only",
                "X-Hop-Only": "1",
                "Keep-Alive": "timeout=5",
                "TE": "trailers",
                "Trailer": "X-Checksum",
                "Proxy-Authorization": "Basic c2VjcmV0",
                "Upgrade": "h2c",
                "Expect": "100-continue",
                "X-Kept": "yes",
                "Authorization": "Bearer user-token",
                "Cookie": "session=abc",
            },
        )
    ).json()
    names = {name for name, _ in echo["headers"]}
    for dropped in ("x-hop-only", "keep-alive", "te", "trailer", "proxy-authorization", "upgrade", "expect"):
        assert dropped not in names
    assert header(echo, "connection") in ([], ["keep-alive"])  # only the gateway's own hop, if any
    assert header(echo, "x-kept") == ["yes"]
    assert header(echo, "authorization") == ["Bearer user-token"]
    assert header(echo, "cookie") == ["session=abc"]
    assert header(echo, "host") == [upstreams.backend.url.removeprefix("http://")]


async def test_forwarded_headers_added(gateway: GatewayFactory) -> None:
    client = await gateway()
    echo = (await client.get("/api/x", headers={"X-Forwarded-Proto": "https"})).json()
    assert header(echo, "x-forwarded-for") == ["127.0.0.1"]  # ASGITransport's client address
    assert header(echo, "x-forwarded-proto") == ["http"]  # set by the gateway, not trusted from the client
    assert header(echo, "x-forwarded-host") == ["gateway.test"]
    echo = (await client.get("/api/x", headers={"X-Forwarded-For": "203.0.113.7"})).json()
    assert header(echo, "x-forwarded-for") == ["203.0.113.7, 127.0.0.1"]


async def test_hop_by_hop_response_headers_dropped(gateway: GatewayFactory) -> None:
    client = await gateway()
    extra = [
        ["Keep-Alive", "timeout=5"],
        ["Proxy-Authenticate", "Basic realm=x"],
        ["Connection", "X-Upstream-Hop"],
        ["X-Upstream-Hop", "1"],
        ["X-Upstream-Kept", "1"],
        ["Set-Cookie", "a=1; Path=/"],
        ["Set-Cookie", "b=2; Path=/"],
    ]
    response = await client.get("/api/x", headers={"x-test-headers": json.dumps(extra)})
    assert response.status_code == 200
    for dropped in ("keep-alive", "proxy-authenticate", "x-upstream-hop", "connection"):
        assert dropped not in response.headers
    assert response.headers["x-upstream-kept"] == "1"
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


async def test_upstream_cookies_are_not_kept_by_the_gateway(gateway: GatewayFactory) -> None:
    client = await gateway()
    await client.get("/api/login", headers={"x-test-headers": json.dumps([["Set-Cookie", "session=alice"]])})
    client.cookies.clear()
    echo = (await client.get("/api/me")).json()
    assert header(echo, "cookie") == []


async def test_status_and_body_relayed(gateway: GatewayFactory) -> None:
    client = await gateway()
    response = await client.post("/api/x", content=b"hello", headers={"x-test-status": "418"})
    assert response.status_code == 418
    assert response.json()["body_length"] == 5


async def test_gzip_request_forwarded_byte_identical(gateway: GatewayFactory) -> None:
    client = await gateway()
    response = await client.post(
        "/v1/traces",
        content=GZIP_BODY,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/x-protobuf"},
    )
    echo = response.json()
    assert echo["body_sha256"] == hashlib.sha256(GZIP_BODY).hexdigest()
    assert echo["body_length"] == len(GZIP_BODY)
    assert header(echo, "content-encoding") == ["gzip"]
    assert header(echo, "content-length") == [str(len(GZIP_BODY))]


async def test_gzip_response_relayed_untouched(gateway: GatewayFactory) -> None:
    client = await gateway()
    async with client.stream("GET", "/api/export", headers={"x-test-gzip": "1"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert raw == GZIP_BODY


async def test_content_length_over_the_limit_is_413(gateway: GatewayFactory) -> None:
    client = await gateway(max_request_bytes=1000)
    key = uuid.uuid4().hex
    response = await client.post("/v1/traces", content=b"x" * 1001, headers={"x-test-id": key})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "1000 bytes" in response.json()["detail"]
    assert LEDGER.get(key) is None  # refused before any upstream was contacted
    ok = await client.post("/v1/traces", content=b"x" * 1000)
    assert ok.status_code == 200


async def test_chunked_body_over_the_limit_is_413(gateway: GatewayFactory) -> None:
    client = await gateway(max_request_bytes=100_000)

    async def body() -> Any:
        for _ in range(10):
            yield b"y" * 20_000

    response = await client.post("/v1/logs", content=body())
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_chunked_body_under_the_limit_passes(gateway: GatewayFactory) -> None:
    client = await gateway(max_request_bytes=100_000)
    parts = [b"z" * 30_000, b"w" * 30_000]

    async def body() -> Any:
        for part in parts:
            yield part

    echo = (await client.post("/v1/logs", content=body())).json()
    assert echo["body_sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()
    assert header(echo, "transfer-encoding") == ["chunked"]


async def test_bad_content_length_is_400(gateway: GatewayFactory) -> None:
    client = await gateway()
    request = client.build_request("POST", "/api/x", content=b"abc")
    request.headers["Content-Length"] = "3x"
    response = await client.send(request)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("setting", "path", "name"),
    [("backend_url", "/api/x", "backend"), ("query_api_url", "/v2/query", "query_api")],
)
async def test_upstream_down_is_502_naming_it(
    gateway: GatewayFactory, setting: str, path: str, name: str
) -> None:
    client = await gateway(**{setting: closed_port_url()})
    response = await client.post(path, content=b"{}")
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["detail"].startswith(f"{name} is unreachable")
    assert problem["upstream"] == name


async def test_every_ingest_replica_down_is_502(gateway: GatewayFactory) -> None:
    client = await gateway(ingest_urls=[closed_port_url(), closed_port_url()])
    response = await client.post("/v1/traces", content=b"x", headers={"Authorization": "t"})
    assert response.status_code == 502
    assert response.json()["upstream"] == "ingest"


async def test_slow_upstream_is_504(gateway: GatewayFactory) -> None:
    client = await gateway(upstream_timeout=0.2)
    # The upstream would wait far longer than the timeout; it stops when the gateway hangs up.
    response = await client.get("/api/slow", headers={"x-test-sleep": "30"})
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["upstream"] == "backend"
    assert "did not answer" in problem["detail"]


async def test_upstream_breaking_off_a_small_answer_is_502(gateway: GatewayFactory) -> None:
    client = await gateway()
    # A short answer is read whole before anything is sent, so the client still gets a problem.
    response = await client.get("/api/x", headers={"x-test-truncate": "small"})
    assert response.status_code == 502
    assert response.json()["upstream"] == "backend"


async def test_every_pooled_connection_busy_is_503(gateway: GatewayFactory) -> None:
    client = await gateway(max_connections=1, connect_timeout=0.2)
    key = uuid.uuid4().hex
    slow = asyncio.create_task(client.get("/api/slow", headers={"x-test-sleep": "60", "x-test-id": key}))
    try:
        await asyncio.to_thread(LEDGER.wait_for, key)  # the only connection is now taken
        response = await client.get("/api/x")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert "in use" in response.json()["detail"]
    finally:
        slow.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await slow


async def test_same_token_same_replica_and_tokens_spread(
    gateway: GatewayFactory, upstreams: Upstreams
) -> None:
    client = await gateway()
    ring = IngestRing([upstreams.ingest_a.url, upstreams.ingest_b.url])
    names = {upstreams.ingest_a.url: "ingest-a", upstreams.ingest_b.url: "ingest-b"}
    seen: Counter[str] = Counter()
    for i in range(40):
        token = f"pylf_v1_us_token{i}"
        replicas = {
            (await client.post("/v1/traces", content=b"x", headers={"Authorization": token})).json()[
                "upstream"
            ]
            for _ in range(3)
        }
        assert replicas == {names[ring.pick(token.encode())]}
        seen.update(replicas)
    assert set(seen) == {"ingest-a", "ingest-b"}


async def test_request_without_authorization_goes_to_one_replica(gateway: GatewayFactory) -> None:
    client = await gateway()
    replicas = {(await client.post("/v1/metrics", content=b"x")).json()["upstream"] for _ in range(5)}
    assert len(replicas) == 1


async def test_refused_ingest_replica_is_skipped(gateway: GatewayFactory, upstreams: Upstreams) -> None:
    dead = closed_port_url()
    client = await gateway(ingest_urls=[dead, upstreams.ingest_b.url])
    ring = IngestRing([dead, upstreams.ingest_b.url])
    token = next(f"t{i}" for i in range(1000) if ring.pick(f"t{i}".encode()) == dead)
    response = await client.post("/v1/traces", content=GZIP_BODY, headers={"Authorization": token})
    assert response.status_code == 200
    echo = response.json()
    assert echo["upstream"] == "ingest-b"
    assert echo["body_sha256"] == hashlib.sha256(GZIP_BODY).hexdigest()


async def test_ready_when_every_upstream_answers(gateway: GatewayFactory) -> None:
    client = await gateway()
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {
        "backend": "ok",
        "query_api": "ok",
        "ingest": "ok",
        "dex": "ok",
    }


async def test_ready_while_any_ingest_replica_is(gateway: GatewayFactory, upstreams: Upstreams) -> None:
    """One ingest replica restarting must not take the gateway out: its requests go to the next one."""
    client = await gateway(ingest_urls=[closed_port_url(), upstreams.ingest_b.url])
    assert (await client.get("/ready")).status_code == 200
    client = await gateway(ingest_urls=[closed_port_url(), closed_port_url()])
    response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["ingest"].startswith("no ingest replica is healthy")


async def test_not_ready_when_an_upstream_is_down(gateway: GatewayFactory, upstreams: Upstreams) -> None:
    client = await gateway(
        ingest_urls=[upstreams.ingest_a.url], query_api_url=closed_port_url(), dex_url=None
    )
    response = await client.get("/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["backend"] == "ok"
    assert checks["ingest"] == "ok"
    assert checks["query_api"].startswith("query_api is unreachable")
    assert "dex" not in checks


async def test_not_ready_when_health_is_not_2xx(gateway: GatewayFactory, upstreams: Upstreams) -> None:
    client = await gateway(backend_url=upstreams.backend.url + "/sick")  # /sick/health answers 503
    response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["backend"] == "backend answered 503 on /health"


async def test_upstream_base_path_is_prefixed(gateway: GatewayFactory, upstreams: Upstreams) -> None:
    client = await gateway(backend_url=upstreams.backend.url + "/prefix/")
    echo = (await client.get("/api/x?y=1")).json()
    assert (echo["path"], echo["query"]) == ("/prefix/api/x", "y=1")
