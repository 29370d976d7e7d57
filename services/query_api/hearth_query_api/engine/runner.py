"""Run one query: plan it off the event loop, then pull its batches under a deadline.

Timeout and cancellation. DataFusion executes on its own Tokio threads; Python only polls the result
stream. Batches are pulled with the stream's async ``__anext__`` under ``asyncio.timeout_at``. When the
deadline passes, the pending poll is cancelled and :meth:`RunningQuery.close` drops the last reference to
the stream; dropping a DataFusion stream aborts the tasks executing its plan. Cancelling the poll alone is
not enough: the plan keeps running until the stream itself is dropped, so no local may keep it alive.

Dropping the stream is not always enough: measured with datafusion-python 55, plain scans and aggregations
stop within about a second, but a join over a *filtered* Parquet scan (every table here is filtered by the
time window) keeps one core busy until the query would have finished. So the service runs this engine
inside worker processes (:mod:`hearth_query_api.engine.processes`) and kills the process at the deadline;
this module's own deadline serves in-process use (tests, tools).

Planning (which may read Parquet footers for statistics) runs in a worker thread, bounded by the same
deadline; it cannot be interrupted but does not scan data. Worker processes instead plan and read batches
in their one thread (``start_blocking``, ``blocking_batches``): no hops, and their parent keeps the time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from datafusion import DataFrame, SessionContext
from datafusion.plan import ExecutionPlan
from datafusion.record_batch import RecordBatchStream

from hearth_query_api.dialect import QUERYABLE_TABLES
from hearth_query_api.engine.session import SessionOptions, new_session, read_only_options
from hearth_query_api.engine.stores import ObjectLocation
from hearth_query_api.engine.tables import FileScans, register_tables
from hearth_query_api.errors import QueryError, QueryRejected, QuerySyntaxError, QueryTimeout
from hearth_query_api.query import QueryPlans, QuerySpec

logger = logging.getLogger("hearth.query_api.engine")

_MAX_MESSAGE = 2000
_REJECTED = ("DDL not supported", "DML not supported", "Statement not supported")


def is_engine_error(exc: BaseException) -> bool:
    """DataFusion reports failures as plain ``Exception`` or ``ValueError``; anything else is our bug."""
    return type(exc) is Exception or isinstance(exc, ValueError)


def query_error(exc: BaseException) -> QueryError:
    """DataFusion's message as our error: syntax, refused statement, or any other failure."""
    text = str(exc).strip() or type(exc).__name__
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    if text.startswith("SQL error: ParserError"):
        return QuerySyntaxError(text)
    if any(marker in text for marker in _REJECTED):
        return QueryRejected(text)
    return QueryError(text)


@dataclass
class _Prepared:
    ctx: SessionContext
    frame: DataFrame
    plan: ExecutionPlan | None  # set when the stream executes this exact plan (metrics can be read)
    stream: RecordBatchStream
    schema: pa.Schema
    plans: QueryPlans | None


class RunningQuery:
    """An executing query: its result schema, plans (when asked) and batches, until closed."""

    def __init__(self, prepared: _Prepared, deadline: float, timeout: float) -> None:
        self._prepared: _Prepared | None = prepared
        self.schema: pa.Schema = prepared.schema
        self.plans = prepared.plans
        self._deadline = deadline
        self._timeout = timeout

    async def batches(self) -> AsyncIterator[pa.RecordBatch]:
        """The result batches; QueryTimeout past the deadline, QueryError if execution fails."""
        while (batch := await self._next()) is not None:
            yield batch

    async def _next(self) -> pa.RecordBatch | None:
        # No local may outlive a failure holding the stream: a traceback keeps its frames' locals alive,
        # and a stream kept alive keeps running. Hence the ``= None`` before each raise.
        prepared = self._prepared
        if prepared is None:
            return None
        pending: Any = prepared.stream.__anext__()
        prepared = None
        try:
            async with asyncio.timeout_at(self._deadline):
                batch: Any = await pending
        except StopAsyncIteration:
            return None
        except TimeoutError:
            pending = None
            self.close()
            raise QueryTimeout(
                f"the query ran longer than its limit of {self._timeout:g} s and was stopped; "
                "narrow the time range or add filters"
            ) from None
        except asyncio.CancelledError:
            pending = None
            self.close()
            raise
        except Exception as exc:
            pending = None
            self._fail(exc)
        result: pa.RecordBatch = batch.to_pyarrow()
        return result

    def blocking_batches(self) -> Iterator[pa.RecordBatch]:
        """The result batches, each waited for in the calling thread and with no deadline: for a worker
        process (its parent kills it at the deadline). No thread or event loop hop per batch: the stream
        is polled right here, the GIL released meanwhile; QueryError if execution fails."""
        while (batch := self._next_blocking()) is not None:
            yield batch

    def _next_blocking(self) -> pa.RecordBatch | None:
        prepared = self._prepared
        if prepared is None:
            return None
        stream: Any = prepared.stream
        prepared = None
        try:
            batch: Any = next(stream)
        except StopIteration:
            return None
        except Exception as exc:
            stream = None  # as in _next: no local may keep the stream alive
            self._fail(exc)
        result: pa.RecordBatch = batch.to_pyarrow()
        return result

    def _fail(self, exc: Exception) -> NoReturn:
        """Stop the query after ``exc`` from its stream; raise it as the caller should see it."""
        self.close()
        if not is_engine_error(exc):
            raise exc
        raise query_error(exc) from None

    async def collect(self) -> pa.Table:
        batches = [batch async for batch in self.batches()]
        # The batches' own schema wins: DataFusion may report nullability a little differently.
        return pa.Table.from_batches(batches) if batches else self.schema.empty_table()

    def metrics_plan(self) -> str:
        """The executed physical plan with each operator's metrics (after the batches were read)."""
        prepared = self._prepared
        if prepared is None or prepared.plan is None:
            return self.plans.physical_plan if self.plans else ""
        lines = []
        for description, metrics in prepared.plan.collect_metrics():
            totals: dict[str, int] = {}
            for metric in metrics.metrics():  # one entry per partition: show the sum
                if isinstance(metric.value, int):
                    totals[metric.name] = totals.get(metric.name, 0) + metric.value
            shown = ", ".join(f"{name}={value}" for name, value in totals.items())
            lines.append(f"{description.strip()}, metrics=[{shown}]")
        return "\n".join(lines)

    def close(self) -> None:
        """Drop the stream (aborting whatever still runs), the plan and the session."""
        self._prepared = None


