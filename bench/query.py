"""Query speed on ≥ 10M Logfire-shaped spans: Hearth's /v2/query path against DuckDB, side by side (issue 4).

Data: :mod:`bench.query_data` (generated once into ``--data-dir``, reused while the spec matches).

Hearth side — what one ``POST /v2/query`` runs, minus HTTP and auth: the request checks
(``query_request``), then ``QueryService.start`` (``translate()`` of the user's SQL, the catalog's file
list for the window, a fresh DataFusion session with the project's tables and UDFs), then every result
batch collected. The catalog is answered from the data set's manifest instead of Postgres, so the
catalog round trip (~1 ms) is not measured.

DuckDB side: the same questions in DuckDB's SQL over ``read_parquet([...])`` of the same file list, with
the same time and ``kind`` filters, in one warm connection with its default 2 threads.

Both warm: one untimed run, then the median of ``--runs``, Hearth's and DuckDB's runs alternating (the
machine is shared: a burst of load then slows both sides alike). Answers are compared; a mismatch is
printed loudly and the exit status is 1. Goals (issue 4): trace lookup ≤ 25 ms, attribute filter
≤ 200 ms, no query slower than 1.5x DuckDB.

Times are relative to the data set's "now" (its manifest's anchor), so a cached data set still has rows
in its "last 5 minutes".

With ``--process`` the queries run in a worker process as the service runs them (``ProcessEngine``:
the spec down a pipe, Arrow IPC back), so the figures include that hop.

Run: ``.venv/bin/python -m bench.query [--spans 10000000] [--runs 5] [--data-dir DIR] [--explain]
[--compacted] [--process]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import duckdb
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from bench.query_data import DataSet, as_datetime, compacted, ensure_data, sample_trace_id
from hearth_query_api.api.params import query_request
from hearth_query_api.dialect import translate
from hearth_query_api.dialect.levels import LEVEL_NAMES
from hearth_query_api.engine.processes import ProcessEngine
from hearth_query_api.engine.runner import QueryEngine
from hearth_query_api.engine.session import SessionOptions, new_session
from hearth_query_api.engine.stores import ObjectLocation
from hearth_query_api.engine.tables import register_tables
from hearth_query_api.query import QuerySpec, TimeWindow
from hearth_query_api.service import QueryService
from hearth_query_api.slots import QuerySlots
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.catalog.files import CatalogFile
from hearth_shared.settings import StorageSettings

MAX_LIMIT = 10_000  # the service's query_max_limit: no result below is cut by it
RATIO_GOAL = 1.5
LIVE_COLUMNS = (
    "start_timestamp, end_timestamp, duration, level, kind, span_name, message, trace_id, span_id, "
    "parent_span_id, tags, is_exception, service_name, attributes"
)
ROUTE = "/orders/{id}"

Compare = Callable[[pa.Table, pa.Table], str | None]


# ------------------------------------------------------------------------------------------ answers
def _rows(table: pa.Table, *columns: str) -> list[tuple[Any, ...]]:
    return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def same_rows(*columns: str, ordered: bool = True) -> Compare:
    def compare(hearth: pa.Table, duck: pa.Table) -> str | None:
        a, b = _rows(hearth, *columns), _rows(duck, *columns)
        if not ordered:
            a, b = sorted(a, key=repr), sorted(b, key=repr)
        if a != b:
            return f"{len(a)} rows vs {len(b)}; first differing: {next(iter(set(a) ^ set(b)), None)!r}"
        return None

    return compare


def _close(a: float | None, b: float | None, rel: float) -> bool:
    if a is None or b is None:  # NULL groups (logs have no duration) must be NULL on both sides
        return a is b
    return math.isclose(a, b, rel_tol=rel)


def close_values(key: str, value: str, rel: float) -> Compare:
    """Same groups, values within ``rel``: both percentiles are approximate (t-digest), never equal."""

    def compare(hearth: pa.Table, duck: pa.Table) -> str | None:
        a, b = dict(_rows(hearth, key, value)), dict(_rows(duck, key, value))
        if a.keys() != b.keys():
            return f"groups differ: {sorted(a.keys() ^ b.keys(), key=repr)}"
        off = {k: (a[k], b[k]) for k in a if not _close(a[k], b[k], rel)}
        return f"values differ by more than {rel:.0%}: {off}" if off else None

    return compare


# ------------------------------------------------------------------------------------------ queries
@dataclass(frozen=True)
class Query:
    name: str
    window: timedelta  # the UI's time range, ending at "now"
    hearth: str  # the user's SQL, Logfire dialect
    duck: str  # DuckDB SQL; {records} is the file scan with the window and kind filters
    compare: Compare
    goal_ms: float | None = None


def _level_case() -> str:
    whens = " ".join(f"WHEN {n} THEN '{name}'" for n, name in enumerate(LEVEL_NAMES) if name)
    return f"CASE level {whens} END"


def queries(trace_id: str) -> list[Query]:
    day, live, month = timedelta(hours=24), timedelta(minutes=5), timedelta(days=30)
    by_count = same_rows("n")
    return [
        Query(
            "trace lookup",
            month,  # a trace link carries no useful range: the UI sends a wide one
            f"SELECT * FROM records WHERE trace_id = '{trace_id}' ORDER BY start_timestamp",
            f"SELECT * FROM {{records}} WHERE trace_id = '{trace_id}' ORDER BY start_timestamp",
            same_rows("trace_id", "span_id", "start_timestamp", ordered=False),
            goal_ms=25,
        ),
        Query(
            "live page, last 5 min",
            live,
            f"SELECT {LIVE_COLUMNS} FROM records ORDER BY start_timestamp DESC LIMIT 50",
            f"SELECT {LIVE_COLUMNS} FROM {{records}} ORDER BY start_timestamp DESC LIMIT 50",
            same_rows("start_timestamp", "trace_id", "span_id"),
        ),
        Query(
            "count by level, 24 h",
            day,
            "SELECT level_name(level) AS level, count() AS n FROM records GROUP BY 1",
            f"SELECT {_level_case()} AS level, count(*) AS n FROM {{records}} GROUP BY 1",
            same_rows("level", "n", ordered=False),
        ),
        Query(
            "p95 duration by span_name, 24 h",
            day,
            "SELECT span_name, approx_percentile_cont(0.95) WITHIN GROUP (ORDER BY duration) AS p95 "
            "FROM records GROUP BY span_name",
            "SELECT span_name, approx_quantile(duration, 0.95) AS p95 FROM {records} GROUP BY span_name",
            close_values("span_name", "p95", rel=0.05),
        ),
        Query(
            "attribute filter: count, 24 h",
            day,
            f"SELECT count() AS n FROM records WHERE attributes->>'http.route' = '{ROUTE}'",
            "SELECT count(*) AS n FROM {records} "
            f"WHERE json_extract_string(attributes, '$.\"http.route\"') = '{ROUTE}'",
            by_count,
            goal_ms=200,
        ),
        Query(
            "attribute filter: newest 100, 24 h",
            day,
            f"SELECT start_timestamp, trace_id, span_id, message FROM records "
            f"WHERE attributes->>'http.route' = '{ROUTE}' ORDER BY start_timestamp DESC LIMIT 100",
            "SELECT start_timestamp, trace_id, span_id, message FROM {records} "
            f"WHERE json_extract_string(attributes, '$.\"http.route\"') = '{ROUTE}' "
            "ORDER BY start_timestamp DESC LIMIT 100",
            same_rows("start_timestamp", "trace_id", "span_id"),
            goal_ms=200,
        ),
        Query(
            "message ILIKE, 24 h",
            day,
            "SELECT count() AS n FROM records WHERE message ILIKE '%alice%'",
            "SELECT count(*) AS n FROM {records} WHERE message ILIKE '%alice%'",
            by_count,
        ),
    ]


# ------------------------------------------------------------------------------------------ engines
class ManifestCatalog:
    """The one catalog call the query service makes, answered from the data set's manifest."""

    def __init__(self, data: DataSet) -> None:
        self.data = data

    async def files_for_range(
        self, project_id: Any, table: str, min_ts: datetime, max_ts: datetime | None = None
    ) -> list[CatalogFile]:
        low = _us(min_ts)
        high = None if max_ts is None else _us(max_ts)
        return [
            CatalogFile(
                id=f.key,
                project_id=self.data.project_id,
                table_name="records",
                day=as_datetime(f.min_us).date(),
                object_key=f.key,
                min_timestamp=as_datetime(f.min_us),
                max_timestamp=as_datetime(f.max_us),
                row_count=f.rows,
                byte_size=f.bytes,
            )
            for f in self.data.files_for_range(low, high)
        ]


