"""Errors of the PostgreSQL layer (pools, migrations), placed in the shared tree::

    HearthError
    └── DatabaseError
        ├── DatabaseUnavailable (503 via ServiceUnavailable; also a StartupError): cannot connect, or a
        │   readiness probe failed. At start it stops the process with its one sentence.
        └── MigrationError (StartupError): the schema cannot be brought up to date; the process must not start
            ├── MigrationChecksumMismatch: an applied migration file was edited afterwards
            └── UnknownMigration: the database has migrations this version does not know (it is newer)

Every message is one sentence that names the database as ``user@host:port/db`` — never the password.
"""

from __future__ import annotations

from hearth_shared.errors import HearthError, ServiceUnavailable, StartupError


class DatabaseError(HearthError):
    """Base of the database layer's errors."""


class DatabaseUnavailable(DatabaseError, ServiceUnavailable, StartupError):
    """PostgreSQL cannot be reached (refused, timed out, auth failed, database missing…).

    A 503 when it happens while serving; a StartupError too, so the process runner prints the sentence
    and exits when it happens at start (``open_pool``).
    """

    code, title = "database-unavailable", "Database unavailable"


class MigrationError(DatabaseError, StartupError):
    """The schema cannot be migrated; the detail says what to do."""

    code, title = "migration-error", "Database migration failed"


class MigrationChecksumMismatch(MigrationError):
    """An applied migration's file changed: refusing, because the database no longer matches the code."""


class UnknownMigration(MigrationError):
    """The database records migrations this version does not ship (it was migrated by a newer Hearth)."""
