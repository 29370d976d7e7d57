"""First start: on an empty database create an organization, a project, its admin and two tokens.

``hearth up`` calls :func:`ensure_first_project` after migrating so a new install can receive data at once;
the token texts are returned only this one time (only their hashes are stored).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from hearth_shared.db.pool import DatabasePool
from hearth_shared.tokens import DEFAULT_REGION, insert_token

#: Transaction-level advisory lock so two processes starting together cannot both bootstrap.
BOOTSTRAP_LOCK_KEY = int.from_bytes(b"hearthbs", "big")


@dataclass(frozen=True)
class FirstProject:
    organization_id: uuid.UUID
    organization_slug: str
    project_id: uuid.UUID
    project_slug: str
    admin_user_id: uuid.UUID
    admin_email: str
    write_token: str = field(repr=False)
    read_token: str = field(repr=False)


async def ensure_first_project(
    pool: DatabasePool,
    *,
    org_slug: str,
    project_slug: str,
    admin_email: str,
    admin_password_hash: str | None,
    org_name: str | None = None,
    project_name: str | None = None,
    region: str = DEFAULT_REGION,
) -> FirstProject | None:
    """Create the first organization/project/admin/tokens; None when any organization exists already.

    "Empty" means no organization: after the first run (or once someone made their own organization)
    this does nothing, so it is safe on every start. An existing user with ``admin_email`` is reused
    and made admin (their password hash is kept if they have one).
    """
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", BOOTSTRAP_LOCK_KEY)
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM organizations)"):
            return None
        org_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id",
            org_slug,
            org_name or org_slug,
        )
        project_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO projects (organization_id, slug, name) VALUES ($1, $2, $3) RETURNING id",
            org_id,
            project_slug,
            project_name or project_slug,
        )
        user_id: uuid.UUID = await conn.fetchval(
            """
            INSERT INTO users (email, name, password_hash, is_admin) VALUES ($1, $2, $3, true)
            ON CONFLICT ((lower(email))) DO UPDATE
                SET is_admin = true, password_hash = coalesce(users.password_hash, EXCLUDED.password_hash)
            RETURNING id
            """,
            admin_email,
            admin_email.split("@", 1)[0],
            admin_password_hash,
        )
        await conn.execute(
            "INSERT INTO org_members (organization_id, user_id, role) VALUES ($1, $2, 'admin')",
            org_id,
            user_id,
        )
        await conn.execute(
            "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'admin')",
            project_id,
            user_id,
        )
        write_token, _ = await insert_token(
            conn, project_id, "write", "created at first start", created_by=user_id, region=region
        )
        read_token, _ = await insert_token(
            conn, project_id, "read", "created at first start", created_by=user_id, region=region
        )
    return FirstProject(
        organization_id=org_id,
        organization_slug=org_slug,
        project_id=project_id,
        project_slug=project_slug,
        admin_user_id=user_id,
        admin_email=admin_email,
        write_token=write_token,
        read_token=read_token,
    )
