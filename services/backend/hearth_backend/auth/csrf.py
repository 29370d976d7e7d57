"""CSRF protection by double submit, bound to the session.

A state-changing ``/ui-api`` request (anything but GET/HEAD/OPTIONS) must send ``X-CSRF-Token`` equal to
the ``hearth_csrf`` cookie, and that value must be the session's own CSRF token. Another site can make
the browser send our cookies but can neither read them nor set that header; binding the token to the
session also defeats an attacker who can plant a cookie (a sibling subdomain). Server-rendered forms
(the device approval page) send the token as the ``csrf_token`` form field instead of the header.
"""

from __future__ import annotations

import hmac
from typing import Final

from starlette.requests import Request

from hearth_backend.auth.sessions import CSRF_COOKIE, Session
from hearth_backend.errors import CsrfRefused

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER: Final = "x-csrf-token"


def check_csrf(request: Request, session: Session, submitted: str | None = None) -> None:
    """Raise :class:`CsrfRefused` unless ``submitted`` (default: the header) matches cookie and session."""
    token = submitted if submitted is not None else request.headers.get(CSRF_HEADER)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not token:
        raise CsrfRefused(
            "missing X-CSRF-Token header: send the value of the hearth_csrf cookie with every "
            "POST/PUT/PATCH/DELETE"
        )
    if (
        not cookie
        or not hmac.compare_digest(token.encode(), cookie.encode())
        or not hmac.compare_digest(token.encode(), session.csrf_token.encode())
    ):
        raise CsrfRefused("the X-CSRF-Token header does not match this session's CSRF token")
