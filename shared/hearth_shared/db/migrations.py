"""Schema migrations: ordered SQL files in ``migrations/``, applied once each, safely from many processes.

Files are named ``NNNN_<area>_<what>.sql``; ``area`` is ``app`` (users, projects, tokens…) or ``catalog``
(the Parquet file list). The two areas never reference each other, so the catalog can live in its own
database: :func:`migrate_all` applies the app files to ``database_url`` and the catalog files to
``catalog_database_url`` (or all files to the one database when they are the same).

Rules the runner enforces:

- A Postgres advisory lock serialises runners, so every replica may call :func:`migrate` at start.
- ``schema_migrations(name, applied_at, checksum)`` records what ran; each file runs in its own
  transaction together with its record, so a failure leaves the file wholly unapplied.
- Applied files are immutable: an edited file (checksum differs) or a recorded migration this version
  does not ship (a newer Hearth migrated the database) stops the run before anything is applied.
  Fix a released migration with a new file, never by editing it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import asyncpg

from hearth_shared.db.dsn import describe_dsn
from hearth_shared.db.errors import MigrationChecksumMismatch, MigrationError, UnknownMigration
from hearth_shared.db.pool import DatabaseConnection, connect
from hearth_shared.settings import DatabaseSettings

Area = Literal["app", "catalog"]
AREAS: tuple[Area, ...] = ("app", "catalog")

_FILE_NAME = re.compile(r"^(?P<number>\d{4})_(?P<area>app|catalog)_[a-z0-9_]+\.sql$")

#: Advisory lock key: the bytes of "hearthdb" read as a (positive) bigint; one key per database.
MIGRATION_LOCK_KEY = int.from_bytes(b"hearthdb", "big")
#: How long a runner waits for another one to finish before giving up.
LOCK_WAIT_SECONDS = 120.0

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        text        PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    checksum    text        NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    name: str
    area: Area
    sql: str = field(repr=False)

    @property
    def checksum(self) -> str:
        # Line endings are normalised so a Windows checkout (CRLF) does not look like an edited file.
        return hashlib.sha256(self.sql.replace("\r\n", "\n").encode()).hexdigest()


def parse_migration_name(name: str) -> Area:
    """The area of a migration file name; ``ValueError`` for a name that breaks the convention."""
    match = _FILE_NAME.match(name)
    if match is None:
        raise ValueError(f"migration file {name!r} must be named NNNN_<app|catalog>_<what>.sql")
    area: Area = "app" if match["area"] == "app" else "catalog"
    return area


def load_migrations() -> list[Migration]:
    """Every migration shipped in the package, in order (package data, so it works from a wheel)."""
    folder = resources.files("hearth_shared.db") / "migrations"
    found = [
        Migration(entry.name, parse_migration_name(entry.name), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    found.sort(key=lambda m: m.name)
    numbers = [m.name[:4] for m in found]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ValueError(f"two migration files share the number {', '.join(duplicates)}")
    return found


def _select(migrations: Iterable[Migration], areas: Iterable[Area]) -> list[Migration]:
    wanted = set(areas)
    return sorted((m for m in migrations if m.area in wanted), key=lambda m: m.name)


async def _ledger(conn: DatabaseConnection) -> dict[str, str]:
    if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NULL"):
        return {}
    rows = await conn.fetch("SELECT name, checksum FROM schema_migrations")
    return {row["name"]: row["checksum"] for row in rows}


def _verify(applied: dict[str, str], known: Sequence[Migration], where: str) -> None:
    by_name = {m.name: m for m in known}
    unknown = sorted(name for name in applied if name not in by_name)
    if unknown:
        raise UnknownMigration(
            f"the database {where} has migrations this Hearth version does not ship ({', '.join(unknown)}): "
            "it was migrated by a newer version; upgrade Hearth"
        )
    changed = sorted(name for name, checksum in applied.items() if by_name[name].checksum != checksum)
    if changed:
        raise MigrationChecksumMismatch(
            f"applied migration {', '.join(changed)} changed after it ran on {where} (checksum differs); "
            "restore the original file and put the change in a new migration"
        )


async def _lock(conn: DatabaseConnection, where: str, wait: float) -> None:
    # lock_timeout also bounds advisory-lock waits, and (unlike a client-side timeout) leaves the
    # session clean; it is reset before any migration runs so DDL is not affected by it.
    await conn.execute(f"SET lock_timeout = {max(1, int(wait * 1000))}")
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    except asyncpg.LockNotAvailableError as exc:
        raise MigrationError(
            f"another migration run has held the migration lock on {where} for over {wait:g} s; "
            "wait for it to finish or end it"
        ) from exc
    finally:
        await conn.execute("RESET lock_timeout")


async def migrate(
    dsn: str,
    *,
    areas: Iterable[Area] = AREAS,
    migrations: Sequence[Migration] | None = None,
    connect_timeout: float = 10.0,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> list[str]:
    """Apply pending migrations of ``areas`` in order; return the names applied (empty when up to date).

    ``migrations`` replaces the shipped files (tests, tools). Raises :class:`DatabaseUnavailable`
    when the database cannot be reached and :class:`MigrationError` subclasses as described above.
    """
    known = load_migrations() if migrations is None else list(migrations)
    wanted = _select(known, areas)
    where = describe_dsn(dsn)
    conn = await connect(dsn, connect_timeout=connect_timeout)
    try:
        await _lock(conn, where, lock_wait)
        # Ledger work happens under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide.
        await conn.execute(_CREATE_LEDGER)
        applied = await _ledger(conn)
        _verify(applied, known, where)
        done: list[str] = []
        for migration in wanted:
            if migration.name in applied:
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                        migration.name,
                        migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"migration {migration.name} failed on {where} and was rolled back: {exc}"
                ) from exc
            done.append(migration.name)
        return done
    finally:
        await conn.close()  # ends the session, which releases the advisory lock


async def pending_migrations(
    dsn: str,
    *,
    areas: Iterable[Area] = AREAS,
    migrations: Sequence[Migration] | None = None,
    connect_timeout: float = 10.0,
) -> list[str]:
    """Names ``migrate`` would apply now (no lock taken, nothing changed); raises like ``migrate``."""
    known = load_migrations() if migrations is None else list(migrations)
    conn = await connect(dsn, connect_timeout=connect_timeout)
    try:
        applied = await _ledger(conn)
    finally:
        await conn.close()
    _verify(applied, known, describe_dsn(dsn))
    return [m.name for m in _select(known, areas) if m.name not in applied]


def _targets(settings: DatabaseSettings) -> list[tuple[str, tuple[Area, ...]]]:
    app, catalog = settings.database_url, settings.effective_catalog_database_url
    if app == catalog:
        return [(app, AREAS)]
    return [(app, ("app",)), (catalog, ("catalog",))]


async def migrate_all(settings: DatabaseSettings) -> list[str]:
    """Migrate the app database and the catalog database (once if they are the same DSN).

    Each area's files go only to its own database. Returns the names applied (app first, then
    catalog); a name's area is its second word (:func:`parse_migration_name`).
    """
    applied: list[str] = []
    for dsn, areas in _targets(settings):
        applied += await migrate(dsn, areas=areas, connect_timeout=settings.database_connect_timeout)
    return applied


async def pending_migrations_all(settings: DatabaseSettings) -> list[str]:
    """Pending names over both databases (for ``hearth migrate --check`` or a start-up check)."""
    pending: list[str] = []
    for dsn, areas in _targets(settings):
        pending += await pending_migrations(
            dsn, areas=areas, connect_timeout=settings.database_connect_timeout
        )
    return pending