class ManifestTraceIndex:
    """The trace index rows ingest would have written for the data set (``trace_index``: first and
    last span start per trace), for the traces the benchmark looks up; built before any timing."""

    def __init__(self, data: DataSet, trace_ids: list[str]) -> None:
        files = [str(data.root / f.key) for f in data.files_for_range(0, None)]
        con = duckdb.connect()
        self.windows: dict[str, tuple[datetime, datetime]] = {}
        for trace_id in trace_ids:
            low, high = con.execute(
                "SELECT epoch_us(min(start_timestamp)), epoch_us(max(start_timestamp)) "
                "FROM read_parquet(?) WHERE trace_id = ?",
                [files, trace_id],
            ).fetchone() or (None, None)
            if low is not None and high is not None:
                self.windows[trace_id] = (as_datetime(low), as_datetime(high))
        con.close()

    async def window(self, project_id: Any, trace_id: str) -> tuple[datetime, datetime] | None:
        return self.windows.get(trace_id)


def _us(value: datetime) -> int:
    return (value - as_datetime(0)) // timedelta(microseconds=1)


class Hearth:
    def __init__(self, data: DataSet, traces: ManifestTraceIndex, *, process: bool = False) -> None:
        cores = os.cpu_count() or 1
        self.options = SessionOptions(  # the service's defaults (QueryApiSettings)
            target_partitions=cores,
            memory_limit_bytes=1024 * 2**20,
            spill_dir=Path(tempfile.gettempdir()) / "hearth-query-spill",
        )
        self.options.prepare()
        self.location = ObjectLocation(root=str(data.root))
        # as the service's worker processes run it: one session reused, its Parquet footer cache warm
        engine: QueryEngine | ProcessEngine = QueryEngine(
            self.options, self.location, timeout=120.0, reuse_sessions=True
        )
        if process:  # the service's own engine: the same, in a worker process, batches back over a pipe
            storage = StorageSettings(storage_url=f"file://{data.root.resolve()}")
            engine = ProcessEngine(self.options, storage, timeout=120.0, workers=1)
        self.engine = engine
        catalog = cast(FileCatalog, ManifestCatalog(data))  # duck-typed: only files_for_range is used
        index = cast(TraceIndex, traces)  # duck-typed: only window() is used
        self.service = QueryService(catalog, engine, QuerySlots(8, retry_after=1.0), index)
        self.data = data

    async def run(self, query: Query) -> pa.Table:
        request = query_request(
            sql=query.hearth,
            min_timestamp=as_datetime(self.data.anchor_us) - query.window,
            max_timestamp=None,
            limit=MAX_LIMIT,
            default_limit=100,
            max_limit=MAX_LIMIT,
        )
        started = await self.service.start(self.data.project_id, request)
        try:
            return await started.running.collect()
        finally:
            started.close()

    def explain_analyze(self, query: Query) -> str:
        """EXPLAIN ANALYZE of the same translated SQL on the same tables (for the report)."""
        translated = translate(query.hearth)
        low = self.data.anchor_us - query.window // timedelta(microseconds=1)
        keys = tuple(f.key for f in self.data.files_for_range(low, None))
        spec = QuerySpec(
            project_id=self.data.project_id,
            sql=translated.sql,
            window=TimeWindow(as_datetime(low)),
            limit=MAX_LIMIT,
            files=dict.fromkeys(translated.tables, keys),
        )
        ctx = new_session(self.options, self.location, timezone=None)
        register_tables(ctx, spec, self.location)
        batches = ctx.sql(f"EXPLAIN ANALYZE {translated.sql}").collect()
        plan = "\n".join(str(p) for p in pa.Table.from_batches(batches).column("plan").to_pylist())
        return f"translated: {translated.sql}\n{summarize_plan(plan)}"


