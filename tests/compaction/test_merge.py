"""The bounded-memory merge on real Parquet files: every row kept, global order, row groups, footer."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
import pytest

from hearth_compaction.errors import InputMismatch, JobStopped
from hearth_compaction.merge import MergeResult, merge_parquet
from hearth_shared.catalog import TableName
from hearth_shared.schema import TABLES
from hearth_shared.schema.parquet import parquet_bytes
from tests.compaction.compaction_helpers import PROJECT, T0, canonical, metrics_table, records_table


def write_inputs(
    tmp_path: Path, table_name: TableName, tables: list[pa.Table], *, sort: bool = True
) -> list[Path]:
    paths = []
    for i, table in enumerate(tables):
        path = tmp_path / f"input-{i}.parquet"
        path.write_bytes(parquet_bytes(table_name, table, sort=sort))
        paths.append(path)
    return paths


def merge(
    tmp_path: Path,
    table_name: TableName,
    inputs: list[Path],
    *,
    output_files: int = 1,
    buffer_rows: int = 20_000,
) -> MergeResult:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    expected = [pq.ParquetFile(path).metadata.num_rows for path in inputs]
    return merge_parquet(
        table_name, inputs, out, expected_rows=expected, output_files=output_files, buffer_rows=buffer_rows
    )


def keys(table_name: str, table: pa.Table) -> list[tuple[object, ...]]:
    """The sort key of every row, nulls replaced by a value above every time (they sort last)."""
    time_column = TABLES[table_name].time_column
    times = pc.fill_null(table.column(time_column).cast(pa.int64()), 2**63 - 1).to_pylist()
    if table_name == "records":
        return list(zip(times, table.column("trace_id").to_pylist(), strict=True))
    return [(t,) for t in times]


def assert_sorted(table_name: str, table: pa.Table) -> None:
    row_keys = keys(table_name, table)
    assert row_keys == sorted(row_keys)


def test_records_merge_keeps_every_row_sorted_in_100k_row_groups(tmp_path: Path) -> None:
    # Overlapping time ranges and uneven sizes: the merge must interleave the inputs.
    sizes = [60_000, 50_000, 40_000, 30_000, 50_000]
    tables = [
        records_table(PROJECT, T0 + timedelta(minutes=i), rows, spread=timedelta(minutes=10), seed=i)
        for i, rows in enumerate(sizes)
    ]
    inputs = write_inputs(tmp_path, "records", tables)
    result = merge(tmp_path, "records", inputs)  # 20k rows of buffer over 5 inputs: many rounds

    assert result.input_rows == result.output_rows == 230_000
    [merged] = result.files
    parquet = pq.ParquetFile(merged.path)
    table = parquet.read()
    assert table.schema.equals(TABLES["records"].schema)
    assert canonical("records", table).equals(canonical("records", pa.concat_tables(tables)))
    assert_sorted("records", table)

    meta = parquet.metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [100_000, 100_000, 30_000]
    assert merged.row_groups == 3
    assert merged.bytes == merged.path.stat().st_size
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    for index in range(meta.num_row_groups):
        group = meta.row_group(index)
        assert [(c.column_index, c.descending, c.nulls_first) for c in group.sorting_columns] == [
            (names.index("start_timestamp"), False, False),
            (names.index("trace_id"), False, False),
        ]
        for column in ("trace_id", "span_id"):
            chunk = group.column(names.index(column))
            assert chunk.compression == "ZSTD"
            assert chunk.statistics.has_min_max
            assert chunk.to_dict()["bloom_filter_offset"] is not None
    times = table.column("start_timestamp")
    assert (merged.min_timestamp, merged.max_timestamp) == (pc.min(times).as_py(), pc.max(times).as_py())


def test_a_big_merge_is_split_into_equal_sorted_files_in_time_order(tmp_path: Path) -> None:
    tables = [
        records_table(PROJECT, T0, 25_000, spread=timedelta(hours=1), seed=i, tag="split ") for i in range(4)
    ]
    result = merge(tmp_path, "records", write_inputs(tmp_path, "records", tables), output_files=3)
    assert [f.rows for f in result.files] == [33_334, 33_333, 33_333]
    outputs = [pq.read_table(f.path) for f in result.files]
    for output in outputs:
        assert_sorted("records", output)
    for before, after in zip(result.files, result.files[1:], strict=False):
        assert before.max_timestamp is not None
        assert after.min_timestamp is not None
        assert before.max_timestamp <= after.min_timestamp
    assert canonical("records", pa.concat_tables(outputs)).equals(
        canonical("records", pa.concat_tables(tables))
    )


def test_metrics_merge_sorts_by_recorded_time_with_null_times_last(tmp_path: Path) -> None:
    tables = [
        metrics_table(PROJECT, T0, 7_000, spread=timedelta(minutes=30), seed=i, null_every=50)
        for i in range(6)
    ]
    result = merge(tmp_path, "metrics", write_inputs(tmp_path, "metrics", tables), buffer_rows=10_000)
    [merged] = result.files
    table = pq.read_table(merged.path)
    assert table.schema.equals(TABLES["metrics"].schema)
    assert canonical("metrics", table).equals(canonical("metrics", pa.concat_tables(tables)))
    assert_sorted("metrics", table)
    recorded = table.column("recorded_timestamp")
    nulls = recorded.null_count
    assert nulls == 6 * 140
    assert recorded.slice(len(recorded) - nulls).null_count == nulls  # all at the end
    assert merged.min_timestamp == pc.min(recorded).as_py()
    assert merged.max_timestamp == pc.max(recorded).as_py()


def test_unsorted_inputs_lose_no_row(tmp_path: Path) -> None:
    tables = [records_table(PROJECT, T0, 3_000, spread=timedelta(minutes=5), seed=i) for i in range(3)]
    shuffled = []
    for table in tables:
        order = list(range(table.num_rows))
        random.Random(7).shuffle(order)
        shuffled.append(table.take(pa.array(order)))
    result = merge(tmp_path, "records", write_inputs(tmp_path, "records", shuffled, sort=False))
    table = pq.read_table(result.files[0].path)
    assert canonical("records", table).equals(canonical("records", pa.concat_tables(tables)))
    assert_sorted("records", table)  # each input fits one batch here, so order is still global


def test_an_input_that_disagrees_with_the_catalog_is_refused(tmp_path: Path) -> None:
    inputs = write_inputs(
        tmp_path,
        "records",
        [records_table(PROJECT, T0, 100, spread=timedelta(minutes=1), seed=i) for i in range(2)],
    )
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputMismatch, match=r"input-1\.parquet holds 100 rows but the catalog says 99"):
        merge_parquet("records", inputs, out, expected_rows=[100, 99], output_files=1, buffer_rows=10_000)
    assert list(out.iterdir()) == []
    with pytest.raises(InputMismatch, match="does not match the metrics schema"):
        merge_parquet("metrics", inputs, out, expected_rows=[100, 100], output_files=1, buffer_rows=10_000)


def test_a_stop_request_aborts_the_merge(tmp_path: Path) -> None:
    inputs = write_inputs(
        tmp_path,
        "records",
        [records_table(PROJECT, T0, 100, spread=timedelta(minutes=1), seed=i) for i in range(2)],
    )
    stop = threading.Event()
    stop.set()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(JobStopped):
        merge_parquet(
            "records", inputs, out, expected_rows=[100, 100], output_files=1, buffer_rows=10_000, stop=stop
        )
