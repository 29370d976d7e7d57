"""Organization members and project members.

An organization always keeps at least one admin: demoting or removing the last one is a 409. Project
memberships only matter for organization members; removing someone from an organization removes their
project memberships there too.
"""

from __future__ import annotations

import uuid

from hearth_backend.errors import ResourceNotFound, StateConflict
from hearth_backend.tenancy.roles import OrgRole, ProjectRole, org_role, project_role
from hearth_backend.tenancy.rows import USER_COLUMNS, UserRow
from hearth_shared.db import DatabaseConnection, DatabasePool
from hearth_shared.tokens import Executor


def _member_not_found(user_id: uuid.UUID) -> ResourceNotFound:
    return ResourceNotFound(f"user {user_id} is not a member of this organization")


async def org_members(db: Executor, organization_id: uuid.UUID) -> list[tuple[UserRow, OrgRole]]:
    rows = await db.fetch(
        f"""
        SELECT {USER_COLUMNS}, m.role FROM org_members m JOIN users u ON u.id = m.user_id
        WHERE m.organization_id = $1 ORDER BY lower(u.email)
        """,
        organization_id,
    )
    return [(UserRow.from_record(row), org_role(row["role"])) for row in rows]


async def _lock_organization(conn: DatabaseConnection, organization_id: uuid.UUID) -> None:
    # Serializes admin changes of one organization, so two concurrent demotions cannot leave none.
    await conn.execute("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE", organization_id)


async def _is_last_admin(conn: DatabaseConnection, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    admins = await conn.fetch(
        "SELECT user_id FROM org_members WHERE organization_id = $1 AND role = 'admin'", organization_id
    )
    return [row["user_id"] for row in admins] == [user_id]


async def _current_role(
    conn: DatabaseConnection, organization_id: uuid.UUID, user_id: uuid.UUID
) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT role FROM org_members WHERE organization_id = $1 AND user_id = $2", organization_id, user_id
    )
    return value


async def set_org_role(
    pool: DatabasePool, organization_id: uuid.UUID, user_id: uuid.UUID, role: OrgRole
) -> None:
    """Change an existing member's role; 404 if not a member, 409 when it would leave no admin."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock_organization(conn, organization_id)
        current = await _current_role(conn, organization_id, user_id)
        if current is None:
            raise _member_not_found(user_id)
        if current == "admin" and role != "admin" and await _is_last_admin(conn, organization_id, user_id):
            raise StateConflict("this is the organization's last admin; make someone else admin first")
        await conn.execute(
            "UPDATE org_members SET role = $3 WHERE organization_id = $1 AND user_id = $2",
            organization_id,
            user_id,
            role,
        )


async def remove_org_member(pool: DatabasePool, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Remove a member (and their project memberships in the organization); 404/409 as above."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock_organization(conn, organization_id)
        current = await _current_role(conn, organization_id, user_id)
        if current is None:
            raise _member_not_found(user_id)
        if current == "admin" and await _is_last_admin(conn, organization_id, user_id):
            raise StateConflict("this is the organization's last admin; make someone else admin first")
        await _remove(conn, organization_id, user_id)


async def _remove(conn: DatabaseConnection, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await conn.execute(
        """
        DELETE FROM project_members pm USING projects p
        WHERE pm.project_id = p.id AND p.organization_id = $1 AND pm.user_id = $2
        """,
        organization_id,
        user_id,
    )
    await conn.execute(
        "DELETE FROM org_members WHERE organization_id = $1 AND user_id = $2", organization_id, user_id
    )


async def add_org_member(db: Executor, organization_id: uuid.UUID, user_id: uuid.UUID, role: OrgRole) -> None:
    """Make the user a member with ``role``; an existing member keeps their role."""
    await db.execute(
        """
        INSERT INTO org_members (organization_id, user_id, role) VALUES ($1, $2, $3)
        ON CONFLICT (organization_id, user_id) DO NOTHING
        """,
        organization_id,
        user_id,
        role,
    )


async def sync_org_role(
    pool: DatabasePool, organization_id: uuid.UUID, user_id: uuid.UUID, role: OrgRole | None
) -> bool:
    """Set the user's role (None: remove them) as an identity provider says; False when that would leave
    the organization without an admin (then nothing changes)."""
    async with pool.acquire() as conn, conn.transaction():
        await _lock_organization(conn, organization_id)
        current = await _current_role(conn, organization_id, user_id)
        if current == role:
            return True
        if current == "admin" and await _is_last_admin(conn, organization_id, user_id):
            return False
        if role is None:
            if current is not None:
                await _remove(conn, organization_id, user_id)
            return True
        await conn.execute(
            """
            INSERT INTO org_members (organization_id, user_id, role) VALUES ($1, $2, $3)
            ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role
            """,
            organization_id,
            user_id,
            role,
        )
        return True


async def project_members(db: Executor, project_id: uuid.UUID) -> list[tuple[UserRow, ProjectRole]]:
    rows = await db.fetch(
        f"""
        SELECT {USER_COLUMNS}, pm.role FROM project_members pm JOIN users u ON u.id = pm.user_id
        WHERE pm.project_id = $1 ORDER BY lower(u.email)
        """,
        project_id,
    )
    return [(UserRow.from_record(row), project_role(row["role"])) for row in rows]


async def set_project_role(
    db: Executor, organization_id: uuid.UUID, project_id: uuid.UUID, user_id: uuid.UUID, role: ProjectRole
) -> UserRow:
    """Give an organization member a role on the project (replacing any); 404 for anyone else."""
    row = await db.fetchrow(
        f"""
        WITH member AS (
            SELECT m.user_id FROM org_members m WHERE m.organization_id = $1 AND m.user_id = $3
        ), upsert AS (
            INSERT INTO project_members (project_id, user_id, role) SELECT $2, user_id, $4 FROM member
            ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role
            RETURNING user_id
        )
        SELECT {USER_COLUMNS} FROM upsert JOIN users u ON u.id = upsert.user_id
        """,
        organization_id,
        project_id,
        user_id,
        role,
    )
    if row is None:
        raise _member_not_found(user_id)
    return UserRow.from_record(row)


async def remove_project_member(db: Executor, project_id: uuid.UUID, user_id: uuid.UUID) -> None:
    status = await db.execute(
        "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2", project_id, user_id
    )
    if status != "DELETE 1":
        raise ResourceNotFound(f"user {user_id} has no role of their own on this project")
