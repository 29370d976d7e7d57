"""Read tokens: ``Authorization: Bearer <token>`` or the raw token (the query client sends it raw)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hearth_query_api.api.deps import QueryApiDep
from hearth_shared.errors import Forbidden, Unauthorized
from hearth_shared.tokens import ResolvedToken, parse_authorization


async def read_grant(request: Request, api: QueryApiDep) -> ResolvedToken:
    """The project a read token grants: 401 when missing or invalid, 403 for a write token."""
    token = parse_authorization(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized(
            "missing Authorization header: send the project's read token as `Authorization: Bearer <token>` "
            "(or the raw token)"
        )
    grant = await api.tokens.resolve(token, None)
    if grant is None:
        raise Unauthorized("invalid read token: it is unknown, revoked or expired")
    if grant.kind != "read":
        raise Forbidden(
            f"this is a {grant.kind} token, which can only send data; "
            "querying needs a read token of the project"
        )
    return grant


ReadGrant = Annotated[ResolvedToken, Depends(read_grant)]
