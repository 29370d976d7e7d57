"""Projects of an organization, with the caller's project membership alongside."""

from __future__ import annotations

import uuid

import asyncpg

from hearth_backend.errors import AlreadyExists
from hearth_backend.tenancy.roles import OrgRole, ProjectRole, effective_project_role, project_role
from hearth_backend.tenancy.rows import PROJECT_COLUMNS, ProjectMembership, ProjectRow
from hearth_backend.workspace.standard import install_standard_dashboards
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import Executor

DEFAULT_RETENTION_DAYS = 30


def _membership(value: str | None) -> ProjectRole | None:
    return None if value is None else project_role(value)


async def project_and_membership(
    db: Executor, organization_id: uuid.UUID, user_id: uuid.UUID, slug: str
) -> tuple[ProjectRow, ProjectRole | None] | None:
    """The project ``slug`` of the organization and the user's project membership role, if any."""
    row = await db.fetchrow(
        f"""
        SELECT {PROJECT_COLUMNS}, pm.role AS membership FROM projects p
        LEFT JOIN project_members pm ON pm.project_id = p.id AND pm.user_id = $2
        WHERE p.organization_id = $1 AND p.slug = $3
        """,
        organization_id,
        user_id,
        slug,
    )
    return None if row is None else (ProjectRow.from_record(row), _membership(row["membership"]))


async def visible_projects(
    db: Executor, user_id: uuid.UUID, org_roles: dict[uuid.UUID, OrgRole]
) -> list[ProjectMembership]:
    """The projects of these organizations the user can see, with their effective roles, by slug."""
    rows = await db.fetch(
        f"""
        SELECT {PROJECT_COLUMNS}, pm.role AS membership FROM projects p
        LEFT JOIN project_members pm ON pm.project_id = p.id AND pm.user_id = $1
        WHERE p.organization_id = ANY($2::uuid[])
        ORDER BY p.slug
        """,
        user_id,
        list(org_roles),
    )
    visible = []
    for row in rows:
        project = ProjectRow.from_record(row)
        role = effective_project_role(org_roles.get(project.organization_id), _membership(row["membership"]))
        if role is not None:
            visible.append(ProjectMembership(project, role))
    return visible


async def create_project(
    pool: DatabasePool,
    organization_id: uuid.UUID,
    slug: str,
    name: str,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    creator: uuid.UUID,
    creator_org_role: OrgRole,
) -> ProjectRow:
    """A new project, with the standard dashboards; its creator becomes its admin (org admins are admins
    of every project already). 409 when the organization has a project with this slug."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await conn.fetchrow(
                f"""
                INSERT INTO projects AS p (organization_id, slug, name, retention_days)
                VALUES ($1, $2, $3, $4)
                RETURNING {PROJECT_COLUMNS}
                """,
                organization_id,
                slug,
                name,
                retention_days,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists(f"the organization has a project {slug!r} already") from exc
        assert row is not None
        project = ProjectRow.from_record(row)
        if creator_org_role != "admin":
            await conn.execute(
                "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'admin')",
                project.id,
                creator,
            )
        await install_standard_dashboards(conn, project.id)
    return project


async def update_project(
    db: Executor, project_id: uuid.UUID, *, name: str | None, retention_days: int | None
) -> ProjectRow:
    row = await db.fetchrow(
        f"""
        UPDATE projects AS p SET name = coalesce($2, p.name), retention_days = coalesce($3, p.retention_days)
        WHERE p.id = $1 RETURNING {PROJECT_COLUMNS}
        """,
        project_id,
        name,
        retention_days,
    )
    assert row is not None
    return ProjectRow.from_record(row)


async def delete_project(pool: DatabasePool, project_id: uuid.UUID) -> list[bytes]:
    """Delete the project (its tokens, members and workspace objects cascade); returns the hashes of its
    tokens so caches can forget them. Its Parquet files are left to maintenance's retention."""
    async with pool.acquire() as conn, conn.transaction():
        hashes = await conn.fetch("SELECT token_hash FROM tokens WHERE project_id = $1", project_id)
        await conn.execute("DELETE FROM projects WHERE id = $1", project_id)
    return [bytes(row["token_hash"]) for row in hashes]
