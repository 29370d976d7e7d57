"""Approving a ``logfire auth`` device login in the browser.

- ``GET /device?code=BCDF-GHJK``: the page the CLI prints. Signed in: the request (machine name, code)
  and Approve / Deny buttons. Not signed in: a password form (when local sign-in is on) and a
  single-sign-on link that come back here.
- ``POST /device``: the decision, a form POST carrying the session's CSRF token (``csrf_token`` field,
  checked against the ``hearth_csrf`` cookie and the session).
- ``POST /device/login``: the page's password form (same rate limit as ``/ui-api/auth/login``).
- ``GET /ui-api/device/{user_code}``, ``POST .../approve``, ``POST .../deny``: the same for the web UI.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Annotated, Final
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from hearth_backend.api.auth import OIDC_LOGIN_PATH
from hearth_backend.auth.csrf import check_csrf
from hearth_backend.auth.deps import CurrentUser, SignedIn, optional_session
from hearth_backend.auth.device import DeviceRequest, DeviceState
from hearth_backend.auth.local import authenticate
from hearth_backend.auth.signin import client_ip, set_session_cookies, start_session
from hearth_backend.errors import InvalidCredentials, InvalidInput, NotSignedIn
from hearth_backend.state import Backend, BackendDep
from hearth_shared.errors import HearthError, UnsupportedMediaType

router = APIRouter(tags=["device login"])
ui_router = APIRouter(prefix="/ui-api/device", tags=["device login"])

PAGE_PATH: Final = "/device"
MAX_FORM_BYTES: Final = 8192
OptionalSession = Annotated[SignedIn | None, Depends(optional_session)]


class DeviceRequestOut(BaseModel):
    user_code: str
    machine_name: str
    created_at: datetime
    expires_at: datetime
    state: DeviceState

    @classmethod
    def of(cls, request: DeviceRequest) -> DeviceRequestOut:
        return cls(
            user_code=request.user_code,
            machine_name=request.machine_name,
            created_at=request.created_at,
            expires_at=request.expires_at,
            state=request.state,
        )


# ---------------------------------------------------------------------------- /ui-api/device


@ui_router.get("/{user_code}", summary="A device login waiting for approval")
async def describe(user_code: str, user: CurrentUser, backend: BackendDep) -> DeviceRequestOut:
    del user  # any signed-in user may look: approving grants only their own access
    return DeviceRequestOut.of(await backend.device.describe(user_code))


@ui_router.post("/{user_code}/approve", summary="Approve: the CLI receives a user token of yours")
async def approve(user_code: str, user: CurrentUser, backend: BackendDep) -> DeviceRequestOut:
    return DeviceRequestOut.of(await backend.device.decide(user_code, user.id, approve=True))


@ui_router.post("/{user_code}/deny", summary="Deny the device login")
async def deny(user_code: str, user: CurrentUser, backend: BackendDep) -> DeviceRequestOut:
    return DeviceRequestOut.of(await backend.device.decide(user_code, user.id, approve=False))


# ---------------------------------------------------------------------------- the /device page

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}"
    "code{font-size:1.4rem;letter-spacing:.1em}"
    "button,input{font-size:1rem;padding:.4rem .8rem;margin:.2rem 0}"
    "input{width:100%;box-sizing:border-box}.error{color:#b00020}"
)


def _page(title: str, body: str, *, status_code: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)} · Hearth</title>"
        f'<meta name=viewport content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    response.headers["x-frame-options"] = "DENY"  # no clickjacking of the Approve button
    return response


def _here(code: str) -> str:
    return f"{PAGE_PATH}?{urlencode({'code': code})}"


def _sign_in_page(backend: Backend, code: str, error: str | None = None) -> HTMLResponse:
    parts = ["<p>Sign in to approve the <code>logfire</code> CLI's login.</p>"]
    if error:
        parts.append(f"<p class=error>{escape(error)}</p>")
    if backend.settings.local_login:
        parts.append(
            f'<form method=post action="{PAGE_PATH}/login">'
            f'<input type=hidden name=code value="{escape(code)}">'
            "<label>Email <input name=email type=email autocomplete=username required></label>"
            "<label>Password <input name=password type=password autocomplete=current-password required>"
            "</label>"
            "<button type=submit>Sign in</button></form>"
        )
    if backend.oidc is not None:
        link = f"{OIDC_LOGIN_PATH}?{urlencode({'next': _here(code)})}"
        parts.append(f'<p><a href="{escape(link)}">{escape(backend.settings.oidc_label)}</a></p>')
    return _page("Sign in", "".join(parts), status_code=401 if error else 200)


def _request_page(request: DeviceRequest, signed: SignedIn) -> HTMLResponse:
    machine = escape(request.machine_name) or "an unnamed machine"
    if request.state != "pending":
        return _page(
            "Device login", f"<p>This login is {request.state}. Run <code>logfire auth</code> again.</p>"
        )
    body = (
        f"<p>The <code>logfire</code> CLI on <b>{machine}</b> asks to act as "
        f"<b>{escape(signed.user.email)}</b>.</p>"
        f"<p>Code: <code>{escape(request.user_code)}</code></p>"
        f'<form method=post action="{PAGE_PATH}">'
        f'<input type=hidden name=code value="{escape(request.user_code)}">'
        f'<input type=hidden name=csrf_token value="{escape(signed.session.csrf_token)}">'
        "<button type=submit name=decision value=approve>Approve</button> "
        "<button type=submit name=decision value=deny>Deny</button></form>"
    )
    return _page("Approve device login", body)


@router.get(PAGE_PATH, summary="The device-login approval page (HTML)", response_class=HTMLResponse)
async def device_page(
    backend: BackendDep, signed: OptionalSession, code: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    if signed is None:
        return _sign_in_page(backend, code)
    try:
        found = await backend.device.describe(code)
    except HearthError as exc:
        return _page("Device login", f"<p class=error>{escape(exc.detail)}</p>", status_code=exc.status)
    return _request_page(found, signed)


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the page's forms), last value of each field."""
    if (
        request.headers.get("content-type", "").split(";", 1)[0].strip()
        != "application/x-www-form-urlencoded"
    ):
        raise UnsupportedMediaType("send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidInput("the form is too large")
    return {key: values[-1] for key, values in parse_qs(body.decode(errors="replace")).items()}


@router.post(PAGE_PATH, summary="Approve or deny from the device page (form, CSRF-protected)")
async def device_decision(request: Request, backend: BackendDep, signed: OptionalSession) -> Response:
    if signed is None:
        raise NotSignedIn("not signed in")
    form = await read_form(request)
    check_csrf(request, signed.session, submitted=form.get("csrf_token", ""))
    decision = form.get("decision")
    if decision not in {"approve", "deny"}:
        raise InvalidInput("decision must be approve or deny")
    decided = await backend.device.decide(form.get("code", ""), signed.user.id, approve=decision == "approve")
    if decided.state == "approved":
        return _page("Device approved", "<p>Done: return to your terminal, the CLI is signed in.</p>")
    return _page("Device denied", "<p>The CLI's login was denied.</p>")


@router.post(f"{PAGE_PATH}/login", summary="The device page's password form")
async def device_login(request: Request, backend: BackendDep) -> Response:
    form = await read_form(request)
    code, email, password = form.get("code", ""), form.get("email", ""), form.get("password", "")
    if not backend.settings.local_login:
        return _sign_in_page(backend, code, "Password sign-in is disabled on this server.")
    ip = client_ip(request)
    try:
        await backend.login_limiter.attempt(ip, email)
    except HearthError as exc:
        return _sign_in_page(backend, code, exc.detail)
    user = await authenticate(backend.db, email, password)
    if user is None:
        return _sign_in_page(backend, code, InvalidCredentials("wrong email or password").detail)
    await backend.login_limiter.reset(ip, email)
    # 303: the browser GETs the page again, now signed in.
    response = RedirectResponse(f"{PAGE_PATH}?code={quote(code)}", status_code=303)
    set_session_cookies(backend, request, response, await start_session(backend, request, user))
    return response
