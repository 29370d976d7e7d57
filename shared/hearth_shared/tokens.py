"""Write and read tokens, shaped like Logfire's so the unmodified SDK, CLI and query client accept them.

Text: ``pylf_v1_<region>_<secret>`` — the SDK's pattern is
``^pylf_v[0-9]+_[a-z]+_(<org uuid>_)?[a-zA-Z0-9]+$`` (``logfire/_internal/auth.py``). Only the SHA-256 of
a token is stored; the text is shown once, at creation. ``hint`` keeps enough of it to tell tokens apart.

Resolution is the ingest and query hot path; callers cache :class:`ResolvedToken` (LRU → Redis → here).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeAlias

import asyncpg

from hearth_shared.db.pool import DatabaseConnection, DatabasePool

#: A pool, or a connection when the caller holds a transaction (bootstrap).
Executor: TypeAlias = "DatabasePool | DatabaseConnection"

TokenKind = Literal["write", "read"]
TOKEN_KINDS: tuple[TokenKind, ...] = ("write", "read")

TOKEN_VERSION = 1
DEFAULT_REGION = "local"
SECRET_LENGTH = 48  # 48 * log2(62) ≈ 286 bits
_ALPHABET = string.ascii_letters + string.digits
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TOKEN_PATTERN = re.compile(
    rf"^pylf_v(?P<version>[0-9]+)_(?P<region>[a-z]+)_"
    rf"(?:(?P<organization_id>{_UUID})_)?(?P<secret>[a-zA-Z0-9]+)$"
)
_REGION = re.compile(r"^[a-z]+$")
_BEARER = re.compile(r"^bearer(?:\s+|$)", re.IGNORECASE)
HINT_SECRET_CHARS = 4

#: Only refresh ``last_used_at`` when it is older than this, so resolving stays a read on the hot path.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def generate_token(region: str = DEFAULT_REGION) -> str:
    """A new token text with a ``secrets``-drawn alphanumeric secret."""
    if not _REGION.match(region):
        raise ValueError(f"token region must be lowercase letters only, got {region!r}")
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    return f"pylf_v{TOKEN_VERSION}_{region}_{secret}"


def is_token_shaped(text: str) -> bool:
    return TOKEN_PATTERN.match(text) is not None


def hash_token(token: str) -> bytes:
    """SHA-256 of the token text (32 bytes), the only form stored.

    A fast hash is right here, unlike for passwords: the secret has ~286 bits of entropy, so there is
    nothing to brute-force, and every ingest request (cache misses) must resolve a token cheaply.
    """
    return hashlib.sha256(token.encode()).digest()


def token_hint(token: str) -> str:
    """What lists show instead of the token: prefix and first secret characters, ``pylf_v1_local_AbCd…``."""
    match = TOKEN_PATTERN.match(token)
    if match is None:
        return token[:8] + "…"
    return token[: match.start("secret") + HINT_SECRET_CHARS] + "…"


def parse_authorization(header: str | None) -> str | None:
    """The token in an ``Authorization`` value: raw (the SDK) or ``Bearer <token>`` (collectors), any case."""
    if header is None:
        return None
    value = _BEARER.sub("", header.strip(), count=1).strip()
    return value or None


@dataclass(frozen=True)
class TokenRow:
    """A token as stored (never with its text)."""

    id: uuid.UUID
    project_id: uuid.UUID
    kind: TokenKind
    hint: str
    description: str
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> TokenRow:
        return cls(
            id=row["id"],
            project_id=row["project_id"],
            kind=row["kind"],
            hint=row["hint"],
            description=row["description"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            revoked_at=row["revoked_at"],
            last_used_at=row["last_used_at"],
        )


@dataclass(frozen=True)
class ResolvedToken:
    """What a valid token grants: one project (and its organization) for one kind of access."""

    token_id: uuid.UUID
    kind: TokenKind
    project_id: uuid.UUID
    project_slug: str
    project_name: str
    organization_id: uuid.UUID
    organization_slug: str
    organization_name: str
    expires_at: datetime | None


_TOKEN_COLUMNS = (
    "id, project_id, kind, hint, description, created_by, created_at, expires_at, revoked_at, last_used_at"  # noqa: S105 - column names
)


async def insert_token(
    db: Executor,
    project_id: uuid.UUID,
    kind: TokenKind,
    description: str = "",
    *,
    created_by: uuid.UUID | None = None,
    expires_at: datetime | None = None,
    region: str = DEFAULT_REGION,
) -> tuple[str, TokenRow]:
    """Create a token with a pool or inside a caller's transaction; returns (text shown once, row)."""
    if kind not in TOKEN_KINDS:
        raise ValueError(f"token kind must be 'write' or 'read', got {kind!r}")
    text = generate_token(region)
    row = await db.fetchrow(
        f"""
        INSERT INTO tokens (project_id, kind, token_hash, hint, description, created_by, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING {_TOKEN_COLUMNS}
        """,
        project_id,
        kind,
        hash_token(text),
        token_hint(text),
        description,
        created_by,
        expires_at,
    )
    assert row is not None
    return text, TokenRow.from_record(row)


