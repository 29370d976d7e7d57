"""The backend service's app factory.

The lifespan opens the token cache (and its invalidation listener, so a revoked token stops working
here within the cache's bounds), the connection pool to the query API, and the session, login and
device-login machinery on the shared Postgres and Redis. The web UI's catch-all route is added last,
after every API router, so it only answers paths nothing else claims.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from hearth_backend.api import routers, spa
from hearth_backend.auth.device import DeviceLogins
from hearth_backend.auth.oidc import OidcLogin
from hearth_backend.auth.rate_limit import LoginRateLimiter
from hearth_backend.auth.sessions import SessionStore
from hearth_backend.query_forward import QueryForwarder
from hearth_backend.settings import BackendSettings
from hearth_backend.state import Backend
from hearth_backend.tokens import ProjectTokens
from hearth_backend.workspace.suggestions import Suggestions
from hearth_shared.resources import Resources
from hearth_shared.token_cache import TokenCache
from hearth_shared.web import service_app


def oidc_login(settings: BackendSettings) -> OidcLogin | None:
    if settings.oidc_issuer is None or settings.oidc_client_id is None:
        return None
    secret = settings.oidc_client_secret
    return OidcLogin(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=secret.get_secret_value() if secret is not None else None,
        scopes=settings.oidc_scopes,
        groups_claim=settings.oidc_groups_claim,
        secret_key=settings.secret_key.get_secret_value(),
    )


def create_app(settings: BackendSettings | None = None) -> FastAPI:
    settings = settings or BackendSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        # BackendSettings declares Postgres and Redis
        assert resources.db is not None
        assert resources.redis is not None
        async with AsyncExitStack() as stack:
            tokens = TokenCache(resources.db, resources.redis)
            await stack.enter_async_context(tokens.listening())
            forwarder = QueryForwarder(
                settings.query_api_url,
                connect_timeout=settings.query_api_connect_timeout,
                read_timeout=settings.query_api_timeout,
            )
            await stack.enter_async_context(forwarder.running())
            # No readiness check on the query API: the backend serves the UI and tokens without it.
            app.state.backend = Backend(
                tokens=tokens,
                query=forwarder,
                public_base_url=settings.public_base_url,
                db=resources.db,
                settings=settings,
                sessions=SessionStore(
                    resources.redis,
                    settings.secret_key.get_secret_value(),
                    ttl_seconds=settings.session_ttl_seconds,
                ),
                login_limiter=LoginRateLimiter(
                    resources.redis,
                    max_attempts=settings.login_max_attempts,
                    window_seconds=settings.login_window_seconds,
                ),
                device=DeviceLogins(
                    resources.db,
                    resources.redis,
                    code_ttl=timedelta(seconds=settings.device_code_ttl_seconds),
                    user_token_ttl=timedelta(days=settings.user_token_ttl_days),
                    wait_seconds=settings.device_wait_seconds,
                ),
                project_tokens=ProjectTokens(resources.db, tokens),
                oidc=oidc_login(settings),
                redis=resources.redis,
                suggestions=Suggestions(
                    resources.redis,
                    forwarder,
                    settings.secret_key.get_secret_value(),
                    window=timedelta(hours=settings.suggestions_window_hours),
                    cache_seconds=settings.suggestions_cache_seconds,
                ),
            )
            yield

    app = service_app(settings, title="Hearth backend", lifespan=lifespan, routers=routers)
    app.include_router(spa.router(settings.effective_ui_dir))  # last: it answers every other GET
    return app
