"""Merge sorted Parquet files of one table into new sorted files, in bounded memory. Synchronous: the
worker runs it in a thread (pyarrow releases the GIL while it decodes, sorts and compresses).

Every input is already sorted for queries (time, then trace id; ingest and earlier merges write them
so), so this is a k-way merge by batches rather than a global sort: each input is read in small
batches; in each round the rows up to the *bound* — the smallest last key among the inputs that may
still yield rows — are taken from every input, sorted together and appended to the output. No input
can later produce a row below the bound, so the output is globally sorted, and memory holds about
``buffer_rows`` input rows plus one row group being written, whatever the size of the job.

Content never depends on that argument: every row of every input is emitted exactly once (a batch that
turns out unsorted is sorted first), and the row counts are checked against the catalog before and
after. The outputs get ~100k-row row groups, zstd, statistics, page indexes and bloom filters on
``trace_id``/``span_id`` (:func:`hearth_shared.schema.parquet.writer_options`), and record their sort
order in the footer (``sorting_columns``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from hearth_compaction.errors import InputMismatch, JobStopped
from hearth_shared.catalog import TableName
from hearth_shared.schema import TABLES
from hearth_shared.schema.parquet import ROW_GROUP_ROWS, sort_for_queries, writer_options

#: Null times sort last (pyarrow's default, which ``sort_for_queries`` uses): they compare as the maximum.
_NULL_TIME = 2**63 - 1
MIN_BATCH_ROWS = 1024

Key = tuple[int, str] | tuple[int]


@dataclass(frozen=True)
class MergedFile:
    path: Path
    rows: int
    bytes: int
    row_groups: int
    min_timestamp: datetime | None  # None: the file holds no non-null time
    max_timestamp: datetime | None


@dataclass(frozen=True)
class MergeResult:
    input_rows: int
    files: tuple[MergedFile, ...]

    @property
    def output_rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def output_bytes(self) -> int:
        return sum(f.bytes for f in self.files)


class _SortKey:
    """The sort key of a table's rows: the time as int64 (nulls last), then the trace id when present."""

    def __init__(self, table_name: str) -> None:
        self.time_column = TABLES[table_name].time_column
        self.by_trace = "trace_id" in TABLES[table_name].schema.names

    def columns(self, table: pa.Table) -> tuple[pa.ChunkedArray, pa.ChunkedArray | None]:
        times = pc.fill_null(table.column(self.time_column).cast(pa.int64()), _NULL_TIME)
        return times, table.column("trace_id") if self.by_trace else None

    def row(self, table: pa.Table, index: int) -> Key:
        """The key of one row (of a sorted table: row 0 holds the smallest, the last row the largest)."""
        time = table.column(self.time_column).slice(index, 1).cast(pa.int64())[0].as_py()
        time = _NULL_TIME if time is None else time
        return (time, table.column("trace_id")[index].as_py()) if self.by_trace else (time,)

    def at_most(self, table: pa.Table, bound: Key) -> pa.ChunkedArray:
        """Mask of the rows whose key is ≤ ``bound``."""
        times, traces = self.columns(table)
        if traces is None:
            return pc.less_equal(times, bound[0])
        assert len(bound) == 2
        return pc.or_(
            pc.less(times, bound[0]), pc.and_(pc.equal(times, bound[0]), pc.less_equal(traces, bound[1]))
        )

    def is_sorted(self, table: pa.Table) -> bool:
        if table.num_rows < 2:
            return True
        times, traces = self.columns(table)
        head, tail = times.slice(0, len(times) - 1), times.slice(1)
        rising = pc.greater_equal(tail, head)
        if traces is not None:
            same_time = pc.equal(tail, head)
            rising = pc.and_(
                rising,
                pc.or_(
                    pc.invert(same_time), pc.greater_equal(traces.slice(1), traces.slice(0, len(traces) - 1))
                ),
            )
        return bool(pc.all(rising).as_py())


