"""The pure route table (DESIGN.md §1)."""

from __future__ import annotations

import pytest

from hearth_gateway.routing import Upstream, route

TABLE = [
    ("/v1/traces", Upstream.INGEST),
    ("/v1/logs", Upstream.INGEST),
    ("/v1/metrics", Upstream.INGEST),
    ("/v2/query", Upstream.QUERY_API),
    ("/auth-api/", Upstream.DEX),
    ("/auth-api/token", Upstream.DEX),
    ("/auth-api/.well-known/openid-configuration", Upstream.DEX),
    ("/ui-api/projects", Upstream.BACKEND),
    ("/api/orgs/acme", Upstream.BACKEND),
    ("/v1/query", Upstream.BACKEND),
    ("/v1/info", Upstream.BACKEND),
    ("/v1/traces/extra", Upstream.BACKEND),  # only the exact OTLP paths are ingest's
    ("/v1/tracesx", Upstream.BACKEND),
    ("/v1/traces/", Upstream.BACKEND),
    ("/v2/query/", Upstream.BACKEND),
    ("/v2/queryx", Upstream.BACKEND),
    ("/.well-known/openid-configuration", Upstream.BACKEND),
    ("/", Upstream.BACKEND),
    ("/acme/project/live", Upstream.BACKEND),
    ("/assets/index-abc.js", Upstream.BACKEND),
    ("/auth-api", Upstream.BACKEND),
    ("/internals", Upstream.BACKEND),
    ("/internal", Upstream.DENIED),
    ("/internal/", Upstream.DENIED),
    ("/internal/tokens/resolve", Upstream.DENIED),
    ("//internal/tokens", Upstream.DENIED),
    ("/api/../internal/tokens", Upstream.DENIED),
    ("/api/./x", Upstream.DENIED),
    ("/..", Upstream.DENIED),
    ("//v1//traces", Upstream.INGEST),
    ("/v1/..traces", Upstream.BACKEND),  # "..traces" is a name, not a dot segment
]


@pytest.mark.parametrize(("path", "expected"), TABLE)
def test_route_table(path: str, expected: Upstream) -> None:
    assert route(path) is expected


def test_every_upstream_is_reachable_from_the_table() -> None:
    assert {expected for _, expected in TABLE} == set(Upstream)