class TokenStore:
    """Tokens in the app database."""

    def __init__(self, pool: DatabasePool, *, region: str = DEFAULT_REGION) -> None:
        self._pool = pool
        self._region = region

    async def create(
        self,
        project_id: uuid.UUID,
        kind: TokenKind,
        description: str = "",
        *,
        created_by: uuid.UUID | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[str, TokenRow]:
        return await insert_token(
            self._pool,
            project_id,
            kind,
            description,
            created_by=created_by,
            expires_at=expires_at,
            region=self._region,
        )

    async def resolve(self, token_text: str, kind: TokenKind | None) -> ResolvedToken | None:
        """The grant of a live token of ``kind`` (any kind when None); None if unknown, revoked or expired."""
        if not is_token_shaped(token_text):
            return None  # not ours: no database round trip for garbage
        row = await self._pool.fetchrow(
            """
            SELECT t.id, t.kind, t.expires_at, t.last_used_at < now() - $2::interval AS stale,
                   t.last_used_at IS NULL AS never_used,
                   p.id AS project_id, p.slug AS project_slug, p.name AS project_name,
                   o.id AS organization_id, o.slug AS organization_slug, o.name AS organization_name
            FROM tokens t
            JOIN projects p ON p.id = t.project_id
            JOIN organizations o ON o.id = p.organization_id
            WHERE t.token_hash = $1
              AND t.revoked_at IS NULL
              AND (t.expires_at IS NULL OR t.expires_at > now())
            """,
            hash_token(token_text),
            LAST_USED_RESOLUTION,
        )
        if row is None or (kind is not None and row["kind"] != kind):
            return None
        if row["never_used"] or row["stale"]:
            await self._pool.execute("UPDATE tokens SET last_used_at = now() WHERE id = $1", row["id"])
        return ResolvedToken(
            token_id=row["id"],
            kind=row["kind"],
            project_id=row["project_id"],
            project_slug=row["project_slug"],
            project_name=row["project_name"],
            organization_id=row["organization_id"],
            organization_slug=row["organization_slug"],
            organization_name=row["organization_name"],
            expires_at=row["expires_at"],
        )

    async def revoke(self, token_id: uuid.UUID) -> bool:
        """Revoke a token; False when it does not exist or was revoked already."""
        status = await self._pool.execute(
            "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id
        )
        return status == "UPDATE 1"

    async def get(self, token_id: uuid.UUID) -> TokenRow | None:
        row = await self._pool.fetchrow(f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id = $1", token_id)
        return None if row is None else TokenRow.from_record(row)

    async def for_project(self, project_id: uuid.UUID, kind: TokenKind | None = None) -> list[TokenRow]:
        """Every token of a project (revoked ones too, for the audit view), newest first."""
        rows = await self._pool.fetch(
            f"""
            SELECT {_TOKEN_COLUMNS} FROM tokens
            WHERE project_id = $1 AND ($2::text IS NULL OR kind = $2)
            ORDER BY created_at DESC, id
            """,
            project_id,
            kind,
        )
        return [TokenRow.from_record(row) for row in rows]
