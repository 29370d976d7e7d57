"""Device login for ``logfire auth`` (RFC 8628 in spirit, Logfire's endpoints in shape).

1. ``POST /v1/device-auth/new/?machine_name=...`` → a secret ``device_code`` for the CLI and a short
   ``user_code`` in the approval URL the CLI prints (``{base}/device?code=BCDF-GHJK``).
2. A signed-in user opens that page and approves (or denies) with a CSRF-protected POST.
3. ``GET /v1/device-auth/wait/{device_code}`` long-polls; once approved it answers, exactly once, a
   user token of the approver with its expiry.

Only the SHA-256 of the device code is stored (``device_authorizations``). The machine name the CLI
sends is shown on the approval page; it lives in Redis beside the request for the same lifetime (the
table has no column for it, and it is only a display aid).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

import asyncpg
import redis.asyncio as aioredis

from hearth_backend.auth.user_tokens import create_user_token
from hearth_backend.errors import ResourceNotFound, StateConflict
from hearth_shared.db import DatabasePool
from hearth_shared.errors import Forbidden

#: No vowels (no accidental words) and no look-alikes (0/O, 1/I/L).
USER_CODE_ALPHABET: Final = "BCDFGHJKMNPQRSTVWXZ"
MACHINE_KEY_PREFIX: Final = "hearth:device-machine:"
MACHINE_NAME_MAX: Final = 200
POLL_INTERVAL_SECONDS: Final = 0.25
_DEVICE_CODE_ALPHABET: Final = string.ascii_letters + string.digits

DeviceState = Literal["pending", "approved", "denied", "used", "expired"]


@dataclass(frozen=True)
class DeviceRequest:
    user_code: str
    machine_name: str
    created_at: datetime
    expires_at: datetime
    state: DeviceState


@dataclass(frozen=True)
class IssuedUserToken:
    token: str
    expiration: datetime


def _hash(device_code: str) -> bytes:
    return hashlib.sha256(device_code.encode()).digest()


def _user_code() -> str:
    letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def normalize_user_code(text: str) -> str:
    """What people type: any case, with or without the hyphen."""
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else text.strip().upper()


def _state(row: asyncpg.Record) -> DeviceState:
    if row["consumed_at"] is not None:
        return "used"
    if row["denied_at"] is not None:
        return "denied"
    if row["approved_at"] is not None:
        return "approved"
    return "expired" if row["expired"] else "pending"


class DeviceLogins:
    def __init__(
        self,
        pool: DatabasePool,
        redis: aioredis.Redis,
        *,
        code_ttl: timedelta,
        user_token_ttl: timedelta,
        wait_seconds: float,
    ) -> None:
        self._pool = pool
        self._redis = redis
        self.code_ttl = code_ttl
        self.user_token_ttl = user_token_ttl
        self.wait_seconds = wait_seconds

    async def start(self, machine_name: str) -> tuple[str, str]:
        """A new device login: (device_code for the CLI, user_code for the approval page)."""
        device_code = "".join(secrets.choice(_DEVICE_CODE_ALPHABET) for _ in range(48))
        # Old, finished requests are of no use to anyone; dropping them here keeps the table small.
        await self._pool.execute(
            "DELETE FROM device_authorizations WHERE expires_at < now() - interval '1 day'"
        )
        for _ in range(5):
            user_code = _user_code()
            try:
                await self._pool.execute(
                    """
                    INSERT INTO device_authorizations (device_code_hash, user_code, expires_at)
                    VALUES ($1, $2, now() + $3::interval)
                    """,
                    _hash(device_code),
                    user_code,
                    self.code_ttl,
                )
            except asyncpg.UniqueViolationError:
                continue  # user_code collision (19^8 codes): draw again
            break
        else:  # pragma: no cover - five collisions in a row
            raise StateConflict("could not allocate a device code; try again")
        name = machine_name.strip()[:MACHINE_NAME_MAX]
        await self._redis.set(MACHINE_KEY_PREFIX + user_code, name, ex=int(self.code_ttl.total_seconds()))
        return device_code, user_code

    async def describe(self, user_code: str) -> DeviceRequest:
        code = normalize_user_code(user_code)
        row = await self._pool.fetchrow(
            """
            SELECT user_code, created_at, expires_at, approved_at, denied_at, consumed_at,
                   expires_at <= now() AS expired
            FROM device_authorizations WHERE user_code = $1
            """,
            code,
        )
        if row is None:
            raise ResourceNotFound(f"no device login with the code {code!r}")
        machine = await self._redis.get(MACHINE_KEY_PREFIX + code)
        return DeviceRequest(
            user_code=row["user_code"],
            machine_name=machine.decode() if isinstance(machine, bytes) else str(machine or ""),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            state=_state(row),
        )

    async def decide(self, user_code: str, user_id: uuid.UUID, *, approve: bool) -> DeviceRequest:
        """Approve (or deny) a pending request as ``user_id``; 404 unknown, 409 already decided/expired."""
        code = normalize_user_code(user_code)
        column = "approved_at" if approve else "denied_at"
        status = await self._pool.execute(
            f"""
            UPDATE device_authorizations SET {column} = now(), approved_by = $2
            WHERE user_code = $1 AND approved_at IS NULL AND denied_at IS NULL AND expires_at > now()
            """,
            code,
            user_id,
        )
        if status != "UPDATE 1":
            current = await self.describe(code)  # 404 when unknown
            raise StateConflict(f"this device login is {current.state} already; run `logfire auth` again")
        return await self.describe(code)

    async def claim(self, device_code: str) -> IssuedUserToken | None:
        """The user token once the request is approved (exactly once); None while pending."""
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """
                SELECT user_code, approved_by, approved_at, denied_at, consumed_at,
                       expires_at <= now() AS expired
                FROM device_authorizations WHERE device_code_hash = $1 FOR UPDATE
                """,
                _hash(device_code),
            )
            if row is None or row["consumed_at"] is not None:
                raise ResourceNotFound("unknown or already used device code; run `logfire auth` again")
            if row["denied_at"] is not None:
                raise Forbidden("this device login was denied in the browser")
            if row["approved_at"] is None:
                if row["expired"]:
                    raise ResourceNotFound("this device login expired; run `logfire auth` again")
                return None
            await conn.execute(
                "UPDATE device_authorizations SET consumed_at = now() WHERE device_code_hash = $1",
                _hash(device_code),
            )
            machine = await self._redis.get(MACHINE_KEY_PREFIX + row["user_code"])
            name = machine.decode() if isinstance(machine, bytes) else ""
            token, expires_at = await create_user_token(
                conn,
                row["approved_by"],
                description=f"logfire CLI on {name}" if name else "logfire CLI",
                ttl=self.user_token_ttl,
            )
        return IssuedUserToken(token, expires_at)

    async def wait(self, device_code: str) -> IssuedUserToken | None:
        """:meth:`claim`, retried until approved or ``wait_seconds`` pass (then None: the CLI asks again)."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            issued = await self.claim(device_code)
            if issued is not None or time.monotonic() + POLL_INTERVAL_SECONDS > deadline:
                return issued
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
