"""``/ui-api/auth/*``: sign in (password or OIDC), sign-up from an invitation, session, sign out.

These routes need no session (they make one); all other ``/ui-api`` routes do. Login takes no CSRF
header (there is no session to bind it to yet); logout does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from hearth_backend.api.schemas import SessionInfo, User
from hearth_backend.auth.csrf import check_csrf
from hearth_backend.auth.deps import SignedIn, optional_session
from hearth_backend.auth.group_roles import apply_group_roles
from hearth_backend.auth.local import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    authenticate,
    hash_new_password,
)
from hearth_backend.auth.oidc import STATE_COOKIE, STATE_COOKIE_PATH, STATE_MAX_AGE_SECONDS, OidcLogin
from hearth_backend.auth.signin import (
    client_ip,
    end_session,
    session_response,
    set_session_cookies,
    start_session,
)
from hearth_backend.errors import (
    AlreadyExists,
    FeatureDisabled,
    InvalidCredentials,
    NotSignedIn,
    ResourceNotFound,
)
from hearth_backend.state import Backend, BackendDep
from hearth_backend.tenancy.invitations import accept_invitation, invalid_invitation, valid_invitation
from hearth_backend.tenancy.users import create_user, ensure_oidc_user, user_with_password

router = APIRouter(prefix="/ui-api/auth", tags=["auth"])

OIDC_LOGIN_PATH = "/ui-api/auth/oidc/login"
OIDC_CALLBACK_PATH = "/ui-api/auth/oidc/callback"
OptionalSession = Annotated[SignedIn | None, Depends(optional_session)]


class OidcConfig(BaseModel):
    enabled: bool
    label: str
    login_url: str


class AuthConfig(BaseModel):
    local_login: bool
    oidc: OidcConfig


class Login(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class Register(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="The token of the invitation link")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    name: str = Field(default="", max_length=200)


def require_local_login(backend: Backend) -> None:
    if not backend.settings.local_login:
        raise FeatureDisabled("password sign-in is disabled on this server; use single sign-on")


def require_oidc(backend: Backend) -> OidcLogin:
    if backend.oidc is None:
        raise ResourceNotFound("single sign-on (OIDC) is not configured on this server")
    return backend.oidc


@router.get("/config", summary="Which sign-in methods this server offers")
async def auth_config(backend: BackendDep) -> AuthConfig:
    settings = backend.settings
    return AuthConfig(
        local_login=settings.local_login,
        oidc=OidcConfig(
            enabled=backend.oidc is not None, label=settings.oidc_label, login_url=OIDC_LOGIN_PATH
        ),
    )


@router.post(
    "/login",
    summary="Sign in with email and password",
    response_model=SessionInfo,
    responses={401: {"description": "Wrong email or password"}, 429: {"description": "Rate-limited"}},
)
async def login(body: Login, request: Request, backend: BackendDep) -> Response:
    require_local_login(backend)
    ip = client_ip(request)
    await backend.login_limiter.attempt(ip, body.email)
    user = await authenticate(backend.db, body.email, body.password)
    if user is None:
        raise InvalidCredentials("wrong email or password")
    await backend.login_limiter.reset(ip, body.email)
    return await session_response(backend, request, user)


@router.post("/logout", status_code=204, summary="Sign out (ends the session everywhere)")
async def logout(request: Request, backend: BackendDep, signed: OptionalSession) -> Response:
    if signed is not None:
        check_csrf(request, signed.session)
    response = Response(status_code=204)
    await end_session(backend, request, response, signed.session if signed else None)
    return response


@router.get("/session", summary="The signed-in user and the CSRF token", response_model=SessionInfo)
async def session(signed: OptionalSession) -> SessionInfo:
    if signed is None:
        raise NotSignedIn("not signed in")
    return SessionInfo(user=User.of(signed.user), csrf_token=signed.session.csrf_token)


@router.get("/oidc/login", summary="Start single sign-on (302 to the identity provider)", status_code=302)
async def oidc_login(
    request: Request,
    backend: BackendDep,
    next: Annotated[
        str | None, Query(description="Where to go after signing in (a path on this site)")
    ] = None,
) -> Response:
    oidc = require_oidc(backend)
    started = await oidc.start(backend.base_url(request) + OIDC_CALLBACK_PATH, next)
    response = RedirectResponse(started.authorization_url, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        started.state_cookie,
        max_age=STATE_MAX_AGE_SECONDS,
        path=STATE_COOKIE_PATH,
        httponly=True,
        secure=backend.https(request),
        samesite="lax",
    )
    return response


@router.get("/oidc/callback", summary="Where the identity provider sends the browser back", status_code=302)
async def oidc_callback(request: Request, backend: BackendDep) -> Response:
    oidc = require_oidc(backend)
    cookie = request.cookies.get(STATE_COOKIE)
    identity = await oidc.finish(dict(request.query_params), cookie)
    user = await ensure_oidc_user(backend.db, identity.email, identity.name)
    await apply_group_roles(backend.db, user.id, backend.settings.oidc_group_roles, identity.groups)
    response = RedirectResponse(oidc.next_path(cookie), status_code=302)
    response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH, httponly=True, samesite="lax")
    set_session_cookies(backend, request, response, await start_session(backend, request, user))
    return response


@router.post(
    "/register",
    status_code=201,
    summary="Create a local account from an invitation link, join, and sign in",
    response_model=SessionInfo,
)
async def register(body: Register, request: Request, backend: BackendDep) -> Response:
    require_local_login(backend)
    found = await valid_invitation(backend.db, body.token)
    if found is None:
        raise invalid_invitation()
    email = found[0].email
    if await user_with_password(backend.db, email) is not None:
        raise AlreadyExists(f"an account with {email} exists already: sign in, then accept the invitation")
    password_hash = await hash_new_password(body.password)
    async with backend.db.acquire() as conn, conn.transaction():
        user = await create_user(conn, email, name=body.name.strip(), password_hash=password_hash)
        await accept_invitation(conn, body.token, user)
    return await session_response(backend, request, user, status_code=201)