_METRIC = re.compile(r"(\w+)=([\d.]+)\s*(ns|µs|ms|s|K|M|B|)\b")
_SCALE = {"ns": 1e-6, "µs": 1e-3, "ms": 1.0, "s": 1e3, "K": 1e3, "M": 1e6, "B": 1.0, "": 1.0}
_SCAN_METRICS = (
    "output_rows",
    "files_opened",
    "bytes_scanned",
    "metadata_load_time",
    "time_elapsed_opening",
    "time_elapsed_processing",
    "bloom_filter_eval_time",
    "row_pushdown_eval_time",
    "pushdown_rows_pruned",
    "elapsed_compute",
)


def summarize_plan(plan: str) -> str:
    """One line per distinct operator (x count), and the Parquet scans' metrics summed (times in ms).

    A union of one scan per file makes the raw plan hundreds of lines long.
    """
    operators: dict[str, int] = {}
    scans: dict[str, float] = {}
    pruned: dict[str, list[int]] = {}
    for line in plan.splitlines():
        name = line.strip().split(":")[0].split(",")[0]
        if not name:
            continue
        operators[name] = operators.get(name, 0) + 1
        if "DataSourceExec" not in name:
            compute = re.search(r"elapsed_compute=([\d.]+)(ns|µs|ms|s)", line)
            if compute:
                ms = float(compute.group(1)) * _SCALE[compute.group(2)]
                scans[f"{name}.elapsed_compute"] = scans.get(f"{name}.elapsed_compute", 0.0) + ms
            continue
        for metric, value, unit in _METRIC.findall(line):
            if metric in _SCAN_METRICS:
                scans[metric] = scans.get(metric, 0.0) + float(value) * _SCALE[unit]
        for metric, total, matched in re.findall(r"(\w+_pruned_\w+)=(\d+) total → (\d+) matched", line):
            seen = pruned.setdefault(metric, [0, 0])
            seen[0] += int(total)
            seen[1] += int(matched)
    lines = ["operators: " + ", ".join(f"{n} x{c}" if c > 1 else n for n, c in operators.items())]
    lines.append("scan totals: " + ", ".join(f"{k}={v:,.1f}" for k, v in scans.items()))
    lines.append("pruning: " + ", ".join(f"{k}={t} total → {m} matched" for k, (t, m) in pruned.items()))
    return "\n".join(lines)


