"""First start on an empty database: organization, project, admin, write and read tokens — exactly once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hearth_shared.db.bootstrap import FirstProject, ensure_first_project
from hearth_shared.db.pool import DatabasePool
from hearth_shared.tokens import TokenStore

ARGS = {"org_slug": "hearth", "project_slug": "default", "admin_email": "admin@example.com"}


async def test_empty_database_gets_a_usable_first_project(db_pool: DatabasePool) -> None:
    first = await ensure_first_project(db_pool, admin_password_hash="$argon2id$fake", **ARGS)
    assert isinstance(first, FirstProject)
    assert first.write_token not in repr(first)
    assert first.read_token not in repr(first)

    store = TokenStore(db_pool)
    wrote = await store.resolve(first.write_token, "write")
    read = await store.resolve(first.read_token, "read")
    assert wrote is not None
    assert read is not None
    assert wrote.project_id == read.project_id == first.project_id
    assert (wrote.organization_slug, wrote.project_slug) == ("hearth", "default")
    assert wrote.organization_id == first.organization_id

    user = await db_pool.fetchrow("SELECT * FROM users WHERE id = $1", first.admin_user_id)
    assert user is not None
    assert (user["email"], user["password_hash"], user["is_admin"]) == (
        "admin@example.com",
        "$argon2id$fake",
        True,
    )
    assert (
        await db_pool.fetchval(
            "SELECT role FROM org_members WHERE organization_id = $1 AND user_id = $2",
            first.organization_id,
            first.admin_user_id,
        )
        == "admin"
    )
    assert (
        await db_pool.fetchval(
            "SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2",
            first.project_id,
            first.admin_user_id,
        )
        == "admin"
    )
    tokens = await store.for_project(first.project_id)
    assert sorted(t.kind for t in tokens) == ["read", "write"]
    assert all(t.created_by == first.admin_user_id for t in tokens)


async def test_second_call_does_nothing(db_pool: DatabasePool) -> None:
    assert await ensure_first_project(db_pool, admin_password_hash="h", **ARGS) is not None
    assert await ensure_first_project(db_pool, admin_password_hash="h", **ARGS) is None
    other = {**ARGS, "org_slug": "another", "project_slug": "another"}
    assert await ensure_first_project(db_pool, admin_password_hash="h", **other) is None  # not empty any more
    assert await db_pool.fetchval("SELECT count(*) FROM organizations") == 1
    assert await db_pool.fetchval("SELECT count(*) FROM tokens") == 2


async def test_concurrent_first_starts_bootstrap_once(db_pool: DatabasePool) -> None:
    results = await asyncio.gather(
        *(ensure_first_project(db_pool, admin_password_hash="h", **ARGS) for _ in range(4))
    )
    assert sum(result is not None for result in results) == 1
    assert await db_pool.fetchval("SELECT count(*) FROM projects") == 1
    assert await db_pool.fetchval("SELECT count(*) FROM users") == 1


async def test_an_existing_user_is_reused_and_keeps_their_password(db_pool: DatabasePool) -> None:
    existing = await db_pool.fetchval(
        "INSERT INTO users (email, name, password_hash) VALUES ($1, 'Ada', 'old-hash') RETURNING id",
        "Admin@Example.com",
    )
    first = await ensure_first_project(db_pool, admin_password_hash="new-hash", **ARGS)
    assert first is not None
    assert first.admin_user_id == existing
    user = await db_pool.fetchrow("SELECT * FROM users WHERE id = $1", existing)
    assert user is not None
    assert (user["name"], user["password_hash"], user["is_admin"]) == ("Ada", "old-hash", True)


async def test_oidc_only_admin_has_no_password(db_pool: DatabasePool) -> None:
    first = await ensure_first_project(
        db_pool, admin_password_hash=None, org_name="Acme", project_name="Web", **ARGS
    )
    assert first is not None
    assert (
        await db_pool.fetchval("SELECT password_hash FROM users WHERE id = $1", first.admin_user_id) is None
    )
    assert (
        await db_pool.fetchval("SELECT name FROM organizations WHERE id = $1", first.organization_id)
        == "Acme"
    )
    assert await db_pool.fetchval("SELECT name FROM projects WHERE id = $1", first.project_id) == "Web"


async def test_users_email_is_unique_case_insensitively(db_pool: DatabasePool) -> None:
    await db_pool.execute("INSERT INTO users (email) VALUES ('a@example.com')")
    with pytest.raises(asyncpg.UniqueViolationError):
        await db_pool.execute("INSERT INTO users (email) VALUES ('A@EXAMPLE.COM')")
