"""What the routes use, made by the app's lifespan (``app.state.backend``), and the token dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from hearth_backend.query_forward import QueryForwarder
from hearth_shared.auth import require_token
from hearth_shared.token_cache import TokenCache
from hearth_shared.tokens import ResolvedToken


@dataclass(frozen=True, slots=True)
class Backend:
    tokens: TokenCache
    query: QueryForwarder
    #: Configured public URL of Hearth; None: derived from each request (see ``urls.public_base``).
    public_base_url: str | None


def _backend(request: Request) -> Backend:
    state: Backend = request.app.state.backend
    return state


BackendDep = Annotated[Backend, Depends(_backend)]


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
