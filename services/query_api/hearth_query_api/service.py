"""One query from request to running engine: slot → dialect → catalog file lists → engine.

This is the one place the user's SQL is translated (:func:`hearth_query_api.dialect.translate`) and the
one place the catalog is asked which files a query may read.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api.dialect import translate
from hearth_query_api.query import CATALOG_TABLE, QueryPlans, QuerySpec, TimeWindow
from hearth_query_api.slots import QuerySlots, Slot
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.catalog.files import TableName


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """A validated request, whichever endpoint it came from."""

    sql: str
    window: TimeWindow
    limit: int
    timezone: str | None = None
    environments: tuple[str, ...] | None = None
    explain: bool = False


class RunningQuery(Protocol):
    """A started query, in this process (``engine.runner``) or in a worker (``engine.processes``)."""

    schema: pa.Schema
    plans: QueryPlans | None

    def batches(self) -> AsyncIterator[pa.RecordBatch]: ...
    async def collect(self) -> pa.Table: ...
    def metrics_plan(self) -> str: ...
    def close(self) -> None: ...


class QueryEngine(Protocol):
    async def start(self, spec: QuerySpec) -> RunningQuery: ...


class Started:
    """A running query and the slot it holds; ``close`` gives both back (idempotent)."""

    def __init__(self, running: RunningQuery, slot: Slot) -> None:
        self.running = running
        self._slot = slot

    def close(self) -> None:
        self.running.close()
        self._slot.release()


class QueryService:
    def __init__(
        self,
        catalog: FileCatalog,
        engine: QueryEngine,
        slots: QuerySlots,
        traces: TraceIndex | None = None,
    ) -> None:
        self.catalog = catalog
        self.engine = engine
        self.slots = slots
        self.traces = traces

    async def start(self, project_id: uuid.UUID, request: QueryRequest) -> Started:
        """Plan and start the query; the caller reads ``running`` and must ``close`` what it gets."""
        slot = self.slots.take()
        try:
            translated = translate(request.sql)
            window = await self._window(project_id, translated.trace_id, translated.tables, request.window)
            files, inside = await self._files(project_id, translated.tables, window)
            spec = QuerySpec(
                project_id=project_id,
                sql=translated.sql,
                window=window,
                limit=request.limit,
                files=files,
                inside=inside,
                timezone=request.timezone,
                environments=request.environments,
                explain=request.explain,
            )
            running = await self.engine.start(spec)
        except BaseException:
            slot.release()
            raise
        return Started(running, slot)

    async def _window(
        self, project_id: uuid.UUID, trace_id: str | None, tables: frozenset[str], window: TimeWindow
    ) -> TimeWindow:
        """A lookup by trace id reads only where the trace index says its spans start (within the
        request's window); anything else, or a trace not indexed, keeps the request's window."""
        if self.traces is None or trace_id is None or not tables <= _RECORDS_TABLES:
            return window
        found = await self.traces.window(project_id, trace_id)
        if found is None:
            return window
        low = max(window.min_timestamp, found[0])
        high = found[1] + _MICROSECOND  # the window's end is exclusive
        if window.max_timestamp is not None:
            high = min(high, window.max_timestamp)
        return TimeWindow(low, max(low, high))

    async def _files(
        self, project_id: uuid.UUID, tables: frozenset[str], window: TimeWindow
    ) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
        """Object keys per table, from one catalog read per catalog table (records serves both views),
        and the ``records`` keys whose rows all lie inside the window (start_timestamp is never null
        there; metrics may hold null times, which the window filter must keep out)."""
        needed = sorted({CATALOG_TABLE[name] for name in tables if name in CATALOG_TABLE})
        found = await asyncio.gather(
            *(
                self.catalog.files_for_range(
                    project_id, _table(name), window.min_timestamp, window.max_timestamp
                )
                for name in needed
            )
        )
        keys = {
            name: tuple(f.object_key for f in files if f.project_id == project_id)
            for name, files in zip(needed, found, strict=True)
        }
        inside = frozenset(
            f.object_key
            for name, files in zip(needed, found, strict=True)
            if name == "records"
            for f in files
            if f.min_timestamp >= window.min_timestamp
            and (window.max_timestamp is None or f.max_timestamp < window.max_timestamp)
        )
        return {name: keys[CATALOG_TABLE[name]] for name in tables if name in CATALOG_TABLE}, inside


_RECORDS_TABLES = frozenset({"records", "records_all"})
_MICROSECOND = timedelta(microseconds=1)


def _table(name: str) -> TableName:
    return "records" if name == "records" else "metrics"
