"""Organizations and the caller's memberships in them."""

from __future__ import annotations

import uuid

import asyncpg

from hearth_backend.errors import AlreadyExists
from hearth_backend.tenancy.roles import org_role
from hearth_backend.tenancy.rows import OrgMembership, OrgRow
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import Executor

_ORG = "o.id, o.slug, o.name, o.created_at"


async def membership_by_slug(db: Executor, user_id: uuid.UUID, slug: str) -> OrgMembership | None:
    """The organization ``slug`` and the user's role there; None when it does not exist or the user is
    not a member (the two must look the same to the caller)."""
    row = await db.fetchrow(
        f"""
        SELECT {_ORG}, m.role FROM organizations o
        JOIN org_members m ON m.organization_id = o.id AND m.user_id = $1
        WHERE o.slug = $2
        """,
        user_id,
        slug,
    )
    return None if row is None else OrgMembership(OrgRow.from_record(row), org_role(row["role"]))


async def memberships(db: Executor, user_id: uuid.UUID) -> list[OrgMembership]:
    """Every organization the user belongs to, oldest membership first."""
    rows = await db.fetch(
        f"""
        SELECT {_ORG}, m.role FROM organizations o
        JOIN org_members m ON m.organization_id = o.id AND m.user_id = $1
        ORDER BY m.created_at, o.slug
        """,
        user_id,
    )
    return [OrgMembership(OrgRow.from_record(row), org_role(row["role"])) for row in rows]


async def create_organization(pool: DatabasePool, slug: str, name: str, creator: uuid.UUID) -> OrgRow:
    """A new organization with ``creator`` as its admin; 409 when the slug is taken."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await conn.fetchrow(
                f"INSERT INTO organizations AS o (slug, name) VALUES ($1, $2) RETURNING {_ORG}", slug, name
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists(f"the organization slug {slug!r} is taken") from exc
        assert row is not None
        organization = OrgRow.from_record(row)
        await conn.execute(
            "INSERT INTO org_members (organization_id, user_id, role) VALUES ($1, $2, 'admin')",
            organization.id,
            creator,
        )
    return organization


async def rename_organization(db: Executor, organization_id: uuid.UUID, name: str) -> OrgRow:
    row = await db.fetchrow(
        f"UPDATE organizations AS o SET name = $2 WHERE id = $1 RETURNING {_ORG}", organization_id, name
    )
    assert row is not None
    return OrgRow.from_record(row)


async def organization_ids_by_slug(db: Executor, slugs: list[str]) -> dict[str, uuid.UUID]:
    rows = await db.fetch("SELECT slug, id FROM organizations WHERE slug = ANY($1::text[])", slugs)
    return {row["slug"]: row["id"] for row in rows}
