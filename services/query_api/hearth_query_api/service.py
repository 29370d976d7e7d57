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
from hearth_query_api.newest import CollectedQuery, newest_stretch
from hearth_query_api.query import CATALOG_TABLE, QueryPlans, QuerySpec, TimeWindow
from hearth_query_api.slots import QuerySlots, Slot
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.catalog.files import CatalogFile, TableName


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
            found = await self._catalog_files(project_id, translated.tables, window)
            running: RunningQuery | None = None
            if translated.newest is not None and window == request.window and not request.environments:
                running = await self._newest(project_id, translated.sql, request, translated.newest, found)
            if running is None:
                running = await self.engine.start(
                    self._spec(project_id, translated.sql, request, window, found)
                )
        except BaseException:
            slot.release()
            raise
        return Started(running, slot)

    def _spec(
        self,
        project_id: uuid.UUID,
        sql: str,
        request: QueryRequest,
        window: TimeWindow,
        found: dict[str, list[CatalogFile]],
    ) -> QuerySpec:
        files, inside = _keys(project_id, found, window)
        return QuerySpec(
            project_id=project_id,
            sql=sql,
            window=window,
            limit=request.limit,
            files=files,
            inside=inside,
            timezone=request.timezone,
            environments=request.environments,
            explain=request.explain,
        )

    async def _newest(
        self,
        project_id: uuid.UUID,
        sql: str,
        request: QueryRequest,
        rows: int,
        found: dict[str, list[CatalogFile]],
    ) -> RunningQuery | None:
        """The newest rows, from the newest stretch of the window when it holds enough of them
        (:mod:`hearth_query_api.newest`); None when the whole window must be read."""
        wanted = min(rows, request.limit)
        stretch = newest_stretch(found.get("records", []), request.window, wanted)
        if stretch is None:
            return None
        running = await self.engine.start(self._spec(project_id, sql, request, stretch, found))
        try:
            table = await running.collect()
            plans, metrics_plan = running.plans, running.metrics_plan()
        finally:
            running.close()
        if table.num_rows < wanted:
            return None
        return CollectedQuery(table, plans, metrics_plan)

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

    async def _catalog_files(
        self, project_id: uuid.UUID, tables: frozenset[str], window: TimeWindow
    ) -> dict[str, list[CatalogFile]]:
        """The files of each table the query reads, from one catalog read per catalog table (records
        serves both views)."""
        needed = sorted({CATALOG_TABLE[name] for name in tables if name in CATALOG_TABLE})
        found = await asyncio.gather(
            *(
                self.catalog.files_for_range(
                    project_id, _table(name), window.min_timestamp, window.max_timestamp
                )
                for name in needed
            )
        )
        by_catalog_table = dict(zip(needed, found, strict=True))
        return {name: by_catalog_table[CATALOG_TABLE[name]] for name in tables if name in CATALOG_TABLE}


def _keys(
    project_id: uuid.UUID, found: dict[str, list[CatalogFile]], window: TimeWindow
) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    """Object keys per table of the files that overlap ``window`` (a narrower one than the catalog was
    asked for, at times), and the ``records`` keys whose rows all lie inside it (start_timestamp is never
    null there; metrics may hold null times, which the window filter must keep out)."""

    def overlaps(f: CatalogFile) -> bool:
        return (
            f.project_id == project_id
            and f.max_timestamp >= window.min_timestamp
            and (window.max_timestamp is None or f.min_timestamp <= window.max_timestamp)
        )

    def inside(f: CatalogFile) -> bool:
        return f.min_timestamp >= window.min_timestamp and (
            window.max_timestamp is None or f.max_timestamp < window.max_timestamp
        )

    keys = {name: tuple(f.object_key for f in files if overlaps(f)) for name, files in found.items()}
    whole = frozenset(
        f.object_key
        for name, files in found.items()
        if CATALOG_TABLE[name] == "records"
        for f in files
        if overlaps(f) and inside(f)
    )
    return keys, whole


_RECORDS_TABLES = frozenset({"records", "records_all"})
_MICROSECOND = timedelta(microseconds=1)


def _table(name: str) -> TableName:
    return "records" if name == "records" else "metrics"
