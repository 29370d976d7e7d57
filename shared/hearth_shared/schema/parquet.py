"""The one Parquet writer of Hearth (ingest and compaction both use it), with the layout DESIGN.md §3
asks for: zstd-3, ~100k-row row groups, statistics and page indexes, bloom filters on trace_id and
span_id for `records`, rows sorted by time then trace id."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from hearth_shared.schema import PARQUET_SCHEMA_OPTIONS, TABLES

ROW_GROUP_ROWS = 100_000
ZSTD_LEVEL = 3
#: false-positive rate of the bloom filters: 1% keeps them small (+~2% file size, measured.md)
BLOOM_FPP = 0.01
BLOOM_COLUMNS = ("trace_id", "span_id")
#: Columns with (nearly) a distinct value per row: a dictionary only costs time before Parquet falls back
#: to plain encoding, the fallback pages are larger (Logfire-shaped spans: writing 11% faster and files 7%
#: smaller without it), and a reader must decode the whole dictionary page of every column it touches even
#: for one row (a trace lookup's scan: 16 -> 11 ms). Every other column keeps its dictionary.
NO_DICTIONARY = frozenset(
    {
        "start_timestamp",
        "end_timestamp",
        "duration",
        "created_at",
        "trace_id",
        "span_id",
        "parent_span_id",
        "message",
        "attributes",
        "exception_message",
        "exception_stacktrace",
        "url_full",
        "url_path",
        "url_query",
        "otel_events",
        "otel_links",
        "log_body",
    }
)


def sort_for_queries(table_name: str, table: pa.Table) -> pa.Table:
    """Time, then trace id: the order of the live view and the trace lookups users run."""
    time_column = TABLES[table_name].time_column
    keys = [(time_column, "ascending")]
    if "trace_id" in table.column_names:
        keys.append(("trace_id", "ascending"))
    return table.sort_by(keys)


def parquet_bytes(table_name: str, table: pa.Table, *, sort: bool = True) -> bytes:
    """Serialise ``table`` (of the named table's schema) as a Parquet file."""
    if sort:
        table = sort_for_queries(table_name, table)
    sink = io.BytesIO()
    pq.write_table(
        table, sink, row_group_size=ROW_GROUP_ROWS, **writer_options(table_name, ndv=table.num_rows)
    )
    return sink.getvalue()


def writer_options(table_name: str, *, ndv: int) -> dict[str, Any]:
    """Keyword arguments of ``pq.write_table``/``pq.ParquetWriter`` for the named table's files (all but
    ``row_group_size``): ``ndv`` sizes the bloom filters, the distinct ids expected per row group."""
    bloom = None
    if table_name in ("records", "records_all"):
        bloom = {column: {"ndv": max(1, ndv), "fpp": BLOOM_FPP} for column in BLOOM_COLUMNS}
    dictionary = [field.name for field in TABLES[table_name].schema if field.name not in NO_DICTIONARY]
    return {
        "compression": "zstd",
        "use_dictionary": dictionary,
        "compression_level": ZSTD_LEVEL,
        "write_statistics": True,
        "write_page_index": True,
        "bloom_filter_options": bloom,
        **PARQUET_SCHEMA_OPTIONS,
    }
