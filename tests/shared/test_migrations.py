"""Migrations on real, fresh databases: order, idempotence, concurrency, immutability, areas."""

from __future__ import annotations

import asyncio
import re
import socket
from importlib import resources

import asyncpg
import pytest

from hearth_shared.db.errors import (
    DatabaseUnavailable,
    MigrationChecksumMismatch,
    MigrationError,
    UnknownMigration,
)
from hearth_shared.db.migrations import (
    MIGRATION_LOCK_KEY,
    Migration,
    load_migrations,
    migrate,
    migrate_all,
    parse_migration_name,
    pending_migrations,
    pending_migrations_all,
)
from hearth_shared.errors import StartupError
from hearth_shared.settings import DatabaseSettings
from tests.fixtures.postgres import DatabaseFactory

SHIPPED = [m.name for m in load_migrations()]
APP_TABLES = {
    "organizations",
    "users",
    "org_members",
    "projects",
    "project_members",
    "tokens",
    "user_tokens",
    "device_authorizations",
    "org_invitations",
    "org_api_keys",
    "saved_searches",
    "dashboards",
    "notification_channels",
    "alerts",
    "alert_channels",
    "alert_runs",
    "alert_notifications",
}


async def tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {row["tablename"] for row in rows}


async def ledger(dsn: str) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT name, checksum FROM schema_migrations ORDER BY name")
    finally:
        await conn.close()
    return [(row["name"], row["checksum"]) for row in rows]


