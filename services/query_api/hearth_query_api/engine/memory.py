"""Run translated SQL over in-memory ``records`` rows (the live tail's batches), not over Parquet.

The live view filters each new batch with the user's WHERE clause in the very dialect of ``/v2/query``:
the same translation, the same UDFs, the same read-only options; only the table source differs. Batches
are small (one ingest segment of one project), so this runs in the calling process, in a thread.
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from datafusion import SessionConfig, SessionContext, col, lit

from hearth_query_api.engine.runner import is_engine_error, query_error
from hearth_query_api.engine.session import read_only_options
from hearth_query_api.engine.tables import plain_schema
from hearth_query_api.engine.udfs import register_udfs


def run_on_records(sql: str, rows: pa.Table) -> pa.Table:
    """``sql`` (already translated) with ``records_all`` = ``rows`` and ``records`` = ``rows`` minus pending
    spans. Raises QueryError for SQL DataFusion cannot plan or run."""
    ctx = SessionContext(SessionConfig().with_target_partitions(1).with_information_schema(False))
    register_udfs(ctx)
    frame = ctx.from_arrow(rows.cast(plain_schema(rows.schema)))
    ctx.register_view("records_all", frame)
    ctx.register_view("records", frame.filter(col("kind") != lit("pending_span")))
    try:
        return ctx.sql_with_options(sql, read_only_options()).to_arrow_table()
    except Exception as exc:
        if not is_engine_error(exc):
            raise
        raise query_error(exc) from None
