"""Organization API keys: what scripts and other tools send to the public ``/api/v1``.

Text ``hearth_oak_<48 letters/digits>`` (neither project- nor user-token shaped, so no kind can pass
for another); only its SHA-256 is stored, with a ``hint`` (the prefix and four characters) for lists.
A key acts in its organization with its ``role`` (admin, member or guest), like a member with that role
would, except that a guest key reads every project of the organization (see :mod:`hearth_backend.api.public`).
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Final

import asyncpg
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from hearth_backend.errors import ResourceNotFound
from hearth_backend.tenancy.roles import OrgRole, org_role
from hearth_backend.tenancy.rows import OrgRow, as_uuid
from hearth_shared.tokens import Executor, parse_authorization

PREFIX: Final = "hearth_oak_"
SECRET_LENGTH: Final = 48
_ALPHABET: Final = string.ascii_letters + string.digits
#: ``last_used_at`` is refreshed at most this often, so authenticating stays a read.
LAST_USED_RESOLUTION: Final = timedelta(minutes=1)


class ApiKeyIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: OrgRole = Field(default="member", description="What the key may do in the organization")
    expires_at: AwareDatetime | None = None


class ApiKey(BaseModel):
    id: uuid.UUID
    name: str
    role: OrgRole
    hint: str = Field(description="The key's first characters, to tell keys apart")
    created_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class CreatedApiKey(ApiKey):
    key: str = Field(description="The key text; shown only in this answer")


@dataclass(frozen=True)
class KeyHolder:
    """An authenticated key: its organization and role there."""

    key_id: uuid.UUID
    organization: OrgRow
    role: OrgRole
    created_by: uuid.UUID | None


def hash_key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


_COLUMNS: Final = "id, name, role, hint, created_by, created_at, expires_at, revoked_at, last_used_at"


def _key(row: asyncpg.Record) -> ApiKey:
    return ApiKey(
        id=as_uuid(row["id"]),
        name=row["name"],
        role=org_role(row["role"]),
        hint=row["hint"],
        created_by=None if row["created_by"] is None else as_uuid(row["created_by"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


async def list_keys(db: Executor, organization_id: uuid.UUID) -> list[ApiKey]:
    """Newest first, revoked ones too."""
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM org_api_keys WHERE organization_id = $1 ORDER BY created_at DESC, id",
        organization_id,
    )
    return [_key(row) for row in rows]


async def create_key(
    db: Executor, organization_id: uuid.UUID, body: ApiKeyIn, *, created_by: uuid.UUID | None
) -> CreatedApiKey:
    text = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    row = await db.fetchrow(
        f"""
        INSERT INTO org_api_keys (organization_id, name, role, key_hash, hint, created_by, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}
        """,
        organization_id,
        body.name,
        body.role,
        hash_key(text),
        text[: len(PREFIX) + 4] + "…",
        created_by,
        body.expires_at,
    )
    assert row is not None
    return CreatedApiKey(**_key(row).model_dump(), key=text)


async def revoke_key(db: Executor, organization_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Revoked at once (keys are looked up on every request); revoking twice is fine."""
    found = await db.fetchval(
        """
        UPDATE org_api_keys SET revoked_at = coalesce(revoked_at, now())
        WHERE organization_id = $1 AND id = $2 RETURNING id
        """,
        organization_id,
        key_id,
    )
    if found is None:
        raise ResourceNotFound(f"the organization has no API key {key_id}")


async def key_holder(db: Executor, authorization: str | None) -> KeyHolder | None:
    """The live key in an ``Authorization`` value (``Bearer <key>`` or the bare key), or None."""
    text = parse_authorization(authorization)
    if text is None or not text.startswith(PREFIX):
        return None
    row = await db.fetchrow(
        """
        SELECT k.id AS key_id, k.role, k.created_by, o.id, o.slug, o.name, o.created_at,
               k.last_used_at IS NULL OR k.last_used_at < now() - $2::interval AS stale
        FROM org_api_keys k JOIN organizations o ON o.id = k.organization_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
        """,
        hash_key(text),
        LAST_USED_RESOLUTION,
    )
    if row is None:
        return None
    if row["stale"]:
        await db.execute("UPDATE org_api_keys SET last_used_at = now() WHERE id = $1", row["key_id"])
    return KeyHolder(
        key_id=as_uuid(row["key_id"]),
        organization=OrgRow.from_record(row),
        role=org_role(row["role"]),
        created_by=None if row["created_by"] is None else as_uuid(row["created_by"]),
    )
