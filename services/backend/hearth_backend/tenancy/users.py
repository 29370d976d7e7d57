"""Users: local accounts (argon2 password hash) and OIDC users (no password), unique by email."""

from __future__ import annotations

import re
import uuid
from typing import Final

import asyncpg

from hearth_backend.errors import AlreadyExists
from hearth_backend.tenancy.rows import USER_COLUMNS, UserRow
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import Executor

#: Deliberately loose (``admin@hearth.local`` must pass); the IdP or the invitation vouches for the rest.
EMAIL_PATTERN: Final = r"^[^@\s]+@[^@\s]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def is_email(text: str) -> bool:
    return _EMAIL.match(text) is not None


def default_name(email: str) -> str:
    return email.split("@", 1)[0]


async def get_user(db: Executor, user_id: uuid.UUID) -> UserRow | None:
    row = await db.fetchrow(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1", user_id)
    return None if row is None else UserRow.from_record(row)


async def user_with_password(db: DatabasePool, email: str) -> tuple[UserRow, str | None] | None:
    """The user with ``email`` (any case) and their password hash (None: OIDC only)."""
    row = await db.fetchrow(f"SELECT {USER_COLUMNS} FROM users u WHERE lower(u.email) = lower($1)", email)
    return None if row is None else (UserRow.from_record(row), row["password_hash"])


async def create_user(
    db: Executor, email: str, *, name: str = "", password_hash: str | None = None, is_admin: bool = False
) -> UserRow:
    try:
        row = await db.fetchrow(
            f"""
            INSERT INTO users AS u (email, name, password_hash, is_admin) VALUES ($1, $2, $3, $4)
            RETURNING {USER_COLUMNS}
            """,
            email,
            name or default_name(email),
            password_hash,
            is_admin,
        )
    except asyncpg.UniqueViolationError as exc:
        raise AlreadyExists(f"an account with the email {email!r} exists already") from exc
    assert row is not None
    return UserRow.from_record(row)


async def ensure_oidc_user(db: Executor, email: str, name: str) -> UserRow:
    """The user with ``email``, created at their first OIDC login, else linked by email.

    A linked local account keeps its password and name (a name is only filled in when empty).
    """
    row = await db.fetchrow(
        f"""
        INSERT INTO users AS u (email, name) VALUES ($1, $2)
        ON CONFLICT ((lower(email))) DO UPDATE
            SET name = CASE WHEN u.name = '' THEN EXCLUDED.name ELSE u.name END
        RETURNING {USER_COLUMNS}
        """,
        email,
        name or default_name(email),
    )
    assert row is not None
    return UserRow.from_record(row)


async def set_password(db: Executor, user_id: uuid.UUID, password_hash: str) -> None:
    await db.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)
