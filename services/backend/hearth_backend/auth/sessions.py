"""Browser sessions: a signed, HttpOnly cookie naming a session that lives in Redis.

The cookie ``hearth_session`` holds the session id signed with ``secret_key`` (itsdangerous, with a
timestamp checked against ``session_ttl_seconds``); Redis holds ``hearth:session:<id>`` → the user and
the session's CSRF token, expiring at the same time. Keeping the record server-side is what makes
logout real: the cookie of a signed-out session stops working everywhere at once, on every replica.

The readable cookie ``hearth_csrf`` carries the session's CSRF token for the double-submit check
(:mod:`.csrf`). Both cookies are ``SameSite=Lax`` and ``Secure`` when Hearth is reached over https.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Final

import orjson
import redis.asyncio as aioredis
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

SESSION_COOKIE: Final = "hearth_session"
CSRF_COOKIE: Final = "hearth_csrf"
KEY_PREFIX: Final = "hearth:session:"
_SALT: Final = "hearth.session"


@dataclass(frozen=True)
class Session:
    id: str
    user_id: uuid.UUID
    csrf_token: str


class SessionStore:
    def __init__(self, redis: aioredis.Redis, secret_key: str, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._signer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        self.ttl_seconds = ttl_seconds

    async def create(self, user_id: uuid.UUID) -> Session:
        session = Session(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(32))
        value = orjson.dumps({"user_id": str(user_id), "csrf": session.csrf_token})
        await self._redis.set(KEY_PREFIX + session.id, value, ex=self.ttl_seconds)
        return session

    async def load(self, cookie: str | None) -> Session | None:
        """The live session a cookie names; None if missing, forged, too old or signed out."""
        if not cookie:
            return None
        try:
            session_id = self._signer.loads(cookie, max_age=self.ttl_seconds)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(session_id, str):
            return None
        data = await self._redis.get(KEY_PREFIX + session_id)
        if data is None:
            return None
        record = orjson.loads(data)
        return Session(session_id, uuid.UUID(record["user_id"]), record["csrf"])

    async def destroy(self, session_id: str) -> None:
        await self._redis.delete(KEY_PREFIX + session_id)

    def cookie_value(self, session: Session) -> str:
        """What the session cookie holds: the session id, signed and timestamped."""
        return self._signer.dumps(session.id)

    def set_cookies(self, response: Response, session: Session, *, secure: bool) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.cookie_value(session),
            max_age=self.ttl_seconds,
            httponly=True,
            secure=secure,
            samesite="lax",
        )
        # Readable by the page's script: it copies it into X-CSRF-Token.
        response.set_cookie(
            CSRF_COOKIE, session.csrf_token, max_age=self.ttl_seconds, secure=secure, samesite="lax"
        )


def clear_cookies(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, secure=secure, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, secure=secure, samesite="lax")