class DuckDB:
    def __init__(self, data: DataSet) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")  # timestamps come back in UTC, as Hearth's do
        self.data = data

    def sql(self, query: Query) -> str:
        low = self.data.anchor_us - query.window // timedelta(microseconds=1)
        files = ", ".join(f"'{self.data.root / f.key}'" for f in self.data.files_for_range(low, None))
        records = (
            f"(SELECT * FROM read_parquet([{files}]) WHERE start_timestamp >= "
            f"TIMESTAMPTZ '{as_datetime(low).isoformat()}' AND kind <> 'pending_span')"
        )
        return query.duck.replace("{records}", records)

    def run(self, query: Query) -> pa.Table:
        return self.con.sql(self.sql(query)).to_arrow_table()


# ------------------------------------------------------------------------------------------ timing
def _median_ms(samples: Iterable[float]) -> float:
    return statistics.median(samples) * 1000


async def _time_both(
    hearth: Hearth, duck: DuckDB, query: Query, runs: int
) -> tuple[float, pa.Table, float, pa.Table]:
    """Median ms and answer of each engine; their runs alternate, so a burst of load on the machine (it is
    shared) slows both sides alike instead of one."""
    hearth_result, duck_result = await hearth.run(query), duck.run(query)  # warm-up (untimed)
    hearth_samples, duck_samples = [], []
    for _ in range(runs):
        started = time.perf_counter()
        hearth_result = await hearth.run(query)
        hearth_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        duck_result = duck.run(query)
        duck_samples.append(time.perf_counter() - started)
    return _median_ms(hearth_samples), hearth_result, _median_ms(duck_samples), duck_result


def _goal(query: Query, hearth_ms: float, ratio: float) -> str:
    parts = []
    if query.goal_ms is not None:
        parts.append(f"≤{query.goal_ms:g} ms {'ok' if hearth_ms <= query.goal_ms else 'MISSED'}")
    parts.append(f"≤{RATIO_GOAL}x {'ok' if ratio <= RATIO_GOAL else 'MISSED'}")
    return ", ".join(parts)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {1, 2, 3}
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