async def execute(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def test_shipped_files_are_package_data_in_order() -> None:
    assert SHIPPED == [
        "0001_app_init.sql",
        "0002_catalog_files.sql",
        "0003_catalog_trace_index.sql",
        "0004_app_workspace.sql",
        "0005_catalog_compaction.sql",
        "0006_app_standard_dashboards.sql",
    ]
    folder = resources.files("hearth_shared.db") / "migrations"
    assert sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql")) == SHIPPED
    assert [m.area for m in load_migrations()] == ["app", "catalog", "catalog", "app", "catalog", "app"]


def test_file_names_must_follow_the_convention() -> None:
    assert parse_migration_name("0003_app_dashboards.sql") == "app"
    assert parse_migration_name("0004_catalog_trace_index.sql") == "catalog"
    for bad in ("3_app_x.sql", "0003_billing_x.sql", "0003_app_X.sql", "0003_app_x.txt"):
        with pytest.raises(ValueError, match=re.escape("NNNN_<app|catalog>_<what>.sql")):
            parse_migration_name(bad)


async def test_fresh_database_gets_every_file_then_nothing(empty_database_url: str) -> None:
    assert await pending_migrations(empty_database_url) == SHIPPED
    assert await tables(empty_database_url) == set()  # asking changes nothing

    assert await migrate(empty_database_url) == SHIPPED
    assert await tables(empty_database_url) == APP_TABLES | {
        "catalog_files",
        "trace_index",
        "compaction_jobs",
        "schema_migrations",
    }
    assert await ledger(empty_database_url) == [(m.name, m.checksum) for m in load_migrations()]

    assert await migrate(empty_database_url) == []
    assert await pending_migrations(empty_database_url) == []


async def test_three_concurrent_runners_apply_each_file_once(empty_database_url: str) -> None:
    results = await asyncio.gather(*(migrate(empty_database_url) for _ in range(3)))
    assert sorted(name for result in results for name in result) == SHIPPED
    assert sorted(results, key=len) == [
        [],
        [],
        SHIPPED,
    ]  # the lock holder did it all, the others found nothing
    assert [name for name, _ in await ledger(empty_database_url)] == SHIPPED


async def test_an_edited_applied_file_is_refused(empty_database_url: str) -> None:
    first = Migration("0001_app_first.sql", "app", "CREATE TABLE first (id int);")
    await migrate(empty_database_url, migrations=[first])

    edited = Migration(first.name, "app", "CREATE TABLE first (id bigint);")
    later = Migration("0002_app_later.sql", "app", "CREATE TABLE later (id int);")
    with pytest.raises(
        MigrationChecksumMismatch, match=r"0001_app_first\.sql changed after it ran"
    ) as caught:
        await migrate(empty_database_url, migrations=[edited, later])
    assert isinstance(caught.value, StartupError)
    assert "later" not in await tables(empty_database_url)  # refused before applying anything
    with pytest.raises(MigrationChecksumMismatch):
        await pending_migrations(empty_database_url, migrations=[edited, later])

    # Only line endings differ: the same file checked out on Windows.
    crlf = Migration(first.name, "app", first.sql.replace(";", ";\r\n"))
    lf = Migration(first.name, "app", first.sql.replace(";", ";\n"))
    assert crlf.checksum == lf.checksum


async def test_shipped_file_with_a_changed_checksum_is_refused(database_url: str) -> None:
    await execute(
        database_url, "UPDATE schema_migrations SET checksum = 'x' WHERE name = '0002_catalog_files.sql'"
    )
    with pytest.raises(MigrationChecksumMismatch, match=r"0002_catalog_files\.sql changed"):
        await migrate(database_url)


async def test_a_database_from_a_newer_version_is_refused(database_url: str) -> None:
    await execute(
        database_url, "INSERT INTO schema_migrations (name, checksum) VALUES ('0999_app_future.sql', 'x')"
    )
    with pytest.raises(UnknownMigration, match=r"0999_app_future\.sql.*upgrade Hearth"):
        await migrate(database_url)


async def test_a_failing_file_is_rolled_back_alone(empty_database_url: str) -> None:
    files = [
        Migration("0001_app_ok.sql", "app", "CREATE TABLE ok (id int);"),
        Migration("0002_app_bad.sql", "app", "CREATE TABLE half (id int); SELECT 1/0;"),
        Migration("0003_app_after.sql", "app", "CREATE TABLE after (id int);"),
    ]
    with pytest.raises(
        MigrationError, match=r"migration 0002_app_bad\.sql failed on .* rolled back: division by zero"
    ):
        await migrate(empty_database_url, migrations=files)
    assert await tables(empty_database_url) == {"ok", "schema_migrations"}
    assert [name for name, _ in await ledger(empty_database_url)] == ["0001_app_ok.sql"]

    fixed = [files[0], Migration("0002_app_bad.sql", "app", "CREATE TABLE half (id int);"), files[2]]
    assert await migrate(empty_database_url, migrations=fixed) == ["0002_app_bad.sql", "0003_app_after.sql"]


async def test_a_held_lock_makes_the_runner_give_up_clearly(empty_database_url: str) -> None:
    holder = await asyncpg.connect(empty_database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        with pytest.raises(MigrationError, match="held the migration lock"):
            await migrate(empty_database_url, lock_wait=0.3)
    finally:
        await holder.close()
    assert await migrate(empty_database_url) == SHIPPED  # the lock went with the holder's session


async def test_areas_split_over_two_databases(database_factory: DatabaseFactory) -> None:
    app_dsn = await database_factory(migrated=False)
    catalog_dsn = await database_factory(migrated=False)
    settings = DatabaseSettings(database_url=app_dsn, catalog_database_url=catalog_dsn)
    # each database in turn: the app's files, then the catalog's
    in_turn = [name for name in SHIPPED if "_app_" in name] + [
        name for name in SHIPPED if "_catalog_" in name
    ]

    assert await pending_migrations_all(settings) == in_turn
    assert await migrate_all(settings) == in_turn
    assert await tables(app_dsn) == APP_TABLES | {"schema_migrations"}
    assert await tables(catalog_dsn) == {
        "catalog_files",
        "trace_index",
        "compaction_jobs",
        "schema_migrations",
    }
    assert await migrate_all(settings) == []
    assert await pending_migrations_all(settings) == []


async def test_one_database_gets_both_areas(empty_database_url: str) -> None:
    settings = DatabaseSettings(database_url=empty_database_url)
    assert await migrate_all(settings) == SHIPPED
    assert await tables(empty_database_url) == APP_TABLES | {
        "catalog_files",
        "trace_index",
        "compaction_jobs",
        "schema_migrations",
    }


async def test_unreachable_database_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DatabaseUnavailable, match=rf"^PostgreSQL at u@127\.0\.0\.1:{port}/h is unreachable"):
        await migrate(f"postgresql://u:pw@127.0.0.1:{port}/h", connect_timeout=1)
