"""``/ui-api/orgs/{org}/projects/{project}/tokens``: a project's write and read tokens.

- list: project read+ (hints only; the text is never shown again);
- create: a read token needs project read+, a write token project write+; the answer carries the
  token text, this one time;
- revoke: the project's admins, or whoever created the token. Effective at once here and, through
  the token cache's invalidation broadcast, within moments at ingest and the query API.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, Field

from hearth_backend.auth.deps import ProjectReader
from hearth_backend.errors import InvalidInput, RoleRequired
from hearth_backend.state import BackendDep
from hearth_backend.tenancy.roles import project_role_at_least
from hearth_shared.tokens import TokenRow

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}/tokens", tags=["tokens"])


class TokenOut(BaseModel):
    id: uuid.UUID
    kind: Literal["write", "read"]
    hint: str = Field(description="The token's first characters, to tell tokens apart")
    description: str
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: TokenRow) -> TokenOut:
        return cls(
            id=row.id,
            kind=row.kind,
            hint=row.hint,
            description=row.description,
            created_by=row.created_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


class CreatedToken(TokenOut):
    token: str = Field(description="The token text; shown only in this answer")


class NewToken(BaseModel):
    kind: Literal["write", "read"]
    description: str = Field(default="", max_length=500)
    expires_at: AwareDatetime | None = None


def check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidInput("expires_at is in the past")


@router.get("", summary="The project's tokens (hints, never the text)")
async def list_tokens(ctx: ProjectReader, backend: BackendDep) -> list[TokenOut]:
    return [TokenOut.of(row) for row in await backend.project_tokens.for_project(ctx.project.id)]


@router.post("", status_code=201, summary="Create a token (read: project read+, write: project write+)")
async def create_token(body: NewToken, ctx: ProjectReader, backend: BackendDep) -> CreatedToken:
    if body.kind == "write" and not project_role_at_least(ctx.role, "write"):
        raise RoleRequired(f"creating a write token needs the write role (or higher); you have {ctx.role}")
    check_expiry(body.expires_at)
    text, row = await backend.project_tokens.create(
        ctx.project.id, body.kind, body.description, created_by=ctx.user.id, expires_at=body.expires_at
    )
    return CreatedToken(**TokenOut.of(row).model_dump(), token=text)


@router.delete("/{token_id}", status_code=204, summary="Revoke a token (project admin, or its creator)")
async def revoke_token(token_id: uuid.UUID, ctx: ProjectReader, backend: BackendDep) -> Response:
    row = await backend.project_tokens.get(ctx.project.id, token_id)
    if ctx.role != "admin" and row.created_by != ctx.user.id:
        raise RoleRequired("revoking a token someone else created needs the project admin role")
    await backend.project_tokens.revoke(ctx.project.id, token_id)
    return Response(status_code=204)
