"""Starting and ending a browser session (shared by password, OIDC, invitation sign-up and the device
page's sign-in form)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hearth_backend.auth.sessions import SESSION_COOKIE, Session, clear_cookies
from hearth_backend.state import Backend
from hearth_backend.tenancy.rows import UserRow


def client_ip(request: Request) -> str:
    """The client's address as uvicorn sees it (behind the gateway: from ``X-Forwarded-For``, which
    uvicorn trusts only from ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by default)."""
    return request.client.host if request.client is not None else "unknown"


async def start_session(backend: Backend, request: Request, user: UserRow) -> Session:
    """A fresh session for ``user``; any session the browser had is ended first (no session fixation)."""
    previous = await backend.sessions.load(request.cookies.get(SESSION_COOKIE))
    if previous is not None:
        await backend.sessions.destroy(previous.id)
    return await backend.sessions.create(user.id)


def set_session_cookies(backend: Backend, request: Request, response: Response, session: Session) -> None:
    backend.sessions.set_cookies(response, session, secure=backend.https(request))


async def session_response(
    backend: Backend, request: Request, user: UserRow, *, status_code: int = 200
) -> Response:
    """``{"user", "csrf_token"}`` of a fresh session, with its cookies."""
    session = await start_session(backend, request, user)
    response = JSONResponse(
        {"user": user_json(user), "csrf_token": session.csrf_token}, status_code=status_code
    )
    set_session_cookies(backend, request, response, session)
    return response


def user_json(user: UserRow) -> dict[str, Any]:
    return {"id": str(user.id), "email": user.email, "name": user.name, "is_admin": user.is_admin}


async def end_session(
    backend: Backend, request: Request, response: Response, session: Session | None
) -> None:
    if session is not None:
        await backend.sessions.destroy(session.id)
    clear_cookies(response, secure=backend.https(request))
