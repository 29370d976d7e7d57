"""Shared pieces of the query API tests: projects with real tokens, rows of the real schemas written as
Parquet by the shared writer into real storage, catalogued in the real catalog, and the app served by
a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api.settings import QueryApiSettings
from hearth_shared.catalog import CatalogFile, FileCatalog, TableName
from hearth_shared.catalog.files import object_key_for
from hearth_shared.db import DatabasePool
from hearth_shared.db.bootstrap import ensure_first_project
from hearth_shared.schema import METRICS_SCHEMA, RECORDS_SCHEMA
from hearth_shared.schema.parquet import parquet_bytes
from hearth_shared.storage import ObjectStorage
from hearth_shared.tokens import insert_token

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Project:
    project_id: uuid.UUID
    write_token: str
    read_token: str


async def first_project(pool: DatabasePool) -> Project:
    first = await ensure_first_project(
        pool, org_slug="acme", project_slug="web", admin_email="a@example.com", admin_password_hash=None
    )
    assert first is not None
    return Project(first.project_id, first.write_token, first.read_token)


async def another_project(pool: DatabasePool, slug: str) -> Project:
    """A second project in the first organization (which must exist), with its own tokens."""
    org_id = await pool.fetchval("SELECT id FROM organizations ORDER BY created_at LIMIT 1")
    project_id: uuid.UUID = await pool.fetchval(
        "INSERT INTO projects (organization_id, slug, name) VALUES ($1, $2, $2) RETURNING id", org_id, slug
    )
    project_id = uuid.UUID(bytes=project_id.bytes)
    write_token, _ = await insert_token(pool, project_id, "write")
    read_token, _ = await insert_token(pool, project_id, "read")
    return Project(project_id, write_token, read_token)


def record(project_id: uuid.UUID, start: datetime, **values: Any) -> dict[str, Any]:
    """One `records` row with every required column filled; ``values`` override or add columns."""
    row: dict[str, Any] = {
        "start_timestamp": start,
        "end_timestamp": start + timedelta(milliseconds=5),
        "duration": 0.005,
        "created_at": start,
        "day": start.date(),
        "project_id": str(project_id),
        "trace_id": uuid.uuid4().hex,
        "span_id": uuid.uuid4().hex[:16],
        "kind": "span",
        "level": 9,
        "span_name": "handle request",
        "message": "handle request",
        "service_name": "web",
    }
    row.update(values)
    return row


def metric(project_id: uuid.UUID, recorded: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "recorded_timestamp": recorded,
        "start_timestamp": recorded,
        "created_at": recorded,
        "day": recorded.date(),
        "project_id": str(project_id),
        "metric_name": "jobs.done",
        "metric_type": "sum",
        "unit": "1",
        "service_name": "web",
        "scalar_value": 1.0,
    }
    row.update(values)
    return row


class Data:
    """Writes Parquet files of the real schemas to storage and catalogues them."""

    def __init__(self, storage: ObjectStorage, catalog: FileCatalog) -> None:
        self.storage = storage
        self.catalog = catalog
        self._count = 0

    def file_for(
        self,
        table: TableName,
        project_id: uuid.UUID,
        rows: Sequence[dict[str, Any]],
        file_id: str | None = None,
    ) -> tuple[CatalogFile, bytes]:
        schema = RECORDS_SCHEMA if table == "records" else METRICS_SCHEMA
        time_column = "start_timestamp" if table == "records" else "recorded_timestamp"
        arrow = pa.Table.from_pylist(list(rows), schema=schema)
        data = parquet_bytes(table, arrow)
        times = [row[time_column] for row in rows]
        self._count += 1
        file_id = file_id or f"f{self._count:04d}-{uuid.uuid4().hex[:8]}"
        day: date = min(times).date()
        entry = CatalogFile(
            id=file_id,
            project_id=project_id,
            table_name=table,
            day=day,
            object_key=object_key_for(table, project_id, day, file_id),
            min_timestamp=min(times),
            max_timestamp=max(times),
            row_count=len(rows),
            byte_size=len(data),
            source=f"test:{file_id}",
        )
        return entry, data

    async def put(self, entry: CatalogFile, data: bytes) -> CatalogFile:
        await self.storage.put(entry.object_key, data)
        return entry

    async def add(
        self, table: TableName, project_id: uuid.UUID, rows: Sequence[dict[str, Any]]
    ) -> CatalogFile:
        """Store and catalogue one file holding ``rows``."""
        entry, data = self.file_for(table, project_id, rows)
        await self.put(entry, data)
        assert await self.catalog.add_files([entry]) == 1
        return entry


def query_settings(
    database_url: str, redis_url: str, storage: tuple[str, dict[str, str]], **overrides: Any
) -> QueryApiSettings:
    storage_url, storage_options = storage
    return QueryApiSettings(
        database_url=database_url,
        redis_url=redis_url,
        storage_url=storage_url,
        storage_options=storage_options,
        **overrides,
    )
