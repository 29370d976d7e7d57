"""``CatalogFile`` and ``FileCatalog``: the one place files are added, found, swapped, retired, forgotten."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

import asyncpg

from hearth_shared.catalog.errors import CatalogConflict
from hearth_shared.db.pool import DatabaseConnection, DatabasePool

TableName = Literal["records", "metrics"]
TABLE_NAMES: tuple[TableName, ...] = get_args(TableName)

_COLUMNS = (
    "id, project_id, table_name, day, object_key, min_timestamp, max_timestamp, row_count, byte_size, "
    "tier, source, created_at, retired_at"
)

# New rows arrive as parallel arrays so a batch is one statement and one round trip.
_INSERT = """
INSERT INTO catalog_files (
    id, project_id, table_name, day, object_key, min_timestamp, max_timestamp,
    row_count, byte_size, tier, source
)
SELECT * FROM unnest(
    $1::text[], $2::uuid[], $3::text[], $4::date[], $5::text[], $6::timestamptz[], $7::timestamptz[],
    $8::int8[], $9::int8[], $10::int4[], $11::text[]
)
"""


def object_key_for(table: TableName, project_id: uuid.UUID, day: date, file_id: str) -> str:
    """The storage layout's object key: ``<table>/project=<id>/day=<YYYY-MM-DD>/<file_id>.parquet``."""
    return f"{table}/project={project_id}/day={day.isoformat()}/{file_id}.parquet"


@dataclass(frozen=True)
class CatalogFile:
    """One Parquet object. ``min``/``max_timestamp`` bound its rows' start (records) or recorded
    (metrics) timestamps; ``created_at``/``retired_at`` are set by the database."""

    id: str
    project_id: uuid.UUID
    table_name: TableName
    day: date
    object_key: str
    min_timestamp: datetime
    max_timestamp: datetime
    row_count: int
    byte_size: int
    tier: int = 0
    source: str = ""
    created_at: datetime | None = None
    retired_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a catalog file needs an id")
        if self.table_name not in TABLE_NAMES:
            raise ValueError(f"table_name must be one of {TABLE_NAMES}, got {self.table_name!r}")
        if self.min_timestamp.tzinfo is None or self.max_timestamp.tzinfo is None:
            raise ValueError("catalog timestamps must be timezone-aware (UTC)")
        if self.min_timestamp > self.max_timestamp:
            raise ValueError(f"file {self.id}: min_timestamp is after max_timestamp")
        if self.row_count < 0 or self.byte_size < 0 or self.tier < 0:
            raise ValueError(f"file {self.id}: row_count, byte_size and tier must not be negative")

    @classmethod
    def from_record(cls, row: asyncpg.Record) -> CatalogFile:
        return cls(
            id=row["id"],
            # asyncpg returns its own UUID subclass; normalise so equality and hashing are plain.
            project_id=uuid.UUID(bytes=row["project_id"].bytes),
            table_name=row["table_name"],
            day=row["day"],
            object_key=row["object_key"],
            min_timestamp=row["min_timestamp"],
            max_timestamp=row["max_timestamp"],
            row_count=row["row_count"],
            byte_size=row["byte_size"],
            tier=row["tier"],
            source=row["source"],
            created_at=row["created_at"],
            retired_at=row["retired_at"],
        )


def _columns(files: Sequence[CatalogFile]) -> list[list[object]]:
    return [
        [f.id for f in files],
        [f.project_id for f in files],
        [f.table_name for f in files],
        [f.day for f in files],
        [f.object_key for f in files],
        [f.min_timestamp for f in files],
        [f.max_timestamp for f in files],
        [f.row_count for f in files],
        [f.byte_size for f in files],
        [f.tier for f in files],
        [f.source for f in files],
    ]


def _unique(ids: Iterable[str]) -> list[str]:
    # Sorted: rows are then always locked in the same order, so two swaps cannot deadlock each other.
    return sorted(set(ids))