async def main(args: argparse.Namespace) -> int:
    print(f"data set: {args.spans:,} spans in {args.data_dir} ({_load()})")
    data = ensure_data(Path(args.data_dir), args.spans)
    if args.compacted:
        data = compacted(data, Path(f"{args.data_dir}-compacted"), rows_per_file=1_000_000)
        print(f"  compacted layout: {len(data.files)} files of up to 1M rows (the compaction worker's merge)")
    if data.generated_in is not None:
        print(f"  generated in {data.generated_in:.1f} s ({data.rows / data.generated_in:,.0f} rows/s)")
    else:
        print("  reused (same spec)")
    newest = as_datetime(data.anchor_us)
    print(
        f"  {data.rows:,} rows, {len(data.files)} files, {data.bytes / 2**20:,.0f} MiB "
        f"({data.bytes / data.rows:.0f} B/row); 'now' = {newest:%Y-%m-%d %H:%M:%S} UTC"
    )
    traces = ManifestTraceIndex(data, [sample_trace_id(data)])
    hearth, duck = Hearth(data, traces, process=args.process), DuckDB(data)
    try:
        return await _compare(args, data, hearth, duck)
    finally:
        if isinstance(hearth.engine, ProcessEngine):
            hearth.engine.close()


async def _compare(args: argparse.Namespace, data: DataSet, hearth: Hearth, duck: DuckDB) -> int:
    mismatches = 0
    rows: list[list[str]] = []
    totals = [0.0, 0.0]
    print(f"runs: 1 warm-up + median of {args.runs}; {_load()}")
    for query in queries(sample_trace_id(data)):
        if args.only and args.only.lower() not in query.name.lower():
            continue
        hearth_ms, hearth_result, duck_ms, duck_result = await _time_both(hearth, duck, query, args.runs)
        ratio = hearth_ms / duck_ms
        totals[0] += hearth_ms
        totals[1] += duck_ms
        files = len(data.files_for_range(data.anchor_us - query.window // timedelta(microseconds=1), None))
        problem = query.compare(hearth_result, duck_result)
        if problem:
            mismatches += 1
            print(f"!!!!! MISMATCH in {query.name!r}: {problem}")
        check = "same answer" if not problem else "MISMATCH"
        rows.append(
            [
                query.name,
                f"{hearth_ms:,.1f}",
                f"{duck_ms:,.1f}",
                f"{ratio:.2f}x",
                _goal(query, hearth_ms, ratio),
                f"{files} files, {hearth_result.num_rows} rows, {check}",
            ]
        )
        print(f"  {query.name}: Hearth {hearth_ms:,.1f} ms, DuckDB {duck_ms:,.1f} ms")
    rows.append(["total", f"{totals[0]:,.1f}", f"{totals[1]:,.1f}", f"{totals[0] / totals[1]:.2f}x", "", ""])
    print()
    print(_table(rows, ["query", "Hearth ms", "DuckDB ms", "ratio", "goal", "notes"]))
    print(f"\n{data.rows:,} rows, {len(data.files)} files, {data.bytes:,} bytes; {_load()}")
    if args.explain:
        for query in queries(sample_trace_id(data)):
            if args.only and args.only.lower() not in query.name.lower():
                continue
            print(f"\n=== EXPLAIN ANALYZE (Hearth): {query.name}\n{hearth.explain_analyze(query)}")
    if mismatches:
        print(f"\n!!!!! {mismatches} QUER{'Y' if mismatches == 1 else 'IES'} GAVE DIFFERENT ANSWERS")
        return 1
    return 0


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spans", type=int, default=10_000_000, help="rows of the data set")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query and engine (median)")
    parser.add_argument("--data-dir", default=".bench-data/query", help="where the Parquet files are cached")
    parser.add_argument("--only", default="", help="run only the queries whose name contains this")
    parser.add_argument(
        "--compacted", action="store_true", help="run on the data merged by compaction into ~1M-row files"
    )
    parser.add_argument("--explain", action="store_true", help="print Hearth's EXPLAIN ANALYZE per query")
    parser.add_argument(
        "--process",
        action="store_true",
        help="run Hearth's queries in a worker process, as the service does (adds the pipe hop)",
    )
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> int:
    return asyncio.run(main(_arguments(argv)))


if __name__ == "__main__":
    raise SystemExit(run())
