"""Invitations to an organization: a link with a secret token (only its SHA-256 is stored), valid for
``invitation_ttl_days``, for one email address and one role.

Accepting needs an account with the invited email: a signed-in user (local or OIDC) accepts with
``POST /ui-api/invitations/accept``; someone without an account registers a local one from the link
(``POST /ui-api/auth/register``). A new invitation for the same email replaces a pending one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from hearth_backend.errors import InvalidInput, ResourceNotFound
from hearth_backend.tenancy.members import add_org_member
from hearth_backend.tenancy.roles import OrgRole, org_role
from hearth_backend.tenancy.rows import OrgRow, UserRow, as_uuid
from hearth_shared.db import DatabaseConnection, DatabasePool
from hearth_shared.tokens import Executor

_COLUMNS = "i.id, i.organization_id, i.email, i.role, i.created_at, i.expires_at, i.accepted_at, i.revoked_at"


@dataclass(frozen=True)
class Invitation:
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: OrgRole
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> Invitation:
        return cls(
            id=as_uuid(row["id"]),
            organization_id=as_uuid(row["organization_id"]),
            email=row["email"],
            role=org_role(row["role"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            accepted_at=row["accepted_at"],
            revoked_at=row["revoked_at"],
        )


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def invalid_invitation() -> ResourceNotFound:
    return ResourceNotFound("this invitation link is unknown, used, revoked or expired")


async def create_invitation(
    pool: DatabasePool,
    organization_id: uuid.UUID,
    email: str,
    role: OrgRole,
    *,
    invited_by: uuid.UUID,
    ttl: timedelta,
) -> tuple[str, Invitation]:
    """(the token for the link, shown once; the invitation)."""
    token = secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """
            UPDATE org_invitations SET revoked_at = now()
            WHERE organization_id = $1 AND lower(email) = lower($2)
              AND accepted_at IS NULL AND revoked_at IS NULL
            """,
            organization_id,
            email,
        )
        row = await conn.fetchrow(
            f"""
            INSERT INTO org_invitations AS i
                (organization_id, email, role, token_hash, invited_by, expires_at)
            VALUES ($1, $2, $3, $4, $5, now() + $6::interval)
            RETURNING {_COLUMNS}
            """,
            organization_id,
            email,
            role,
            _hash(token),
            invited_by,
            ttl,
        )
    assert row is not None
    return token, Invitation.from_record(row)


async def pending_invitations(db: Executor, organization_id: uuid.UUID) -> list[Invitation]:
    """Invitations not accepted nor revoked (expired ones too, so admins see why a link failed)."""
    rows = await db.fetch(
        f"""
        SELECT {_COLUMNS} FROM org_invitations i
        WHERE i.organization_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
        ORDER BY i.created_at DESC
        """,
        organization_id,
    )
    return [Invitation.from_record(row) for row in rows]


async def revoke_invitation(db: Executor, organization_id: uuid.UUID, invitation_id: uuid.UUID) -> None:
    status = await db.execute(
        """
        UPDATE org_invitations SET revoked_at = now()
        WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
        """,
        invitation_id,
        organization_id,
    )
    if status != "UPDATE 1":
        raise ResourceNotFound(f"no pending invitation {invitation_id} in this organization")


async def valid_invitation(db: Executor, token: str) -> tuple[Invitation, OrgRow] | None:
    row = await db.fetchrow(
        f"""
        SELECT {_COLUMNS}, o.slug AS org_slug, o.name AS org_name, o.created_at AS org_created_at
        FROM org_invitations i JOIN organizations o ON o.id = i.organization_id
        WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
        """,
        _hash(token),
    )
    if row is None:
        return None
    invitation = Invitation.from_record(row)
    organization = OrgRow(invitation.organization_id, row["org_slug"], row["org_name"], row["org_created_at"])
    return invitation, organization


async def accept_invitation(conn: DatabaseConnection, token: str, user: UserRow) -> tuple[Invitation, OrgRow]:
    """Make ``user`` a member as invited (inside the caller's transaction); the invited email must be theirs.
    Someone already a member keeps their role."""
    found = await valid_invitation(conn, token)
    if found is None:
        raise invalid_invitation()
    invitation, organization = found
    if invitation.email.lower() != user.email.lower():
        raise InvalidInput(f"this invitation is for {invitation.email}; you are signed in as {user.email}")
    claimed = await conn.execute(
        "UPDATE org_invitations SET accepted_at = now(), accepted_by = $2 "
        "WHERE id = $1 AND accepted_at IS NULL",
        invitation.id,
        user.id,
    )
    if claimed != "UPDATE 1":
        raise invalid_invitation()  # accepted concurrently
    await add_org_member(conn, organization.id, user.id, invitation.role)
    return invitation, organization
