"""The shared Parquet writer: schema kept, rows sorted, zstd, statistics, bloom filters present."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from hearth_shared.schema import RECORDS_SCHEMA
from hearth_shared.schema.parquet import parquet_bytes


def records(n: int) -> pa.Table:
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    rows = []
    for i in range(n):
        ts = start + timedelta(seconds=(n - i))  # reverse time order, so sorting shows
        rows.append({
            "start_timestamp": ts, "end_timestamp": ts, "created_at": ts, "day": date(2026, 11, 23),
            "project_id": "p", "trace_id": f"{i:032x}", "span_id": f"{i:016x}", "kind": "span", "level": 9,
            "span_name": "s", "message": f"m{i}", "service_name": "svc",
        })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=RECORDS_SCHEMA)


def test_parquet_roundtrip_sorted_with_bloom_filters_and_stats() -> None:
    data = parquet_bytes("records", records(500))
    parquet = pq.ParquetFile(io.BytesIO(data))
    table = parquet.read()
    assert table.schema.equals(RECORDS_SCHEMA)
    times = table.column("start_timestamp").to_pylist()
    assert times == sorted(times)
    column_names = [parquet.metadata.schema.column(i).name for i in range(parquet.metadata.num_columns)]
    row_group = parquet.metadata.row_group(0)
    trace_chunk = row_group.column(column_names.index("trace_id"))
    assert trace_chunk.compression == "ZSTD"
    assert trace_chunk.statistics is not None
    assert trace_chunk.statistics.has_min_max
    # a bloom filter is its own block in the file; the column chunk records where it is
    for column in ("trace_id", "span_id"):
        assert row_group.column(column_names.index(column)).to_dict()["bloom_filter_offset"] is not None
    assert row_group.column(column_names.index("message")).to_dict()["bloom_filter_offset"] is None
