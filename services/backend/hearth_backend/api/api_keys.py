"""``/ui-api/orgs/{org}/api-keys``: the organization's API keys for the public ``/api/v1`` (org admin).
A new key's text is in the creation answer only; revoking takes effect at the next request."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from hearth_backend.api.tokens import check_expiry
from hearth_backend.auth.deps import OrgAdmin
from hearth_backend.state import BackendDep
from hearth_backend.workspace import api_keys
from hearth_backend.workspace.api_keys import ApiKey, ApiKeyIn, CreatedApiKey

router = APIRouter(prefix="/ui-api/orgs/{org}/api-keys", tags=["api keys"])


@router.get("", summary="The organization's API keys, newest first (hints only; org admin)")
async def list_keys(ctx: OrgAdmin, backend: BackendDep) -> list[ApiKey]:
    return await api_keys.list_keys(backend.db, ctx.organization.id)


@router.post("", status_code=201, summary="Create an API key; its text is shown only now (org admin)")
async def create_key(body: ApiKeyIn, ctx: OrgAdmin, backend: BackendDep) -> CreatedApiKey:
    check_expiry(body.expires_at)
    return await api_keys.create_key(backend.db, ctx.organization.id, body, created_by=ctx.user.id)


@router.delete("/{key_id}", status_code=204, summary="Revoke an API key (org admin)")
async def revoke_key(key_id: uuid.UUID, ctx: OrgAdmin, backend: BackendDep) -> Response:
    await api_keys.revoke_key(backend.db, ctx.organization.id, key_id)
    return Response(status_code=204)
