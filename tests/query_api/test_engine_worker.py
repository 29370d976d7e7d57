"""A query worker serves each query in one thread, with no event loop: planning and every batch are
waited for right in the engine. What leaves the worker is still coalesced (``_Outbox``): batches that
follow each other travel together, the end rides with the last ones, and a batch the next one keeps
waiting is sent on its own after ``_LINGER`` seconds, so a slow stream is not held back."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest

from hearth_query_api.engine.processes import _FLUSH_BYTES, ProcessEngine, _Outbox
from hearth_query_api.engine.runner import QueryEngine
from hearth_query_api.engine.session import SessionOptions
from hearth_query_api.engine.stores import object_location
from hearth_query_api.errors import QueryError
from hearth_query_api.query import QueryPlans, QuerySpec, TimeWindow
from hearth_query_api.service import QueryRequest, QueryService
from hearth_query_api.slots import QuerySlots
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.query_api.query_helpers import HOUR, T0, Data, record

PROJECT = uuid.UUID("00000000-0000-4000-8000-00000000000c")
PLANS = QueryPlans(logical_plan="logical", physical_plan="physical")


class _Parent:
    """The parent's end of the pipe, read in a thread (a full message would block the sender), and the
    worker's outbox on the other end."""

    def __init__(self) -> None:
        self.conn, self._child = Pipe()
        self.outbox = _Outbox(self._child)
        self.messages: queue.Queue[Any] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                self.messages.put(self.conn.recv())
            except (EOFError, OSError):
                return

    def next(self) -> Any:
        return self.messages.get(timeout=30)

    def until_last(self) -> list[tuple[Any, ...]]:
        got = [self.next()]
        while not got[-1][4]:
            got.append(self.next())
        return got

    def close(self) -> None:
        self.outbox.close()
        self._child.close()  # the reader sees the end of the pipe
        self._reader.join()
        self.conn.close()


@pytest.fixture
def parent() -> Iterator[_Parent]:
    made = _Parent()
    yield made
    made.close()


def test_batches_and_the_end_travel_as_one_message(parent: _Parent) -> None:
    parent.outbox.open(b"schema", PLANS)
    parent.outbox.add(b"one")
    parent.outbox.add(b"two")
    parent.outbox.finish("metrics")
    messages = parent.until_last()
    # one message, unless the machine stalled this thread past the linger between add and finish
    assert [b for m in messages for b in m[2]] == [b"one", b"two"]
    for message in messages:
        assert message[:2] == ("rows", b"schema")
        assert message[3] == PLANS
    assert messages[-1][5] == "metrics"


def test_a_batch_kept_waiting_is_sent_before_the_stream_ends(parent: _Parent) -> None:
    parent.outbox.open(b"schema", None)
    parent.outbox.add(b"early")  # the query thread now waits in the engine for a slow next batch
    assert parent.next() == ("rows", b"schema", [b"early"], None, False, "")
    parent.outbox.add(b"late")
    parent.outbox.finish("")
    assert [b for m in parent.until_last() for b in m[2]] == [b"late"]


def test_a_full_message_leaves_at_once_and_the_next_query_starts_clean(parent: _Parent) -> None:
    big = b"x" * _FLUSH_BYTES
    parent.outbox.open(b"schema", None)
    parent.outbox.add(big)
    parent.outbox.add(b"small")
    parent.outbox.finish("")
    messages = parent.until_last()
    assert messages[0][2] == [big]  # sent by add(), before "small" existed
    assert not messages[0][4]
    assert [b for m in messages for b in m[2]] == [big, b"small"]

    parent.outbox.open(b"other schema", None)  # the worker's next query
    parent.outbox.finish("")
    assert parent.next() == ("rows", b"other schema", [], None, True, "")


def test_a_failure_while_batches_are_read_in_the_calling_thread_is_a_query_error(tmp_path: Path) -> None:
    options = SessionOptions(target_partitions=2, memory_limit_bytes=64 * 2**20, spill_dir=tmp_path / "spill")
    options.prepare()
    engine = QueryEngine(
        options,
        object_location(StorageSettings(storage_url=f"file://{tmp_path}")),
        timeout=30,
        reuse_sessions=True,
    )
    spec = QuerySpec(
        project_id=PROJECT,
        sql="SELECT CAST(v AS INT) AS n FROM (VALUES ('1'), ('two')) AS t(v)",
        window=TimeWindow(T0),
        limit=10,
        files={},
    )
    running = engine.start_blocking(spec)
    with pytest.raises(QueryError, match="two"):
        list(running.blocking_batches())
    assert list(running.blocking_batches()) == []  # closed: the stream is gone

    ok = engine.start_blocking(
        QuerySpec(project_id=PROJECT, sql="SELECT 1 AS one", window=TimeWindow(T0), limit=10, files={})
    )
    assert [b.to_pydict() for b in ok.blocking_batches()] == [{"one": [1]}]


@pytest.mark.timeout(120)
async def test_a_worker_returns_every_batch_and_survives_a_failing_query(
    tmp_path: Path, db_pool: DatabasePool
) -> None:
    storage_settings = StorageSettings(storage_url=f"file://{tmp_path / 'objects'}")
    options = SessionOptions(
        target_partitions=2, memory_limit_bytes=256 * 2**20, spill_dir=tmp_path / "spill"
    )
    options.prepare()
    engine = ProcessEngine(options, storage_settings, timeout=60, workers=1)
    storage = open_storage(storage_settings)
    catalog = FileCatalog(db_pool)
    service = QueryService(catalog, engine, QuerySlots(1, retry_after=1))
    data = Data(storage, catalog)

    async def run(sql: str) -> list[Any]:
        started = await service.start(PROJECT, QueryRequest(sql=sql, window=TimeWindow(T0), limit=50_000))
        try:
            table = await started.running.collect()
        finally:
            started.close()
        values: list[Any] = table.column(0).to_pylist()
        return values

    try:
        for part in range(3):  # several files and batches of 8192 rows: many batches in one stream
            rows = [record(PROJECT, T0 + (part * 10_000 + i) * HOUR / 40_000) for i in range(10_000)]
            await data.add("records", PROJECT, rows)
        numbers = await run("SELECT level + 0 AS n FROM records ORDER BY start_timestamp")
        assert len(numbers) == 30_000
        (worker,) = engine.pool.idle_pids()

        with pytest.raises(QueryError, match="Cast"):
            await run("SELECT CAST(message AS INT) FROM records")
        assert await run("SELECT count(*) FROM records") == [30_000]
        assert engine.pool.idle_pids() == [worker]  # the same worker served all three
    finally:
        engine.close()
        await storage.close()
