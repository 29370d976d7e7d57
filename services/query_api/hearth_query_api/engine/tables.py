"""The project's tables, built per query from the catalog's file list — never by listing the bucket.

DataFusion-python 55 cannot build one ``ListingTable`` over an explicit list of files
(``read_parquet``/``register_listing_table`` take one path, and a directory path would list the bucket,
where compaction's retired-but-not-yet-deleted files would be counted twice). So each catalogued file
is its own Parquet scan, and the table is their ``UNION ALL``:

- the time window filter applies only to the files the window cuts through (the catalog's bounds say
  which files lie wholly inside it); environment and ``kind`` filters sit above the union; the
  optimizer pushes them into every scan, where row-group statistics, page indexes and bloom filters
  prune (checked with ``EXPLAIN ANALYZE``: ``row_groups_pruned_bloom_filter``,
  ``files_ranges_pruned_statistics``);
- every scan is given the table's schema, so no file is opened to infer one and files written before a
  schema change still line up;
- a file outside the window is not in the list, so it is never opened at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from datafusion import DataFrame, SessionContext, col, lit
from datafusion import functions as f

from hearth_query_api.engine.stores import ObjectLocation
from hearth_query_api.query import QuerySpec, TimeWindow
from hearth_shared.schema import TABLES

_TIMESTAMP = pa.timestamp("us", tz="UTC")


def plain_schema(schema: pa.Schema) -> pa.Schema:
    """The schema without field descriptions: results and Arrow streams should not carry them."""
    return pa.schema([field.remove_metadata() for field in schema])


class FileScans:
    """One session's scans of single files, kept across its queries (a worker's reused session).

    An object never changes once written, so its scan is the same plan for every query that lists it;
    building one costs ~0.1 ms (12 ms of a query over 101 files, bench/query.py). Which files a query
    reads still comes from the catalog each time: a new file is a new scan, and a retired file, no longer
    listed, is simply not used (and leaves once ``size`` newer scans were made).
    """

    def __init__(self, ctx: SessionContext, size: int = 20_000) -> None:
        self._ctx = ctx
        self._size = size
        self._frames: OrderedDict[tuple[str, str], DataFrame] = OrderedDict()

    def scan(self, table: str, schema: pa.Schema, url: str) -> DataFrame:
        key = (table, url)
        frame = self._frames.get(key)
        if frame is None:
            frame = self._frames[key] = self._ctx.read_parquet(url, schema=schema)
            if len(self._frames) > self._size:
                self._frames.popitem(last=False)
        else:
            self._frames.move_to_end(key)
        return frame


def _scan(
    ctx: SessionContext, table: str, schema: pa.Schema, urls: Sequence[str], scans: FileScans | None
) -> DataFrame:
    if not urls:
        return ctx.from_arrow(schema.empty_table())
    if scans is None:
        frames = [ctx.read_parquet(url, schema=schema) for url in urls]
    else:
        frames = [scans.scan(table, schema, url) for url in urls]
    # Pairwise, into a balanced tree: the optimizer flattens it into one union either way, but its
    # passes over a chain one file deep per level cost quadratic time (bench/query.py, 101 files:
    # physical planning 119 → 64 ms of CPU per query).
    while len(frames) > 1:
        pairs = zip(frames[0::2], frames[1::2], strict=False)
        frames = [left.union(right) for left, right in pairs] + frames[len(frames) // 2 * 2 :]
    return frames[0]


def _window_filter(frame: DataFrame, column: str, window: TimeWindow) -> DataFrame:
    frame = frame.filter(col(column) >= lit(pa.scalar(window.min_timestamp, type=_TIMESTAMP)))
    if window.max_timestamp is not None:
        frame = frame.filter(col(column) < lit(pa.scalar(window.max_timestamp, type=_TIMESTAMP)))
    return frame


def _environment_filter(frame: DataFrame, environments: Sequence[str]) -> DataFrame:
    column = col("deployment_environment")
    named = [lit(value) for value in environments if value]
    keep = f.in_list(column, named) if named else None
    if "" in environments:  # the client's spelling of "no environment set"
        keep = column.is_null() if keep is None else keep | column.is_null()
    assert keep is not None
    return frame.filter(keep)


def register_tables(
    ctx: SessionContext, spec: QuerySpec, location: ObjectLocation, scans: FileScans | None = None
) -> None:
    """Register each table ``spec.files`` names, for this project, window and environments only;
    ``scans``: the session's file scans kept from earlier queries (they must belong to ``ctx``)."""
    for name, keys in spec.files.items():
        table = TABLES[name]
        schema = plain_schema(table.schema)
        cut = [location.url(key) for key in keys if key not in spec.inside]
        whole = [location.url(key) for key in keys if key in spec.inside]
        # Files the window cuts through get its filter; files wholly inside it need none.
        frame = _window_filter(_scan(ctx, name, schema, cut, scans), table.time_column, spec.window)
        if whole:
            scanned = _scan(ctx, name, schema, whole, scans)
            frame = frame.union(scanned) if cut else scanned
        if spec.environments:
            frame = _environment_filter(frame, spec.environments)
        if name == "records":
            frame = frame.filter(col("kind") != lit("pending_span"))
        ctx.register_view(name, frame)
