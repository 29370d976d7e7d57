"""What routes use, made once by the app's lifespan and kept at ``app.state.backend``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import redis.asyncio as aioredis
from fastapi import Depends, Request

from hearth_backend.auth.device import DeviceLogins
from hearth_backend.auth.oidc import OidcLogin
from hearth_backend.auth.rate_limit import LoginRateLimiter
from hearth_backend.auth.sessions import SessionStore
from hearth_backend.query_forward import QueryForwarder
from hearth_backend.settings import BackendSettings
from hearth_backend.tokens import ProjectTokens
from hearth_backend.urls import public_base
from hearth_backend.workspace.suggestions import Suggestions
from hearth_shared.db import DatabasePool
from hearth_shared.token_cache import TokenCache


@dataclass(frozen=True, slots=True)
class Backend:
    tokens: TokenCache
    query: QueryForwarder
    #: Configured public URL of Hearth; None: derived from each request (see ``urls.public_base``).
    public_base_url: str | None
    db: DatabasePool
    settings: BackendSettings
    sessions: SessionStore
    login_limiter: LoginRateLimiter
    device: DeviceLogins
    project_tokens: ProjectTokens
    #: None when OIDC is not configured.
    oidc: OidcLogin | None
    redis: aioredis.Redis
    suggestions: Suggestions

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key.get_secret_value()

    def base_url(self, request: Request) -> str:
        return public_base(request, self.public_base_url)

    def https(self, request: Request) -> bool:
        """Whether users reach Hearth over https (then cookies are ``Secure``)."""
        return self.base_url(request).startswith("https://")


def _backend(request: Request) -> Backend:
    state: Backend = request.app.state.backend
    return state


BackendDep = Annotated[Backend, Depends(_backend)]
