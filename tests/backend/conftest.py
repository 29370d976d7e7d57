"""Backend test fixtures: two tenants (organization + project + tokens made by ``TokenStore``) on real
Postgres, and settings pointing the backend at the test's Postgres and Redis."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from hearth_backend.settings import BackendSettings
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import TokenStore

#: A port nothing listens on (the discard service; unprivileged tests cannot bind it).
DEAD_URL = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Tenant:
    organization_slug: str
    project_slug: str
    organization_id: uuid.UUID
    project_id: uuid.UUID
    write_token: str
    read_token: str


async def make_tenant(
    pool: DatabasePool, org_slug: str, project_slug: str, *, org_name: str = "", project_name: str = ""
) -> Tenant:
    org_id = await pool.fetchval(
        "INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id", org_slug, org_name or org_slug
    )
    project_id = await pool.fetchval(
        "INSERT INTO projects (organization_id, slug, name) VALUES ($1, $2, $3) RETURNING id",
        org_id,
        project_slug,
        project_name or project_slug,
    )
    # asyncpg's UUID type is not uuid.UUID (equality and hashing differ in places)
    org_uuid, project_uuid = uuid.UUID(bytes=org_id.bytes), uuid.UUID(bytes=project_id.bytes)
    store = TokenStore(pool)
    write_token, _ = await store.create(project_uuid, "write", "backend tests")
    read_token, _ = await store.create(project_uuid, "read", "backend tests")
    return Tenant(org_slug, project_slug, org_uuid, project_uuid, write_token, read_token)


@pytest.fixture
async def tenant(db_pool: DatabasePool) -> Tenant:
    return await make_tenant(db_pool, "acme", "web", org_name="ACME Inc.", project_name="Web shop")


@pytest.fixture
async def other_tenant(db_pool: DatabasePool, tenant: Tenant) -> Tenant:
    return await make_tenant(db_pool, "globex", "billing", org_name="Globex", project_name="Billing")


def backend_settings(database_url: str, redis_url: str, **overrides: Any) -> BackendSettings:
    """Explicit values for what ``hearth up`` exports, so the test's environment cannot leak in."""
    values: dict[str, Any] = {"public_base_url": "http://hearth.example:8080", "query_api_url": DEAD_URL}
    values.update(overrides)
    return BackendSettings(database_url=database_url, redis_url=redis_url, **values)
