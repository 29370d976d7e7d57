"""PostgreSQL access shared by every service: pools, migrations, DSN helpers, first-start bootstrap.

Errors are drawn in :mod:`hearth_shared.db.errors`.
"""

from hearth_shared.db.dsn import describe_dsn, dsn_with_database
from hearth_shared.db.errors import (
    DatabaseError,
    DatabaseUnavailable,
    MigrationChecksumMismatch,
    MigrationError,
    UnknownMigration,
)
from hearth_shared.db.migrations import (
    migrate,
    migrate_all,
    pending_migrations,
    pending_migrations_all,
)
from hearth_shared.db.pool import (
    DatabaseConnection,
    DatabasePool,
    check_database,
    connect,
    open_pool,
    open_settings_pool,
)

__all__ = [
    "DatabaseConnection",
    "DatabaseError",
    "DatabasePool",
    "DatabaseUnavailable",
    "MigrationChecksumMismatch",
    "MigrationError",
    "UnknownMigration",
    "check_database",
    "connect",
    "describe_dsn",
    "dsn_with_database",
    "migrate",
    "migrate_all",
    "open_pool",
    "open_settings_pool",
    "pending_migrations",
    "pending_migrations_all",
]
