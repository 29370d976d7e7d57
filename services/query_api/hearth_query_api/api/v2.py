"""``POST /v2/query``: Logfire SQL over the token's project, answered as JSON, NDJSON, Arrow or CSV."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hearth_query_api.api.auth import ReadGrant
from hearth_query_api.api.deps import QueryApiDep
from hearth_query_api.api.params import query_request
from hearth_query_api.api.render import respond
from hearth_query_api.api.route import QueryRoute
from hearth_query_api.formats.media import ResultFormat, negotiate


class QueryBody(BaseModel):
    """The body ``LogfireQueryClient`` sends (unknown members are ignored, as by Logfire)."""

    model_config = ConfigDict(extra="ignore")

    sql: str = Field(min_length=1, description="One SELECT in Logfire's SQL dialect.")
    min_timestamp: AwareDatetime = Field(description="Rows at or after this time (start/recorded time).")
    max_timestamp: AwareDatetime | None = Field(default=None, description="Rows before this time.")
    limit: int | None = Field(default=None, description="Most rows returned: default 100, at most 10,000.")
    timezone: str | None = Field(default=None, description="IANA time zone the query runs in.")
    deployment_environment: list[str] | None = Field(
        default=None, description="Keep only these environments; '' means 'no environment set'."
    )
    explain: bool = Field(default=False, description="Also return the logical and physical plans.")
    include_schema: bool = Field(default=False, description="Also return the result schema (JSON).")


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The rows, in the format the Accept header asks for",
        "content": {fmt.value: {} for fmt in ResultFormat},
    },
    400: {"description": "The query cannot be planned or failed (DataFusion's message)"},
    401: {"description": "Missing, unknown, revoked or expired token"},
    403: {"description": "A write token: querying needs a read token"},
    406: {"description": "No result format the Accept header allows"},
    422: {"description": "Invalid request body"},
    429: {"description": "Every query slot is busy; retry after Retry-After"},
    504: {"description": "The query ran past its time limit and was stopped"},
}

router = APIRouter(route_class=QueryRoute, tags=["query"])


@router.post("/v2/query", summary="Run a SQL query", responses=_RESPONSES, response_class=Response)
async def query_v2(body: QueryBody, request: Request, grant: ReadGrant, api: QueryApiDep) -> Response:
    negotiated = negotiate(request.headers.get("accept"))
    checked = query_request(
        sql=body.sql,
        min_timestamp=body.min_timestamp,
        max_timestamp=body.max_timestamp,
        limit=body.limit,
        default_limit=api.default_limit,
        max_limit=api.max_limit,
        timezone=body.timezone,
        environments=body.deployment_environment,
        explain=body.explain,
    )
    started = await api.service.start(grant.project_id, checked)
    return await respond(started, negotiated.format, include_schema=body.include_schema)
