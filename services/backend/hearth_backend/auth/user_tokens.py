"""User tokens: what ``logfire auth`` stores in ``~/.logfire/default.toml`` and sends to the CLI endpoints.

Text ``hearth_ut_<48 letters/digits>`` — deliberately not project-token shaped, so neither kind can be
mistaken for the other. Only the SHA-256 is stored (table ``user_tokens``); ``hint`` keeps the prefix
and four characters for lists. Tokens expire after ``user_token_ttl_days``.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from datetime import datetime, timedelta
from typing import Final

from hearth_backend.tenancy.rows import USER_COLUMNS, UserRow
from hearth_shared.tokens import Executor, parse_authorization

PREFIX: Final = "hearth_ut_"
SECRET_LENGTH: Final = 48
_ALPHABET: Final = string.ascii_letters + string.digits
#: ``last_used_at`` is refreshed at most this often, so resolving stays a read.
LAST_USED_RESOLUTION: Final = timedelta(minutes=1)


def hash_user_token(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


async def create_user_token(
    db: Executor, user_id: uuid.UUID, *, description: str, ttl: timedelta
) -> tuple[str, datetime]:
    """(the token text, shown once; its expiry)."""
    text = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    expires_at: datetime = await db.fetchval(
        """
        INSERT INTO user_tokens (user_id, token_hash, hint, description, expires_at)
        VALUES ($1, $2, $3, $4, now() + $5::interval) RETURNING expires_at
        """,
        user_id,
        hash_user_token(text),
        text[: len(PREFIX) + 4] + "…",
        description,
        ttl,
    )
    return text, expires_at


async def user_for_token(db: Executor, authorization: str | None) -> UserRow | None:
    """The user of a live token in an ``Authorization`` value (raw or ``Bearer``); None otherwise."""
    text = parse_authorization(authorization)
    if text is None or not text.startswith(PREFIX):
        return None
    row = await db.fetchrow(
        f"""
        SELECT {USER_COLUMNS}, t.id AS token_id,
               t.last_used_at IS NULL OR t.last_used_at < now() - $2::interval AS stale
        FROM user_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
        """,
        hash_user_token(text),
        LAST_USED_RESOLUTION,
    )
    if row is None:
        return None
    if row["stale"]:
        await db.execute("UPDATE user_tokens SET last_used_at = now() WHERE id = $1", row["token_id"])
    return UserRow.from_record(row)