class _Source:
    """One input file read batch by batch; ``buffer`` holds its rows not emitted yet, sorted."""

    def __init__(self, path: Path, table_name: str, key: _SortKey, batch_rows: int) -> None:
        self.path = path
        self.table_name = table_name
        self.schema = TABLES[table_name].schema
        self.key = key
        self.file = pq.ParquetFile(path)
        self.rows = self.file.metadata.num_rows
        self._batches: Iterator[pa.RecordBatch] = self.file.iter_batches(batch_size=batch_rows)
        self.more = True  # the file may still yield rows
        self.buffer: pa.Table = self.schema.empty_table()
        self.first: Key | None = None  # keys of the buffer's first and last rows
        self.last: Key | None = None
        self.refill()

    def refill(self) -> None:
        """Read batches until the buffer holds rows or the file is exhausted."""
        while self.more and self.buffer.num_rows == 0:
            batch = next(self._batches, None)
            if batch is None:
                self.more = False
                self.file.close()
                return
            table = self._conform(pa.Table.from_batches([batch]))
            if table.num_rows == 0:
                continue
            if not self.key.is_sorted(table):  # never written so by Hearth; merge it correctly anyway
                table = sort_for_queries(self.table_name, table)
            self.buffer = table
            self.first, self.last = self.key.row(table, 0), self.key.row(table, table.num_rows - 1)

    def take(self, bound: Key | None) -> pa.Table | None:
        """Remove and return the buffered rows with key ≤ ``bound`` (all of them when None); None when
        there are none. Most inputs hold nothing below the bound in most rounds: that costs no kernel."""
        if self.buffer.num_rows == 0 or (bound is not None and self.first is not None and self.first > bound):
            return None
        if bound is None or self.last is None or self.last <= bound:
            taken, self.buffer = self.buffer, self.schema.empty_table()
            return taken
        count = pc.sum(self.key.at_most(self.buffer, bound)).as_py() or 0
        # the buffer is sorted, so the rows ≤ bound are a prefix: slices copy nothing
        taken, self.buffer = self.buffer.slice(0, count), self.buffer.slice(count)
        self.first = self.key.row(self.buffer, 0)
        return taken

    def _conform(self, table: pa.Table) -> pa.Table:
        if table.schema.equals(self.schema):
            return table
        try:
            return table.cast(self.schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            raise InputMismatch(
                f"input {self.path.name} does not match the {self.table_name} schema: {exc}"
            ) from exc


class _Outputs:
    """Writes sorted chunks into ``count`` files of equal row counts, in full row groups."""

    def __init__(
        self, table_name: TableName, out_dir: Path, *, total_rows: int, count: int, row_group_rows: int
    ) -> None:
        self.table_name = table_name
        self.schema = TABLES[table_name].schema
        self.time_column = TABLES[table_name].time_column
        self.out_dir = out_dir
        self.row_group_rows = row_group_rows
        base, extra = divmod(total_rows, count)
        self.quotas = [base + (1 if i < extra else 0) for i in range(count)]
        self.files: list[MergedFile] = []
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._path = out_dir
        self._written = 0  # rows in the file being written
        self._groups = 0
        self._bounds: list[datetime] = []
        sort_keys = [(self.time_column, "ascending")]
        if "trace_id" in self.schema.names:
            sort_keys.append(("trace_id", "ascending"))
        self._sorting = pq.SortingColumn.from_ordering(self.schema, sort_keys, null_placement="at_end")

    def add(self, chunk: pa.Table) -> None:
        if chunk.num_rows == 0:
            return
        self.pending.append(chunk)
        self.pending_rows += chunk.num_rows
        while self.pending_rows and self.pending_rows >= self._next_group_rows():
            self._write_group(self._next_group_rows())

    def close(self) -> list[MergedFile]:
        while self.pending_rows:
            self._write_group(min(self.pending_rows, self._next_group_rows()))
        self._finish_file()
        return self.files

    def _next_group_rows(self) -> int:
        quota = self.quotas[len(self.files)] if len(self.files) < len(self.quotas) else self.pending_rows
        return max(1, min(self.row_group_rows, quota - self._written))

    def _write_group(self, rows: int) -> None:
        table = pa.concat_tables(self.pending)
        group, rest = table.slice(0, rows), table.slice(rows)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows = rest.num_rows
        if self._writer is None:
            self._path = self.out_dir / f"out-{len(self.files):04d}.parquet"
            self._writer = pq.ParquetWriter(
                self._path,
                self.schema,
                sorting_columns=self._sorting,
                **writer_options(self.table_name, ndv=self.row_group_rows),
            )
        self._writer.write_table(group, row_group_size=self.row_group_rows)
        self._written += group.num_rows
        self._groups += 1
        bounds = pc.min_max(group.column(self.time_column)).as_py()
        self._bounds.extend(value for value in (bounds["min"], bounds["max"]) if value is not None)
        if len(self.files) < len(self.quotas) and self._written >= self.quotas[len(self.files)]:
            self._finish_file()

    def _finish_file(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        path = self._path
        self.files.append(
            MergedFile(
                path=path,
                rows=self._written,
                bytes=path.stat().st_size,
                row_groups=self._groups,
                min_timestamp=min(self._bounds, default=None),
                max_timestamp=max(self._bounds, default=None),
            )
        )
        self._writer, self._written, self._groups, self._bounds = None, 0, 0, []


def merge_parquet(
    table_name: TableName,
    inputs: Sequence[Path],
    out_dir: Path,
    *,
    expected_rows: Sequence[int],
    output_files: int,
    buffer_rows: int,
    row_group_rows: int = ROW_GROUP_ROWS,
    stop: threading.Event | None = None,
) -> MergeResult:
    """Merge ``inputs`` (files of ``table_name``) into ``output_files`` sorted files in ``out_dir``.

    ``expected_rows`` are the catalog's row counts of the inputs: a file holding another count is an
    :class:`InputMismatch` (nothing is written from a catalog that does not match storage). Setting
    ``stop`` aborts with :class:`JobStopped` at the next round.
    """
    key = _SortKey(table_name)
    batch_rows = max(MIN_BATCH_ROWS, buffer_rows // max(1, len(inputs)))
    sources = [_Source(path, table_name, key, batch_rows) for path in inputs]
    for source, expected in zip(sources, expected_rows, strict=True):
        if source.rows != expected:
            raise InputMismatch(
                f"input {source.path.name} holds {source.rows} rows but the catalog says {expected}"
            )
    total = sum(source.rows for source in sources)
    outputs = _Outputs(
        table_name,
        out_dir,
        total_rows=total,
        count=min(output_files, max(1, total)),
        row_group_rows=row_group_rows,
    )
    while True:
        if stop is not None and stop.is_set():
            raise JobStopped("the worker is stopping")
        holding = [s for s in sources if s.buffer.num_rows]
        if not holding:
            break
        # Inputs that may yield more always hold rows (refill keeps it so), hence have a last key.
        open_lasts = [s.last for s in sources if s.more and s.last is not None]
        bound = min(open_lasts) if open_lasts else None
        parts = [part for s in holding if (part := s.take(bound)) is not None and part.num_rows]
        chunk = parts[0] if len(parts) == 1 else sort_for_queries(table_name, pa.concat_tables(parts))
        outputs.add(chunk)
        for source in sources:
            source.refill()
    files = outputs.close()
    written = sum(f.rows for f in files)
    if written != total:  # a bug, never a data problem: refuse to swap
        raise InputMismatch(f"merged {written} rows out of {total} input rows")
    return MergeResult(input_rows=total, files=tuple(files))
