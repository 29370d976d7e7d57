"""``GET /v1/query`` (logfire ≤4.34 and scripts); ``/v1/read-token-info`` is the backend's.

``/v1/query`` takes ``sql``, ``min_timestamp``, ``max_timestamp``, ``limit`` and ``json_rows=true``
(``row_oriented=true`` is accepted too) as query parameters. JSON is column-oriented
``{"columns": [{"name", "datatype", "nullable", "values"}]}``, or ``{"columns": [...], "rows": [...]}``
when row-oriented; CSV and Arrow as on ``/v2/query``. With no ``min_timestamp`` every row is in range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hearth_query_api.api.auth import ReadGrant
from hearth_query_api.api.deps import QueryApiDep
from hearth_query_api.api.params import query_request
from hearth_query_api.api.render import JsonShape, respond
from hearth_query_api.api.route import QueryRoute
from hearth_query_api.formats.media import negotiate

#: The lower bound when a legacy request gives none: every stored row.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

router = APIRouter(route_class=QueryRoute, tags=["query"])


@router.get("/v1/query", summary="Run a SQL query (legacy)", response_class=Response)
async def query_v1(
    *,
    request: Request,
    grant: ReadGrant,
    api: QueryApiDep,
    sql: Annotated[str, Query(min_length=1)],
    min_timestamp: datetime | None = None,
    max_timestamp: datetime | None = None,
    limit: int | None = None,
    json_rows: bool = False,
    row_oriented: bool = False,
) -> Response:
    negotiated = negotiate(request.headers.get("accept"))
    checked = query_request(
        sql=sql,
        min_timestamp=min_timestamp or EPOCH,
        max_timestamp=max_timestamp,
        limit=limit,
        default_limit=api.default_limit,
        max_limit=api.max_limit,
    )
    started = await api.service.start(grant.project_id, checked)
    shape: JsonShape = "v1_rows" if json_rows or row_oriented else "v1_columns"
    return await respond(started, negotiated.format, include_schema=True, json_shape=shape)
