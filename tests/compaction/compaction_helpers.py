"""Shared pieces of the compaction tests: tables of the real schemas built column-wise (fast enough for
a few hundred thousand rows), written as Parquet by the shared writer into real storage and catalogued
in the real catalog, the way ingest does it."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from hearth_compaction.settings import CompactionSettings
from hearth_shared.catalog import CatalogFile, FileCatalog, TableName
from hearth_shared.catalog.compaction import CompactionCatalog, Partition
from hearth_shared.catalog.files import object_key_for
from hearth_shared.db import DatabasePool
from hearth_shared.schema import TABLES
from hearth_shared.schema.parquet import parquet_bytes
from hearth_shared.storage import ObjectStorage

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
DAY = T0.date()
PROJECT = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
_TS = pa.timestamp("us", tz="UTC")


def _table(table_name: str, columns: dict[str, pa.Array], rows: int) -> pa.Table:
    schema = TABLES[table_name].schema
    arrays = [columns[f.name] if f.name in columns else pa.nulls(rows, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _micros(start: datetime) -> int:
    return int(start.timestamp() * 1_000_000)


def records_table(
    project_id: uuid.UUID, start: datetime, rows: int, *, spread: timedelta, seed: int, tag: str = ""
) -> pa.Table:
    """``rows`` spans at random times in [start, start + spread), ~5 spans per trace, unique span ids."""
    rng = random.Random(seed)
    base, width = _micros(start), max(1, int(spread.total_seconds() * 1_000_000))
    times = [base + rng.randrange(width) for _ in range(rows)]
    traces = [f"{rng.getrandbits(128):032x}" for _ in range(max(1, rows // 5))]
    trace_ids = [traces[rng.randrange(len(traces))] for _ in range(rows)]
    start_ts = pa.array(times, pa.int64()).cast(_TS)
    columns = {
        "start_timestamp": start_ts,
        "end_timestamp": pc.add(pa.array(times, pa.int64()), 5000).cast(_TS),
        "duration": pa.array([0.005] * rows, pa.float64()),
        "created_at": start_ts,
        "day": pc.cast(start_ts, pa.date32()),
        "project_id": pa.array([str(project_id)] * rows, pa.string()),
        "trace_id": pa.array(trace_ids, pa.string()),
        "span_id": pa.array([f"{seed:08x}{i:08x}" for i in range(rows)], pa.string()),
        "kind": pa.array(["span"] * rows, pa.string()),
        "level": pa.array([9] * rows, pa.int32()),
        "span_name": pa.array(["handle request"] * rows, pa.string()),
        "message": pa.array([f"{tag}message {seed}-{i}" for i in range(rows)], pa.string()),
        "service_name": pa.array(["web"] * rows, pa.string()),
        "attributes": pa.array([f'{{"i": {i}, "seed": {seed}}}' for i in range(rows)], pa.string()),
        "tags": pa.array([["a", "b"] if i % 3 == 0 else None for i in range(rows)], pa.list_(pa.string())),
    }
    return _table("records", columns, rows)


def metrics_table(
    project_id: uuid.UUID, start: datetime, rows: int, *, spread: timedelta, seed: int, null_every: int = 0
) -> pa.Table:
    """``rows`` data points at random times; every ``null_every``-th has no recorded time."""
    rng = random.Random(seed)
    base, width = _micros(start), max(1, int(spread.total_seconds() * 1_000_000))
    times: list[int | None] = [base + rng.randrange(width) for _ in range(rows)]
    if null_every:
        times = [None if i % null_every == 0 else t for i, t in enumerate(times)]
    recorded = pa.array(times, pa.int64()).cast(_TS)
    created = pa.array([base] * rows, pa.int64()).cast(_TS)
    columns = {
        "recorded_timestamp": recorded,
        "start_timestamp": recorded,
        "created_at": created,
        "day": pc.cast(created, pa.date32()),
        "project_id": pa.array([str(project_id)] * rows, pa.string()),
        "metric_name": pa.array([f"jobs.{i % 4}" for i in range(rows)], pa.string()),
        "metric_type": pa.array(["sum"] * rows, pa.string()),
        "unit": pa.array(["1"] * rows, pa.string()),
        "service_name": pa.array(["web"] * rows, pa.string()),
        "scalar_value": pa.array([float(seed * 1_000_000 + i) for i in range(rows)], pa.float64()),
        "histogram_bucket_counts": pa.array(
            [[1, 2, 3] if i % 5 == 0 else None for i in range(rows)], pa.list_(pa.int64())
        ),
    }
    return _table("metrics", columns, rows)


#: Columns that identify a row uniquely in the tables above (content comparisons sort by them).
IDENTITY = {"records": ["span_id"], "metrics": ["scalar_value"]}


def canonical(table_name: str, table: pa.Table) -> pa.Table:
    """The rows in one order independent of how they were split and merged."""
    return table.sort_by([(column, "ascending") for column in IDENTITY[table_name]])


class Files:
    """Stores tables as Parquet objects (the shared writer, sorted, as ingest writes them) and catalogues
    them, one file per table."""

    def __init__(self, storage: ObjectStorage, pool: DatabasePool) -> None:
        self.storage = storage
        self.catalog = FileCatalog(pool)
        self.compaction = CompactionCatalog(pool)
        self.count = 0

    async def add(self, table_name: TableName, project_id: uuid.UUID, table: pa.Table) -> CatalogFile:
        self.count += 1
        data = parquet_bytes(table_name, table)
        day: date = table.column("day")[0].as_py()
        file_id = f"ingest-{self.count:05d}-{uuid.uuid4().hex[:8]}"
        key = object_key_for(table_name, project_id, day, file_id)
        bounds = pc.min_max(table.column(TABLES[table_name].time_column)).as_py()
        entry = CatalogFile(
            id=key,
            project_id=project_id,
            table_name=table_name,
            day=day,
            object_key=key,
            min_timestamp=bounds["min"],
            max_timestamp=bounds["max"],
            row_count=table.num_rows,
            byte_size=len(data),
            source=f"test:{file_id}",
        )
        await self.storage.put(key, data)
        assert await self.catalog.add_files([entry]) == 1
        return entry

    async def read(self, files: Sequence[CatalogFile]) -> pa.Table:
        tables = [pq.read_table(io.BytesIO(await self.storage.get(f.object_key))) for f in files]
        return pa.concat_tables(tables)

    async def live(self, partition: Partition) -> list[CatalogFile]:
        return await self.compaction.partition_files(partition)


def settings_for(database_url: str, storage_url: str, **overrides: Any) -> CompactionSettings:
    """Test settings: no minimum age, small tiers so a few small files make a merge."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "storage_url": storage_url,
        "compaction_min_files": 4,
        "compaction_min_file_age": 0,
        "compaction_poll_interval": 0.05,
        "compaction_tier_base_bytes": 64 * 1024,
        "compaction_tier_factor": 4,
        "compaction_target_file_rows": 1_000_000,
        "compaction_target_file_bytes": 64 * 1024 * 1024,
    }
    values.update(overrides)
    return CompactionSettings(**values)
