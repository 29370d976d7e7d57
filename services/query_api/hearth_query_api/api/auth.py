"""Who may query a project: a read token (``Authorization: Bearer <token>`` or the raw token, as the
query client sends it), or another Hearth service's signed internal grant (``HearthInternal ...``,
see :mod:`hearth_shared.internal_auth`) acting for a signed-in user or an alert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from hearth_query_api.api.deps import QueryApiDep
from hearth_shared.auth import require_token
from hearth_shared.errors import Unauthorized
from hearth_shared.internal_auth import is_internal, verify_project_grant


@dataclass(frozen=True, slots=True)
class QueryGrant:
    """The one project a request may read."""

    project_id: uuid.UUID


async def read_grant(request: Request, api: QueryApiDep) -> QueryGrant:
    """401 when missing or invalid, 403 for a write token."""
    authorization = request.headers.get("authorization")
    if is_internal(authorization):
        assert authorization is not None
        project_id = verify_project_grant(api.secret_key, authorization)
        if project_id is None:
            raise Unauthorized("invalid internal grant: it is malformed, forged or expired")
        return QueryGrant(project_id)
    token = await require_token(api.tokens, authorization, "read", purpose="querying")
    return QueryGrant(token.project_id)


ReadGrant = Annotated[QueryGrant, Depends(read_grant)]
