"""What the ``logfire`` SDK, its query client and logfire-mcp ask with a project token.

- ``GET /v1/info`` (write token): the SDK's token check at ``configure()`` → ``{"project_name",
  "project_url"}``; the SDK prints ``project_url`` and needs both keys.
- ``GET /v1/read-token-info`` (read token; ``/api/read-token-info`` for logfire-mcp ≤0.6): the
  query client's ``info()`` reads ``organization_name`` and ``project_name``.
- ``GET /v1/schemas`` (read token): the tables users query, from :mod:`hearth_shared.schema`.

Names on the wire are Hearth's slugs: in Logfire an organization's and a project's "name" is the
identifier used in URLs and CLI arguments (``logfire read-tokens --project org/project``, the
``{base_url}/{org}/{project}`` links logfire-mcp builds), which is what a slug is here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hearth_backend.api.deps import BackendDep, ReadGrant, WriteGrant
from hearth_backend.urls import project_url, public_base
from hearth_shared.schema import schemas_document

router = APIRouter(tags=["sdk"])

_TOKEN_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"description": "Missing, unknown, revoked or expired token"},
    403: {"description": "A token of the other kind (write vs read)"},
}
# Static: rendered once, sent as bytes.
_SCHEMAS: Final = orjson.dumps(schemas_document())


class ProjectInfo(BaseModel):
    project_name: str = Field(description="The project's slug")
    project_url: str = Field(description="The project's page in the web UI")


class ReadTokenInfo(BaseModel):
    token_id: str
    organization_id: str
    organization_name: str = Field(description="The organization's slug")
    project_id: str
    project_name: str = Field(description="The project's slug")
    expires_at: datetime | None


@router.get(
    "/v1/info",
    summary="The project of a write token (the SDK's token check)",
    response_model=ProjectInfo,
    responses=_TOKEN_ERRORS,
)
async def info(request: Request, grant: WriteGrant, backend: BackendDep) -> ProjectInfo:
    base = public_base(request, backend.public_base_url)
    return ProjectInfo(
        project_name=grant.project_slug,
        project_url=project_url(base, grant.organization_slug, grant.project_slug),
    )


@router.get(
    "/v1/read-token-info",
    summary="The project a read token reads",
    response_model=ReadTokenInfo,
    responses=_TOKEN_ERRORS,
)
@router.get("/api/read-token-info", include_in_schema=False, response_model=ReadTokenInfo)
async def read_token_info(grant: ReadGrant) -> ReadTokenInfo:
    return ReadTokenInfo(
        token_id=str(grant.token_id),
        organization_id=str(grant.organization_id),
        organization_name=grant.organization_slug,
        project_id=str(grant.project_id),
        project_name=grant.project_slug,
        expires_at=grant.expires_at,
    )


@router.get(
    "/v1/schemas",
    summary="The queryable tables and their columns",
    description=(
        'JSON: `{"tables": [{"name", "description", "schema": {column: {"data_type", "nullable", '
        '"description"}}}]}` with SQL type names (`TEXT`, `TIMESTAMP WITH TIME ZONE`…).'
    ),
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **_TOKEN_ERRORS},
)
async def schemas(grant: ReadGrant) -> Response:
    del grant  # required (a read token), not used: every project has the same tables
    return Response(_SCHEMAS, media_type="application/json")
