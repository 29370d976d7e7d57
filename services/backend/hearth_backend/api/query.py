"""``GET /v1/query`` (legacy clients and scripts) and ``POST /v2/query``: relayed to the query API.

The query API checks the read token, runs the query and shapes the answer (or the error, as
problem+json when the client accepts it); see :mod:`hearth_backend.query_forward`. ``/v2/query``
normally goes from the gateway to the query API directly; it is relayed here for clients given the
backend's URL as their ``base_url``.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request, Response

from hearth_backend.api.deps import BackendDep

router = APIRouter(tags=["query"])

_RELAYED: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The query API's answer, relayed unchanged (JSON, CSV or Arrow by `Accept`)",
        "content": {"application/json": {}, "text/csv": {}, "application/vnd.apache.arrow.stream": {}},
    },
    502: {"description": "The query API is unreachable or broke off"},
    503: {"description": "Every connection to the query API is busy (Retry-After)"},
    504: {"description": "The query API did not answer in time"},
}
_V1_PARAMETERS: Final = [
    {"name": "sql", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "min_timestamp", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "max_timestamp", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
    {"name": "json_rows", "in": "query", "schema": {"type": "boolean"}},
    {"name": "row_oriented", "in": "query", "schema": {"type": "boolean"}},
]


@router.get(
    "/v1/query",
    summary="Run a SQL query (legacy; relayed to the query API)",
    response_class=Response,
    responses=_RELAYED,
    openapi_extra={"parameters": _V1_PARAMETERS},
)
async def query_v1(request: Request, backend: BackendDep) -> Response:
    return await backend.query.forward(request, "/v1/query")


@router.post(
    "/v2/query",
    summary="Run a SQL query (relayed to the query API)",
    response_class=Response,
    responses=_RELAYED,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    },
)
async def query_v2(request: Request, backend: BackendDep) -> Response:
    return await backend.query.forward(request, "/v2/query")
