"""The engine behind the API (QueryService → QueryEngine) on real storage and the real catalog: tables
from the catalog only, pruning by time, read-only SQL, atomic catalog swaps, timeouts and slots."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest

from hearth_query_api.engine.processes import ProcessEngine
from hearth_query_api.engine.runner import QueryEngine
from hearth_query_api.engine.session import SessionOptions
from hearth_query_api.engine.stores import object_location
from hearth_query_api.errors import QueryCapacityFull, QueryError, QueryRejected, QueryTimeout
from hearth_query_api.query import QuerySpec, TimeWindow
from hearth_query_api.service import QueryRequest, QueryService
from hearth_query_api.slots import QuerySlots
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.catalog.traces import epoch_us
from hearth_shared.db import DatabasePool
from hearth_shared.errors import HearthError
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import ObjectStorage, open_storage
from tests.fixtures.s3 import S3Bucket
from tests.query_api.query_helpers import HOUR, T0, Data, metric, record

PROJECT = uuid.UUID("00000000-0000-4000-8000-00000000000a")
OTHER = uuid.UUID("00000000-0000-4000-8000-00000000000b")


@dataclass
class Engine:
    service: QueryService
    data: Data
    storage: ObjectStorage
    catalog: FileCatalog

    async def run(
        self,
        sql: str,
        *,
        start: datetime = T0,
        end: datetime | None = None,
        limit: int = 10_000,
        project: uuid.UUID = PROJECT,
        **options: object,
    ) -> pa.Table:
        request = QueryRequest(sql=sql, window=TimeWindow(start, end), limit=limit, **options)  # type: ignore[arg-type]
        started = await self.service.start(project, request)
        try:
            return await started.running.collect()
        finally:
            started.close()

    async def scalar(self, sql: str, **kwargs: object) -> object:
        table = await self.run(sql, **kwargs)  # type: ignore[arg-type]
        return table.column(0)[0].as_py()


def make_engine(
    storage_settings: StorageSettings,
    tmp_path: Path,
    pool: DatabasePool,
    *,
    timeout: float = 30,
    slots: int = 4,
    reuse_sessions: bool = False,
) -> Engine:
    storage = open_storage(storage_settings)
    catalog = FileCatalog(pool)
    options = SessionOptions(
        target_partitions=2, memory_limit_bytes=256 * 2**20, spill_dir=tmp_path / "spill"
    )
    options.prepare()
    engine = QueryEngine(
        options, object_location(storage_settings), timeout=timeout, reuse_sessions=reuse_sessions
    )
    service = QueryService(catalog, engine, QuerySlots(slots, retry_after=1))
    return Engine(service, Data(storage, catalog), storage, catalog)


@pytest.fixture(params=["local", "s3"])
async def engine(
    request: pytest.FixtureRequest, tmp_path: Path, db_pool: DatabasePool, s3_bucket: S3Bucket
) -> AsyncIterator[Engine]:
    if request.param == "local":
        settings = StorageSettings(storage_url=f"file://{tmp_path / 'objects'}")
    else:
        settings = s3_bucket.storage_settings("prefix/inside")
    made = make_engine(settings, tmp_path, db_pool)
    yield made
    await made.storage.close()


@pytest.fixture
async def local_engine(tmp_path: Path, db_pool: DatabasePool) -> AsyncIterator[Engine]:
    made = make_engine(StorageSettings(storage_url=f"file://{tmp_path / 'objects'}"), tmp_path, db_pool)
    yield made
    await made.storage.close()


async def test_tables_come_from_the_catalog_of_the_project_only(engine: Engine) -> None:
    await engine.data.add("records", PROJECT, [record(PROJECT, T0 + i * HOUR / 10) for i in range(5)])
    await engine.data.add("records", PROJECT, [record(PROJECT, T0 + HOUR, kind="pending_span")])
    await engine.data.add("records", OTHER, [record(OTHER, T0, message="secret")] * 3)
    await engine.data.add("metrics", PROJECT, [metric(PROJECT, T0, scalar_value=2.5)])
    # An object nobody catalogued: listing the bucket would find it.
    stray, payload = engine.data.file_for("records", PROJECT, [record(PROJECT, T0, message="stray")])
    await engine.data.put(stray, payload)

    assert await engine.scalar("SELECT count(*) FROM records") == 5
    assert await engine.scalar("SELECT count(*) FROM records_all") == 6
    assert await engine.scalar("SELECT count(*) FROM records WHERE message = 'stray'") == 0
    assert await engine.scalar("SELECT sum(scalar_value) FROM metrics") == 2.5
    assert await engine.scalar("SELECT count(*) FROM records", project=OTHER) == 3
    assert await engine.scalar("SELECT count(*) FROM metrics", project=OTHER) == 0


async def test_a_reused_session_forgets_the_previous_querys_tables(
    tmp_path: Path, db_pool: DatabasePool
) -> None:
    """Worker processes keep one session (for its Parquet footer cache) and swap tables per query: no
    table of the previous query, hence of the previous project, may stay readable."""
    settings = StorageSettings(storage_url=f"file://{tmp_path / 'objects'}")
    engine = make_engine(settings, tmp_path, db_pool, reuse_sessions=True)
    await engine.data.add("records", PROJECT, [record(PROJECT, T0, message="mine")] * 2)
    await engine.data.add("metrics", PROJECT, [metric(PROJECT, T0, scalar_value=4.0)])
    await engine.data.add("records", OTHER, [record(OTHER, T0, message="theirs")])
    try:
        for _ in range(2):  # alternate projects on the same session
            assert await engine.scalar("SELECT sum(scalar_value) FROM metrics") == 4.0
            assert await engine.scalar("SELECT count(*) FROM records", project=OTHER) == 1
            assert await engine.scalar("SELECT count(*) FROM records") == 2
        # Below the dialect: right after PROJECT's metrics were registered, a spec of OTHER listing no
        # metrics files must not reach them.
        assert await engine.scalar("SELECT sum(scalar_value) FROM metrics") == 4.0
        runner = engine.service.engine
        spec = QuerySpec(OTHER, "SELECT count(*) FROM metrics", TimeWindow(T0), 10, {"records": ()})
        with pytest.raises(QueryError, match="metrics"):  # planning fails: no such table
            await runner.start(spec)
    finally:
        await engine.storage.close()


async def test_time_window_and_environment_filters(local_engine: Engine) -> None:
    engine = local_engine
    rows = [
        record(PROJECT, T0, deployment_environment="prod"),
        record(PROJECT, T0 + HOUR, deployment_environment="dev"),
        record(PROJECT, T0 + 2 * HOUR, deployment_environment=None),
    ]
    await engine.data.add("records", PROJECT, rows)
    assert await engine.scalar("SELECT count(*) FROM records", start=T0 + HOUR) == 2
    assert await engine.scalar("SELECT count(*) FROM records", start=T0, end=T0 + HOUR) == 1
    assert await engine.scalar("SELECT count(*) FROM records", environments=("prod", "dev")) == 2
    assert await engine.scalar("SELECT count(*) FROM records", environments=("",)) == 1
    assert await engine.scalar("SELECT count(*) FROM records", environments=("dev", "")) == 2
    # The window applies even when the SQL asks for everything.
    assert await engine.scalar("SELECT min(start_timestamp) FROM records", start=T0 + HOUR) == T0 + HOUR


async def test_a_file_outside_the_window_is_never_opened(engine: Engine) -> None:
    early = await engine.data.add("records", PROJECT, [record(PROJECT, T0, message="early")])
    await engine.data.add("records", PROJECT, [record(PROJECT, T0 + 5 * HOUR, message="late")])
    # Opening it now fails. (A deleted object would not do: DataFusion reads a missing path as empty.)
    await engine.storage.put(early.object_key, b"not a parquet file")

    late = await engine.run("SELECT message FROM records", start=T0 + 4 * HOUR)
    assert late.column("message").to_pylist() == ["late"]
    with pytest.raises(QueryError):  # and the same query over a window that includes it does read it
        await engine.run("SELECT message FROM records", start=T0)


async def test_filters_are_pushed_into_every_parquet_scan(local_engine: Engine) -> None:
    engine = local_engine
    for hour in range(3):  # the first file spans T0 - 1 h .. T0: the window below cuts through it
        rows = [record(PROJECT, T0 + hour * HOUR, trace_id=f"{hour:032x}")]
        if hour == 0:
            rows.append(record(PROJECT, T0 - HOUR, trace_id=f"{hour:032x}", message="before the window"))
        await engine.data.add("records", PROJECT, rows)
    request = QueryRequest(
        sql=f"SELECT message FROM records WHERE trace_id IN ('{0:032x}', '{2:032x}')",
        window=TimeWindow(T0),
        limit=100,
        explain=True,
    )
    started = await engine.service.start(PROJECT, request)
    try:
        table = await started.running.collect()
        plans = started.running.plans
        metrics = started.running.metrics_plan()
    finally:
        started.close()
    assert table.column("message").to_pylist() == ["handle request", "handle request"]  # not the one before
    assert plans is not None
    scans = [line for line in plans.physical_plan.splitlines() if "DataSourceExec" in line]
    assert len(scans) == 3
    assert all("trace_id@" in line and "pruning_predicate" in line for line in scans)
    # Only the file the window cuts through needs the time filter; the others lie wholly inside it.
    assert sum("start_timestamp@" in line for line in scans) == 1
    scanned = [line for line in metrics.splitlines() if line.startswith("DataSourceExec")]
    assert len(scanned) == 3
    assert all("pushdown_rows_pruned" in line or "output_rows" in line for line in scanned)


async def test_only_reads_are_allowed(local_engine: Engine, tmp_path: Path) -> None:
    engine = local_engine
    target = tmp_path / "written.csv"
    await engine.data.add("records", PROJECT, [record(PROJECT, T0)])
    for sql in (
        "CREATE TABLE t AS SELECT 1",
        "INSERT INTO records SELECT * FROM records",
        f"COPY (SELECT 1) TO '{target}'",
        "SET datafusion.execution.batch_size = 1",
        "DROP TABLE records",
    ):
        with pytest.raises(QueryError):
            await engine.run(sql)
    with pytest.raises(QueryError):  # file-reading table functions are not there
        await engine.run("SELECT * FROM read_parquet('/etc/passwd')")
    assert not await asyncio.to_thread(target.exists)
    assert await engine.scalar("SELECT count(*) FROM records") == 1


async def test_catalog_swap_during_queries_never_fails_or_double_counts(local_engine: Engine) -> None:
    engine = local_engine
    rows = [record(PROJECT, T0 + i * HOUR / 100) for i in range(60)]
    parts = [rows[:20], rows[20:40], rows[40:]]
    small = [await engine.data.add("records", PROJECT, part) for part in parts]
    # Compaction: a merged file and a re-split; swapped back and forth while queries run. Objects of
    # retired files stay in storage (maintenance deletes them after a grace period).
    stop = asyncio.Event()
    swaps = 0

    async def compactor() -> None:
        nonlocal swaps
        live = [f.id for f in small]
        generation = 0
        while not stop.is_set():
            generation += 1
            if generation % 2:
                entry, data = engine.data.file_for("records", PROJECT, rows, file_id=f"merged-{generation}")
                new = [await engine.data.put(entry, data)]
            else:
                new = []
                for i, part in enumerate(parts):
                    entry, data = engine.data.file_for(
                        "records", PROJECT, part, file_id=f"split-{generation}-{i}"
                    )
                    new.append(await engine.data.put(entry, data))
            await engine.catalog.replace(live, new)
            live = [f.id for f in new]
            swaps += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(compactor())
    counts = []
    try:
        while swaps < 20:
            counts.extend(
                await asyncio.gather(*(engine.scalar("SELECT count(*) FROM records") for _ in range(3)))
            )
    finally:
        stop.set()
        await task
    assert set(counts) == {60}
    assert len(counts) >= 3


HEAVY = (
    "SELECT count(*) FROM records a, records b, records c "
    "WHERE a.message || b.message || c.message LIKE '%never%'"
)


@pytest.mark.timeout(120)
async def test_a_query_past_its_time_limit_is_stopped_and_its_process_killed(
    tmp_path: Path, db_pool: DatabasePool
) -> None:
    """The service's engine: the query runs in a worker process, which is killed at the deadline (an
    abandoned DataFusion join would otherwise keep a core busy); the next query gets a fresh worker."""
    storage_settings = StorageSettings(storage_url=f"file://{tmp_path / 'objects'}")
    options = SessionOptions(
        target_partitions=2, memory_limit_bytes=256 * 2**20, spill_dir=tmp_path / "spill"
    )
    options.prepare()
    engine = ProcessEngine(options, storage_settings, timeout=3, workers=2)
    storage = open_storage(storage_settings)
    catalog = FileCatalog(db_pool)
    service = QueryService(catalog, engine, QuerySlots(2, retry_after=1))
    made = Engine(service, Data(storage, catalog), storage, catalog)
    try:
        rows = [record(PROJECT, T0 + i * HOUR / 5000, message=f"m{i}") for i in range(2000)]
        await made.data.add("records", PROJECT, rows)
        assert await made.scalar("SELECT count(*) FROM records") == 2000  # a worker is up and answers
        (worker,) = engine.pool.idle_pids()

        with pytest.raises(QueryTimeout):
            await made.run(HEAVY)
        assert made.service.slots.in_use == 0
        assert not psutil.pid_exists(worker) or psutil.Process(worker).status() == psutil.STATUS_ZOMBIE
        assert engine.pool.idle_pids() == []

        assert await made.scalar("SELECT count(*) FROM records") == 2000  # on a new worker
        assert engine.pool.idle_pids() not in ([], [worker])
    finally:
        engine.close()
        await storage.close()


async def test_a_query_worker_killed_from_outside_fails_its_query_only(
    tmp_path: Path, db_pool: DatabasePool
) -> None:
    """SIGKILL of a query's worker process (the OOM killer, an operator): that query gets a clear error,
    its slot comes back, and the next query runs on a fresh worker."""
    storage_settings = StorageSettings(storage_url=f"file://{tmp_path / 'objects'}")
    options = SessionOptions(
        target_partitions=2, memory_limit_bytes=256 * 2**20, spill_dir=tmp_path / "spill"
    )
    options.prepare()
    engine = ProcessEngine(options, storage_settings, timeout=120, workers=1)
    storage = open_storage(storage_settings)
    catalog = FileCatalog(db_pool)
    made = Engine(
        QueryService(catalog, engine, QuerySlots(1, retry_after=1)), Data(storage, catalog), storage, catalog
    )
    try:
        rows = [record(PROJECT, T0 + i * HOUR / 5000, message=f"m{i}") for i in range(2000)]
        await made.data.add("records", PROJECT, rows)
        assert await made.scalar("SELECT count(*) FROM records") == 2000
        (worker,) = engine.pool.idle_pids()
        running = asyncio.create_task(made.run(HEAVY))
        while engine.pool.idle_pids():  # noqa: ASYNC110 - polls another process's state: the worker taken
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(HearthError, match="worker process died"):
            await running
        assert made.service.slots.in_use == 0
        assert await made.scalar("SELECT count(*) FROM records") == 2000  # on a new worker
        assert engine.pool.idle_pids() not in ([], [worker])
    finally:
        engine.close()
        await storage.close()


async def test_no_free_slot_is_refused_at_once(tmp_path: Path, db_pool: DatabasePool) -> None:
    made = make_engine(
        StorageSettings(storage_url=f"file://{tmp_path / 'objects'}"), tmp_path, db_pool, slots=1
    )
    await made.data.add("records", PROJECT, [record(PROJECT, T0)])
    started = await made.service.start(
        PROJECT, QueryRequest("SELECT 1 AS x FROM records", TimeWindow(T0), 10)
    )
    try:
        with pytest.raises(QueryCapacityFull) as full:
            await made.run("SELECT count(*) FROM records")
        assert full.value.retry_after == 1
    finally:
        started.close()
    assert await made.scalar("SELECT count(*) FROM records") == 1
    await made.storage.close()


async def test_timezone_and_limit(local_engine: Engine) -> None:
    engine = local_engine
    await engine.data.add("records", PROJECT, [record(PROJECT, T0 + i * HOUR / 10) for i in range(7)])
    assert (await engine.run("SELECT message FROM records", limit=3)).num_rows == 3
    assert (await engine.run("SELECT message FROM records LIMIT 2", limit=5)).num_rows == 2
    table = await engine.run("SELECT now() AS n", timezone="Europe/Paris")
    assert table.schema.field("n").type.tz == "Europe/Paris"


async def test_errors_carry_datafusions_message(local_engine: Engine) -> None:
    with pytest.raises(QueryError) as failed:
        await local_engine.run("SELECT nope FROM records")
    assert "nope" in failed.value.detail
    with pytest.raises(QueryRejected):
        await local_engine.run("CREATE TABLE t AS SELECT 1")


async def test_a_trace_lookup_reads_only_the_indexed_window(tmp_path: Path, db_pool: DatabasePool) -> None:
    made = make_engine(StorageSettings(storage_url=f"file://{tmp_path / 'objects'}"), tmp_path, db_pool)
    made.service.traces = TraceIndex(db_pool)
    trace = uuid.uuid4().hex
    spans = [
        record(PROJECT, T0 + 5 * HOUR + i * HOUR / 100, trace_id=trace, message=f"s{i}") for i in range(3)
    ]
    await made.data.add("records", PROJECT, spans)
    other = await made.data.add("records", PROJECT, [record(PROJECT, T0, message="other")])
    await made.storage.put(other.object_key, b"not a parquet file")  # opening it fails the query
    sql = f"SELECT message FROM records WHERE trace_id = '{trace}' ORDER BY message"
    try:
        with pytest.raises(QueryError):  # not indexed yet: the whole window is read
            await made.run(sql)
        await made.service.traces.record(
            PROJECT, [trace], [epoch_us(spans[0]["start_timestamp"])], [epoch_us(spans[2]["start_timestamp"])]
        )
        assert (await made.run(sql)).column("message").to_pylist() == ["s0", "s1", "s2"]
        # other queries keep their window (and so read the broken file)
        with pytest.raises(QueryError):
            await made.run(f"SELECT message FROM records WHERE trace_id = '{trace}' OR level > 1")
    finally:
        await made.storage.close()
