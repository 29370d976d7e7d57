"""The edge route table (DESIGN.md §1), as one pure function of the request path.

=================================  ===========================================================
path                               upstream
=================================  ===========================================================
``^/v1/(traces|logs|metrics)$``    ingest (replica chosen by a hash of ``Authorization``)
``/v2/query``                      query_api
``/auth-api/*``                    dex (404 when no ``dex_url`` is configured)
``/internal`` and ``/internal/*``  refused with 404: never routed publicly
``^/(ui-api|api|v1)/``             backend
``/.well-known/*``                 backend
everything else                    backend (the SPA, with its index.html fallback)
=================================  ===========================================================

``path`` is the decoded path of the request (ASGI ``scope["path"]``). So that the upstream never sees
a different path than the one that was routed, a path with a ``.`` or ``..`` segment is refused
(browsers and HTTP clients resolve these before sending; a library or server further on might resolve
them too, turning ``/api/../internal/x`` into ``/internal/x``), and runs of slashes are collapsed for
the decision, so ``//internal/x`` is recognised as internal.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Upstream(StrEnum):
    """Where a request goes."""

    INGEST = "ingest"
    QUERY_API = "query_api"
    DEX = "dex"
    BACKEND = "backend"
    DENIED = "internal-denied"


INGEST_PATHS = frozenset({"/v1/traces", "/v1/logs", "/v1/metrics"})
QUERY_PATH = "/v2/query"
DEX_PREFIX = "/auth-api/"
INTERNAL_PREFIX = "/internal/"

_SLASHES = re.compile(r"/{2,}")


def _has_dot_segment(path: str) -> bool:
    return any(segment in {".", ".."} for segment in path.split("/"))


def route(path: str) -> Upstream:
    """The upstream that serves ``path`` (decoded, without the query string)."""
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if "/." in path and _has_dot_segment(path):
        return Upstream.DENIED
    if path in INGEST_PATHS:
        return Upstream.INGEST
    if path == QUERY_PATH:
        return Upstream.QUERY_API
    if path.startswith(DEX_PREFIX):
        return Upstream.DEX
    if path.startswith(INTERNAL_PREFIX) or path == "/internal":
        return Upstream.DENIED
    # ^/(ui-api|api|v1)/ and /.well-known/* are backend's, and so is every other path (SPA fallback).
    return Upstream.BACKEND
