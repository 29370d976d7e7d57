"""Local accounts: email + password checked against the argon2id hash (:mod:`hearth_shared.passwords`).

Hashing is CPU work (~50 ms), so it runs in a thread, off the event loop. An unknown email is checked
against a dummy hash, so the answer takes as long as for a known one and does not reveal accounts.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Final

from hearth_backend.tenancy.rows import UserRow
from hearth_backend.tenancy.users import user_with_password
from hearth_shared.db import DatabasePool
from hearth_shared.passwords import generate_password, hash_password, verify_password

MIN_PASSWORD_LENGTH: Final = 8
MAX_PASSWORD_LENGTH: Final = 1024  # argon2 takes any length; this only bounds the work one request costs


@functools.cache
def _dummy_hash() -> str:
    return hash_password(generate_password())


async def authenticate(db: DatabasePool, email: str, password: str) -> UserRow | None:
    """The user if ``password`` is theirs; None for an unknown email, a wrong password or an OIDC-only
    user."""
    found = await user_with_password(db, email.strip())
    password_hash = found[1] if found is not None else None
    ok = await asyncio.to_thread(verify_password, password_hash or _dummy_hash(), password)
    if found is None or password_hash is None or not ok:
        return None
    return found[0]


async def hash_new_password(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)
