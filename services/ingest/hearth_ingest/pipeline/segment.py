"""One sealed WAL segment turned into everything it stores, in a worker process: all of the CPU-bound
work (decode, convert, live-tail entries, Parquet bytes, trace windows) and no I/O besides reading it.

The ingest process then stores the result (:mod:`.store`) while the worker converts the next segment:
a worker never sits idle waiting on object storage or Postgres. File identity derives from the
segment (``<node>-<segment>``), so converting the same segment again makes the very same files.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

from hearth_ingest.pipeline.convert import convert_record
from hearth_ingest.wal.format import decode_all
from hearth_shared.catalog import CatalogFile
from hearth_shared.catalog.files import TableName, object_key_for
from hearth_shared.live_tail import encode_batch
from hearth_shared.schema import TABLES
from hearth_shared.schema.parquet import parquet_bytes

LiveEntry = dict[str, bytes | int]


@dataclass(frozen=True, slots=True)
class TraceWindows:
    """First and last span start of each trace in a segment, for one project (the trace index)."""

    project_id: uuid.UUID
    trace_ids: list[str]  # sorted
    min_starts_us: list[int]  # microseconds since the epoch
    max_starts_us: list[int]


@dataclass(frozen=True, slots=True)
class ConvertedSegment:
    segment: str  # the segment's name, e.g. "00000042"
    records: int  # WAL records read
    torn_tail: bool
    files: list[tuple[CatalogFile, bytes]]  # each file's catalog entry and its Parquet bytes
    live: list[tuple[str, LiveEntry]]  # per project, one live-tail entry of its new rows
    traces: list[TraceWindows]

    @property
    def rows(self) -> int:
        return sum(entry.row_count for entry, _ in self.files)


def split_by_day(table_name: str, table: pa.Table) -> list[tuple[date, pa.Table]]:
    days = table.column("day").unique().to_pylist()
    if len(days) == 1:
        return [(days[0], table)]
    return [(day, table.filter(pc.equal(table.column("day"), pa.scalar(day, pa.date32())))) for day in days]


def convert_segment(path: Path, *, node_id: str, native: bool) -> ConvertedSegment:
    result = decode_all(path.read_bytes())
    segment_name = path.name.split(".", 1)[0]
    partitions: dict[tuple[TableName, str, date], list[pa.Table]] = defaultdict(list)
    live: dict[str, list[pa.Table]] = defaultdict(list)
    for record in result.records:
        for table_name, table in convert_record(record, native=native):
            if table.num_rows == 0:
                continue
            if table_name == "records":
                live[record.project_id].append(table)
            for day, part in split_by_day(table_name, table):
                partitions[(table_name, record.project_id, day)].append(part)
    return ConvertedSegment(
        segment=segment_name,
        records=len(result.records),
        torn_tail=result.torn_tail,
        files=_files(f"{node_id}-{segment_name}", segment_name, node_id, partitions),
        live=[(project, encode_batch(pa.concat_tables(tables))) for project, tables in live.items()],
        traces=_trace_windows(partitions),
    )


def _files(
    file_id: str,
    segment_name: str,
    node_id: str,
    partitions: dict[tuple[TableName, str, date], list[pa.Table]],
) -> list[tuple[CatalogFile, bytes]]:
    files: list[tuple[CatalogFile, bytes]] = []
    for (table_name, project_id, day), parts in sorted(partitions.items()):
        table = pa.concat_tables(parts)
        data = parquet_bytes(table_name, table)
        key = object_key_for(table_name, uuid.UUID(project_id), day, file_id)
        bounds = pc.min_max(table.column(TABLES[table_name].time_column)).as_py()
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        entry = CatalogFile(
            id=key,
            project_id=uuid.UUID(project_id),
            table_name=table_name,
            day=day,
            object_key=key,
            min_timestamp=_utc(bounds["min"], day_start),
            max_timestamp=_utc(bounds["max"], day_start + timedelta(days=1) - timedelta(microseconds=1)),
            row_count=table.num_rows,
            byte_size=len(data),
            source=f"wal:{node_id}:{segment_name}",
        )
        files.append((entry, data))
    return files


def _trace_windows(partitions: dict[tuple[TableName, str, date], list[pa.Table]]) -> list[TraceWindows]:
    by_project: dict[str, list[pa.Table]] = defaultdict(list)
    for (table_name, project_id, _), parts in partitions.items():
        if table_name == "records":
            by_project[project_id].extend(parts)
    windows: list[TraceWindows] = []
    for project_id, parts in by_project.items():
        # the two columns of each part first: concatenating whole parts costs ~0.5 us/span
        table = pa.concat_tables([part.select(["trace_id", "start_timestamp"]) for part in parts])
        table = table.filter(pc.not_equal(table.column("trace_id"), ""))  # logs outside any trace
        grouped = table.group_by("trace_id").aggregate(
            [("start_timestamp", "min"), ("start_timestamp", "max")]
        )
        grouped = grouped.sort_by("trace_id")  # the index's write order (no deadlocks), done here in Arrow
        windows.append(
            TraceWindows(
                uuid.UUID(project_id),
                grouped.column("trace_id").to_pylist(),
                # integers: a datetime per trace cost ~3 us to build and as much for asyncpg to encode
                grouped.column("start_timestamp_min").cast(pa.int64()).to_pylist(),
                grouped.column("start_timestamp_max").cast(pa.int64()).to_pylist(),
            )
        )
    return windows


def _utc(value: datetime | None, fallback: datetime) -> datetime:
    if value is None:  # only null timestamps (metrics may lack one): the partition's day bounds the file
        return fallback
    return value if value.tzinfo else value.replace(tzinfo=UTC)