class QueryEngine:
    """Plans and runs :class:`QuerySpec` queries with one process's engine settings.

    ``reuse_sessions``: keep one DataFusion session per time zone and swap the project's tables in and
    out per query, instead of a fresh session each time. The session's runtime caches Parquet footers
    and page indexes (objects never change once written), which cuts planning over ~100 files from
    ~230 to ~85 ms (bench/query.py); its single-file scans are kept too (``FileScans``). Only for one
    query at a time — the worker processes — since the table names are shared; every query first drops
    all of them, so nothing of the previous query's project stays readable.
    """

    def __init__(
        self,
        options: SessionOptions,
        location: ObjectLocation,
        *,
        timeout: float,
        reuse_sessions: bool = False,
    ) -> None:
        self.options = options
        self.location = location
        self.timeout = timeout
        self._sessions: dict[str | None, tuple[SessionContext, FileScans]] | None = (
            {} if reuse_sessions else None
        )

    async def start(self, spec: QuerySpec) -> RunningQuery:
        """Plan ``spec`` and start it; QueryError for SQL that cannot be planned, QueryTimeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            async with asyncio.timeout_at(deadline):
                prepared = await asyncio.to_thread(self._prepare, spec)
        except TimeoutError:
            raise QueryTimeout(
                f"the query could not be planned within its limit of {self.timeout:g} s"
            ) from None
        return RunningQuery(prepared, deadline, self.timeout)

    def start_blocking(self, spec: QuerySpec) -> RunningQuery:
        """Plan ``spec`` and start it in the calling thread, planning unbounded by any deadline: for a
        worker process, which serves one query at a time and whose parent kills it at the deadline, and
        reads the batches with :meth:`RunningQuery.blocking_batches`. Saves :meth:`start`'s thread hops
        (with the loop's per batch, ~3 ms of a 13 ms trace lookup on a busy machine, bench/query.py)."""
        deadline = time.monotonic() + self.timeout  # the clock of asyncio's loop.time(), for batches()
        return RunningQuery(self._prepare(spec), deadline, self.timeout)

    def _session(self, timezone: str | None) -> tuple[SessionContext, FileScans | None]:
        if self._sessions is None:
            return new_session(self.options, self.location, timezone=timezone), None
        kept = self._sessions.get(timezone)
        if kept is None:
            ctx = new_session(self.options, self.location, timezone=timezone)
            kept = self._sessions[timezone] = (ctx, FileScans(ctx))
        for name in QUERYABLE_TABLES:
            kept[0].deregister_table(name)  # a no-op for names not registered
        return kept

    def _prepare(self, spec: QuerySpec) -> _Prepared:
        ctx, scans = self._session(spec.timezone)
        try:
            register_tables(ctx, spec, self.location, scans)
            frame = ctx.sql_with_options(spec.sql, read_only_options()).limit(spec.limit)
            schema = frame.schema()
            plans = None
            if spec.explain:
                plans = QueryPlans(
                    logical_plan=frame.optimized_logical_plan().display_indent(),
                    physical_plan=frame.execution_plan().display_indent(),
                )
            plan = frame.execution_plan()
            if plan.partition_count == 1:
                return _Prepared(ctx, frame, plan, ctx.execute(plan, 0), schema, plans)
            return _Prepared(ctx, frame, None, frame.execute_stream(), schema, plans)
        except Exception as exc:  # planning errors: unknown table/column, type errors, refused statements
            if not is_engine_error(exc) or isinstance(exc, QueryError):
                raise
            raise query_error(exc) from None
