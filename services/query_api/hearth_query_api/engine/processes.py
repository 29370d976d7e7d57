"""Queries run in worker processes, so a query past its deadline is stopped for sure: its process is
killed and replaced.

Why: dropping a DataFusion stream does not stop every plan (measured with datafusion-python 55: a join
over a filtered Parquet scan keeps a core busy until it would have finished), and abandoned plans pile
up until new queries cannot even be planned. A killed process gives back its CPU and memory at once.

The API process keeps one idle worker per query slot at most (spawned on demand, one at start). A query
goes to an idle worker as plain values (the spec, the session options, the storage settings); the worker
runs it with the in-process :class:`~hearth_query_api.engine.runner.QueryEngine` and sends back the
schema with the batches as Arrow IPC, then the end (or an error). Messages::

    parent → worker   (QuerySpec, pickled (SessionOptions, StorageSettings, cache URL or ""))
    worker → parent   ("rows", schema IPC, [batch IPC, ...], QueryPlans | None, last, metrics plan | "")
                      ... (the first message waits for the first batch or the end)
                      ("error", error class name, detail)      at any point instead

The worker serves a query in its main thread, with no event loop: it plans, then waits for each batch
in the engine itself (a thread or loop hop per step cost a trace lookup ~3 ms on a busy machine: hops
and page faults are dear in a VM). Each message costs the parent a hop through a thread (a blocking
``recv``), so the worker coalesces (``_Outbox``): batches that follow each other quickly travel together,
and the last ones carry the end. A small result (a trace, a page of rows, an aggregate) is one message.
Batches still wait at most ``_LINGER`` seconds for company (a helper thread sends them while the main
one waits in the engine), so a slow stream is not held back.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api import errors
from hearth_query_api.engine.session import SessionOptions
from hearth_query_api.errors import QueryTimeout
from hearth_query_api.query import QueryPlans, QuerySpec
from hearth_shared.errors import HearthError
from hearth_shared.settings import StorageSettings
from hearth_shared.workers import exit_with_parent

logger = logging.getLogger("hearth.query_api.engine")

_SPAWN = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited loop, threads, sockets
#: A message of batches is sent once it holds this many bytes of IPC...
_FLUSH_BYTES = 4 * 2**20
#: ...or once the next batch has kept it waiting this long (seconds).
_LINGER = 0.02
#: Errors a worker may report by name; anything else arrives as a plain 500.
_ERRORS: dict[str, type[HearthError]] = {
    cls.__name__: cls
    for cls in (
        errors.QueryError,
        errors.QuerySyntaxError,
        errors.QueryRejected,
        errors.QueryTimeout,
    )
}


def _ipc(schema: pa.Schema, batches: list[pa.RecordBatch]) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return bytes(sink.getvalue().to_pybytes())


def _read_ipc(data: bytes) -> pa.Table:
    with pa.ipc.open_stream(data) as reader:
        return reader.read_all()


# ---------------------------------------------------------------- the worker process


def worker_main(conn: Connection, parent_pid: int) -> None:
    """Serve queries until the parent closes the pipe (or kills the process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the whole group: the parent decides
    exit_with_parent(parent_pid)  # also while still importing, before the pipe can tell us
    from hearth_query_api.engine.runner import QueryEngine  # noqa: PLC0415 - DataFusion only in workers
    from hearth_query_api.engine.stores import object_location  # noqa: PLC0415

    engines: dict[bytes, QueryEngine] = {}
    outbox = _Outbox(conn)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            spec, config = conn.recv()
        except EOFError:
            return
        engine = engines.get(config)
        if engine is None:
            options, storage, cache_url = pickle.loads(config)  # noqa: S301 - from our parent process
            # The parent enforces the deadline by killing this process; no second clock here.
            engine = engines[config] = QueryEngine(
                options, object_location(storage, cache_url), timeout=1e9, reuse_sessions=True
            )
        try:
            _serve(outbox, engine, spec)
        except HearthError as exc:
            conn.send(("error", type(exc).__name__, exc.detail))
        except Exception as exc:  # our bug or the engine's: say what, keep serving
            logger.exception("query failed in the worker")
            conn.send(("error", "", f"{type(exc).__name__}: {exc}"))


def _serve(outbox: _Outbox, engine: Any, spec: QuerySpec) -> None:
    running = engine.start_blocking(spec)
    try:
        outbox.open(_ipc(running.schema, []), running.plans)
        for batch in running.blocking_batches():
            outbox.add(_ipc(batch.schema, [batch]))
        outbox.finish(running.metrics_plan() if spec.explain else "")
    finally:
        outbox.discard()  # after a failure: the error message follows, never a late flush
        running.close()


class _Outbox:
    """The batches of the running query not yet sent, coalesced into ``rows`` messages.

    The query's thread adds batches and sends a message once it holds ``_FLUSH_BYTES``, and the last
    one with the end. While that thread waits in the engine for the next batch, a helper thread sends
    what has waited ``_LINGER`` seconds, so a slow stream is not held back; one lock orders the sends.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._changed = threading.Condition()
        self._head: tuple[bytes, QueryPlans | None] | None = None  # schema IPC and plans; None: idle
        self._pending: list[bytes] = []
        self._size = 0
        self._since = 0.0  # when the oldest pending batch arrived (monotonic)
        self._closed = False
        self._helper = threading.Thread(target=self._flush_late, name="hearth-query-outbox", daemon=True)
        self._helper.start()

    def open(self, schema_ipc: bytes, plans: QueryPlans | None) -> None:
        with self._changed:
            self._head = (schema_ipc, plans)

    def add(self, batch_ipc: bytes) -> None:
        with self._changed:
            self._pending.append(batch_ipc)
            self._size += len(batch_ipc)
            if self._size >= _FLUSH_BYTES:
                self._send(last=False)
            elif len(self._pending) == 1:
                self._since = time.monotonic()
                self._changed.notify()

    def finish(self, metrics_plan: str) -> None:
        with self._changed:
            self._send(last=True, metrics_plan=metrics_plan)
            self._head = None

    def discard(self) -> None:
        with self._changed:
            self._head, self._pending, self._size = None, [], 0

    def _send(self, *, last: bool, metrics_plan: str = "") -> None:
        assert self._head is not None
        schema_ipc, plans = self._head
        self._conn.send(("rows", schema_ipc, self._pending, plans, last, metrics_plan))
        self._pending, self._size = [], 0

    def close(self) -> None:
        """Stop the helper thread (the worker itself never needs to: it ends with its process)."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._helper.join()

    def _flush_late(self) -> None:
        with self._changed:
            while not self._closed:
                if not self._pending:
                    self._changed.wait()
                    continue
                wait = self._since + _LINGER - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                try:
                    self._send(last=False)
                except (OSError, ValueError):  # the pipe is gone: the worker is on its way out
                    self._pending, self._size = [], 0


# ---------------------------------------------------------------- the API process side


class _Worker:
    def __init__(self) -> None:
        parent, child = _SPAWN.Pipe(duplex=True)
        self.conn: Connection = parent
        self.process: BaseProcess = _SPAWN.Process(target=worker_main, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.pid: int | None = None

    async def receive(self, deadline: float | None) -> Any:
        """The next message; TimeoutError past ``deadline`` (loop time), EOFError if the process died."""
        async with asyncio.timeout_at(deadline):
            # In a thread: a blocked recv must not block the loop. When the process is killed the recv
            # ends with EOFError and the thread with it.
            return await asyncio.to_thread(self.conn.recv)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """At most ``size`` worker processes (one per query slot), reused while they behave."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: list[_Worker] = []
        self._busy = 0
        self._closed = False

    def warm_up(self) -> None:
        """Spawn one worker now, so the first query does not wait for its start-up."""
        if not self._idle and not self._busy:
            self._idle.append(_Worker())

    async def acquire(self) -> _Worker:
        if self._closed:
            raise HearthError("the query engine is shutting down")
        if len(self._idle) + self._busy >= self.size and not self._idle:
            raise errors.QueryCapacityFull("every query worker is busy; retry in a moment", retry_after=1)
        worker = self._idle.pop() if self._idle else _Worker()
        self._busy += 1
        if worker.pid is None:  # a new worker says hello once it has imported the engine
            try:
                message = await worker.receive(None)
            except (EOFError, OSError):
                self._busy -= 1
                worker.kill()
                raise HearthError("a query worker failed to start; see the service logs") from None
            worker.pid = message[1]
        return worker

    def idle_pids(self) -> list[int]:
        return [worker.pid for worker in self._idle if worker.pid is not None]

    def release(self, worker: _Worker, *, reusable: bool) -> None:
        self._busy -= 1
        if reusable and not self._closed:
            self._idle.append(worker)
        else:
            worker.kill()

    def close(self) -> None:
        self._closed = True
        for worker in self._idle:
            worker.kill()
        self._idle.clear()


class RemoteQuery:
    """A query running in a worker: the same reading interface as the in-process ``RunningQuery``."""

    def __init__(self, pool: WorkerPool, worker: _Worker, deadline: float, timeout: float) -> None:
        self._pool = pool
        self._worker: _Worker | None = worker
        self.schema: pa.Schema = pa.schema([])
        self.plans: QueryPlans | None = None
        self._deadline = deadline
        self.timeout = timeout
        self._metrics_plan = ""
        self._received: deque[pa.RecordBatch] = deque()  # batches arrived and not yet read
        self._started = False
        self.worker_pid = worker.pid

    async def next_message(self) -> None:
        """Receive the worker's next batches; the worker is given back (reusable) as soon as it says it
        is done, before its batches are read."""
        _, schema_ipc, batches, plans, last, metrics_plan = await _receive(self, self._deadline)
        if not self._started:
            self.schema, self.plans, self._started = _read_ipc(schema_ipc).schema, plans, True
        for data in batches:
            self._received.extend(_read_ipc(data).to_batches())
        if last:
            self._metrics_plan = metrics_plan
            self.finish(reusable=True)

    async def batches(self) -> AsyncIterator[pa.RecordBatch]:
        while True:
            while self._received:
                yield self._received.popleft()
            if self._worker is None:
                return
            await self.next_message()

    async def collect(self) -> pa.Table:
        batches = [batch async for batch in self.batches()]
        return pa.Table.from_batches(batches) if batches else self.schema.empty_table()

    def metrics_plan(self) -> str:
        return self._metrics_plan or (self.plans.physical_plan if self.plans else "")

    def close(self) -> None:
        """Stop reading; a worker still running the query is killed (it is replaced on demand)."""
        self._received.clear()
        self.finish(reusable=False)

    def finish(self, *, reusable: bool) -> None:
        """Give the worker back (idle, or killed when it may still be busy); idempotent."""
        if self._worker is not None:
            self._pool.release(self._worker, reusable=reusable)
            self._worker = None

    @property
    def worker(self) -> _Worker | None:
        return self._worker


async def _receive(query: RemoteQuery, deadline: float) -> tuple[Any, ...]:
    """The worker's next message; errors it reports are raised, and a worker that ran out of time, died
    or was abandoned (the caller cancelled) is killed."""
    worker = query.worker
    assert worker is not None
    try:
        message: tuple[Any, ...] = await worker.receive(deadline)
    except TimeoutError:
        query.close()
        raise QueryTimeout(
            f"the query ran longer than its time limit of {query.timeout:g} s and was stopped; narrow the "
            "time range or add filters"
        ) from None
    except (EOFError, OSError):
        query.close()
        raise HearthError("the query's worker process died (out of memory?); see the service logs") from None
    except BaseException:
        query.close()
        raise
    if message[0] == "error":
        query.finish(reusable=True)  # the worker reported and is ready for the next query
        raise _ERRORS.get(message[1], HearthError)(message[2])
    return message


class ProcessEngine:
    """Starts :class:`QuerySpec` queries in worker processes under a deadline of ``timeout`` seconds."""

    def __init__(
        self,
        options: SessionOptions,
        storage: StorageSettings,
        *,
        timeout: float,
        workers: int,
        cache_url: str = "",
    ) -> None:
        self.options = options
        self.storage = storage
        self.cache_url = cache_url
        self.timeout = timeout
        self.pool = WorkerPool(workers)
        # pickled once: the settings model costs more to pickle than the spec, and never changes
        self._config = pickle.dumps((options, storage, cache_url))

    async def start(self, spec: QuerySpec) -> RemoteQuery:
        worker = await self.pool.acquire()  # a new worker's start-up does not count against the query
        deadline = asyncio.get_running_loop().time() + self.timeout
        worker.conn.send((spec, self._config))
        query = RemoteQuery(self.pool, worker, deadline, self.timeout)
        await query.next_message()  # the schema, and the first batches or an error
        return query

    def close(self) -> None:
        self.pool.close()
