"""Read tokens: ``Authorization: Bearer <token>`` or the raw token (the query client sends it raw)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hearth_query_api.api.deps import QueryApiDep
from hearth_shared.auth import require_token
from hearth_shared.tokens import ResolvedToken


async def read_grant(request: Request, api: QueryApiDep) -> ResolvedToken:
    """The project a read token grants: 401 when missing or invalid, 403 for a write token."""
    return await require_token(api.tokens, request.headers.get("authorization"), "read", purpose="querying")


ReadGrant = Annotated[ResolvedToken, Depends(read_grant)]
