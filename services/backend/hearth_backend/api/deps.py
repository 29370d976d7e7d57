"""The token dependencies of the SDK routes (``WriteGrant`` / ``ReadGrant``); ``BackendDep`` is
re-exported from :mod:`hearth_backend.state`. People's dependencies (sessions, roles, user tokens)
are in :mod:`hearth_backend.auth.deps`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hearth_backend.state import Backend, BackendDep
from hearth_shared.auth import require_token
from hearth_shared.tokens import ResolvedToken

__all__ = ["Backend", "BackendDep", "ReadGrant", "WriteGrant"]


def _purpose(request: Request) -> str:
    # The route itself is the clearest "why" in a 403: "`GET /v1/schemas` needs a read token".
    return f"`{request.method} {request.url.path}`"


async def write_grant(request: Request, backend: BackendDep) -> ResolvedToken:
    """The project of a write token (what the SDK sends): 401 missing/invalid, 403 for a read token."""
    authorization = request.headers.get("authorization")
    return await require_token(backend.tokens, authorization, "write", purpose=_purpose(request))


async def read_grant(request: Request, backend: BackendDep) -> ResolvedToken:
    """The project of a read token (query client, MCP): 401 missing/invalid, 403 for a write token."""
    authorization = request.headers.get("authorization")
    return await require_token(backend.tokens, authorization, "read", purpose=_purpose(request))


WriteGrant = Annotated[ResolvedToken, Depends(write_grant)]
ReadGrant = Annotated[ResolvedToken, Depends(read_grant)]