def _sample(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


class FileCatalog:
    """The file catalog over an asyncpg pool on the catalog database."""

    def __init__(self, pool: DatabasePool) -> None:
        self._pool = pool

    async def add_files(self, files: Sequence[CatalogFile]) -> int:
        """Insert files; ids already catalogued (live, retired) are skipped. Returns how many were new.

        Idempotent by design: a WAL range replayed after a crash produces the same file ids, and the
        second insert is a no-op. The same object key under a different id is a :class:`CatalogConflict`.
        """
        unique = list({f.id: f for f in files}.values())
        if not unique:
            return 0
        try:
            status = await self._pool.execute(_INSERT + " ON CONFLICT (id) DO NOTHING", *_columns(unique))
        except asyncpg.UniqueViolationError as exc:
            raise CatalogConflict(
                f"an object key is catalogued already under another file id: {exc.detail}"
            ) from exc
        return int(status.rsplit(" ", 1)[1])

    async def files_for_range(
        self, project_id: uuid.UUID, table: TableName, min_ts: datetime, max_ts: datetime | None = None
    ) -> list[CatalogFile]:
        """Live files of a project's table whose [min, max] overlaps [min_ts, max_ts] (bounds inclusive).

        Inclusive on both ends so pruning never drops a file with a matching row; the engine applies
        the exact filter. ``max_ts=None`` means "until now and beyond". Ordered by min_timestamp.
        """
        if max_ts is None:
            rows = await self._pool.fetch(
                f"""
                SELECT {_COLUMNS} FROM catalog_files
                WHERE project_id = $1 AND table_name = $2 AND retired_at IS NULL AND max_timestamp >= $3
                ORDER BY min_timestamp, id
                """,
                project_id,
                table,
                min_ts,
            )
        else:
            rows = await self._pool.fetch(
                f"""
                SELECT {_COLUMNS} FROM catalog_files
                WHERE project_id = $1 AND table_name = $2 AND retired_at IS NULL
                  AND min_timestamp <= $4 AND max_timestamp >= $3
                ORDER BY min_timestamp, id
                """,
                project_id,
                table,
                min_ts,
                max_ts,
            )
        return [CatalogFile.from_record(row) for row in rows]

    async def get(self, ids: Iterable[str]) -> list[CatalogFile]:
        """Files by id, live or retired (unknown ids are absent from the result), ordered by id."""
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM catalog_files WHERE id = ANY($1::text[]) ORDER BY id", _unique(ids)
        )
        return [CatalogFile.from_record(row) for row in rows]

    async def replace(self, old_ids: Iterable[str], new_files: Sequence[CatalogFile]) -> None:
        """Retire ``old_ids`` and add ``new_files`` in one transaction: readers see the old set or the new.

        Raises :class:`CatalogConflict` and changes nothing when any old id is unknown or already
        retired — so of two compactors swapping the same files exactly one succeeds — or when a new
        file's id or object key exists already.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            await self.replace_on(conn, old_ids, new_files)

    @classmethod
    async def replace_on(
        cls, conn: DatabaseConnection, old_ids: Iterable[str], new_files: Sequence[CatalogFile]
    ) -> None:
        """``replace`` inside the caller's open transaction on ``conn``, so other rows (a compaction
        job's report) commit or roll back with the swap. On :class:`CatalogConflict` the caller's
        transaction is unusable and must be rolled back (leaving its ``async with`` does that)."""
        old = _unique(old_ids)
        try:
            live = await cls._lock_live(conn, old)
            if len(live) != len(old):
                gone = [i for i in old if i not in live]
                raise CatalogConflict(
                    f"cannot replace files {_sample(gone)}: unknown or already retired "
                    "(another compaction or retention got there first)"
                )
            await conn.execute("UPDATE catalog_files SET retired_at = now() WHERE id = ANY($1::text[])", old)
            if new_files:
                await conn.execute(_INSERT, *_columns(new_files))
        except asyncpg.UniqueViolationError as exc:
            raise CatalogConflict(f"a replacement file is catalogued already: {exc.detail}") from exc
        except asyncpg.DeadlockDetectedError as exc:  # only with ids locked by a non-catalog writer
            raise CatalogConflict("concurrent catalog change, retry the swap") from exc

    async def retire(self, ids: Iterable[str]) -> int:
        """Retire live files (retention, manual deletion); returns how many were live. Not all-or-nothing."""
        wanted = _unique(ids)
        async with self._pool.acquire() as conn, conn.transaction():
            live = await self._lock_live(conn, wanted)
            if not live:
                return 0
            status = await conn.execute(
                "UPDATE catalog_files SET retired_at = now() WHERE id = ANY($1::text[])", sorted(live)
            )
        return int(status.rsplit(" ", 1)[1])

    async def retired_before(self, cutoff: datetime, *, limit: int = 1000) -> list[CatalogFile]:
        """Files retired before ``cutoff`` (oldest first): their objects may now be deleted."""
        rows = await self._pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM catalog_files
            WHERE retired_at IS NOT NULL AND retired_at < $1
            ORDER BY retired_at, id
            LIMIT $2
            """,
            cutoff,
            limit,
        )
        return [CatalogFile.from_record(row) for row in rows]

    async def forget(self, ids: Iterable[str]) -> int:
        """Delete the rows of retired files whose objects are gone; live files are never deleted here."""
        status = await self._pool.execute(
            "DELETE FROM catalog_files WHERE id = ANY($1::text[]) AND retired_at IS NOT NULL", _unique(ids)
        )
        return int(status.rsplit(" ", 1)[1])

    @staticmethod
    async def _lock_live(conn: DatabaseConnection, ids: list[str]) -> set[str]:
        """Lock the rows in id order and return those still live (re-checked after any wait)."""
        rows = await conn.fetch(
            "SELECT id, retired_at FROM catalog_files WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", ids
        )
        return {row["id"] for row in rows if row["retired_at"] is None}
