"""The newest n rows from a narrow stretch of time first: the live view's first page, cheaply.

``SELECT … FROM records ORDER BY start_timestamp DESC LIMIT n`` (no filter, ``dialect.newest``) would
decode every column of every row of its window only to keep n of them: a 5-minute window is ~33k rows
of a busy project. The catalog says how many rows the newest files hold over which time spans, so the
service first runs the query on the stretch that should hold a few times n rows, ending at the newest
row catalogued (bench/query.py, live page: 1.3-1.5x DuckDB's time → 0.6-0.9x). When that gives the
rows asked for, they are the answer: every row outside the stretch is older than all of them. When it
gives fewer (the density misled), the query runs on the whole window, so the answer never depends on
the estimate, only the time does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api.query import QueryPlans, TimeWindow
from hearth_shared.catalog.files import CatalogFile

#: the stretch is sized for this many times the rows asked for, at the newest file's density
HEADROOM = 4
_SHORTEST = timedelta(milliseconds=1)


def newest_stretch(files: Sequence[CatalogFile], window: TimeWindow, rows: int) -> TimeWindow | None:
    """The end of ``window`` that should hold ``HEADROOM`` x ``rows`` rows; None when that is no narrower
    than the window itself, or when the window ends inside the data (its newest rows are then unknown).

    Files are taken newest first, each wholly while more rows are needed; the last one only for the
    share of its time span its share of rows would take at its average density.
    """
    if not files:
        return None
    by_newest = sorted(files, key=lambda f: f.max_timestamp, reverse=True)
    if window.max_timestamp is not None and window.max_timestamp <= by_newest[0].max_timestamp:
        return None
    needed = HEADROOM * rows
    start = by_newest[0].max_timestamp
    for file in by_newest:
        if file.row_count >= needed:
            span = max(file.max_timestamp - file.min_timestamp, _SHORTEST)
            start = min(start, file.max_timestamp - span * (needed / file.row_count))
            break
        needed -= file.row_count
        start = min(start, file.min_timestamp)
    else:
        return None  # fewer rows catalogued than wanted: the whole window it is
    if start <= window.min_timestamp:
        return None
    return TimeWindow(start, window.max_timestamp)


class CollectedQuery:
    """A query already run to the end: the reading interface of a running one, over its rows."""

    def __init__(self, table: pa.Table, plans: QueryPlans | None, metrics_plan: str) -> None:
        self.schema: pa.Schema = table.schema
        self.plans = plans
        self._table: pa.Table | None = table
        self._metrics_plan = metrics_plan

    async def batches(self) -> AsyncIterator[pa.RecordBatch]:
        table, self._table = self._table, None
        if table is not None:
            for batch in table.to_batches():
                yield batch

    async def collect(self) -> pa.Table:
        table, self._table = self._table, None
        return table if table is not None else self.schema.empty_table()

    def metrics_plan(self) -> str:
        return self._metrics_plan

    def close(self) -> None:
        self._table = None
