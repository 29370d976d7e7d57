"""A fresh ``SessionContext`` per query (well under a millisecond, measured.md): no state, tables or
settings leak from one query, and so from one project, to the next."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from datafusion import RuntimeEnvBuilder, SessionConfig, SessionContext, SQLOptions

from hearth_query_api.engine.stores import ObjectLocation
from hearth_query_api.engine.udfs import register_udfs

# Parquet reading tuned for the Logfire access pattern (measured.md: pushdown makes trace lookups ~20x
# faster); bloom filters on trace_id/span_id and page indexes are written by hearth_shared.schema.parquet.
_PARQUET_OPTIONS = {
    "datafusion.execution.parquet.pushdown_filters": "true",
    "datafusion.execution.parquet.reorder_filters": "true",
    "datafusion.execution.parquet.bloom_filter_on_read": "true",
    "datafusion.execution.parquet.enable_page_index": "true",
    "datafusion.execution.parquet.pruning": "true",
    "datafusion.execution.collect_statistics": "true",
    # Ingest and compaction files are small enough that splitting each into byte ranges only opens
    # every file twice (bench/query.py: trace lookup over 101 files 686 → 317 ms).
    "datafusion.optimizer.repartition_file_scans": "false",
}


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """Per-query engine limits, from the service settings."""

    target_partitions: int
    memory_limit_bytes: int
    spill_dir: Path

    def prepare(self) -> None:
        """Create the spill directory (at start, so a bad path fails before the port opens)."""
        self.spill_dir.mkdir(parents=True, exist_ok=True)


def read_only_options() -> SQLOptions:
    """No DDL (CREATE/DROP…), no DML (INSERT/COPY…), no statements (SET, transactions)."""
    return SQLOptions().with_allow_ddl(False).with_allow_dml(False).with_allow_statements(False)


def new_session(options: SessionOptions, location: ObjectLocation, *, timezone: str | None) -> SessionContext:
    values = dict(_PARQUET_OPTIONS)
    if timezone:
        values["datafusion.execution.time_zone"] = timezone
    config = (
        SessionConfig(values).with_target_partitions(options.target_partitions).with_information_schema(False)
    )
    # A fair spill pool: every spillable operator gets its share and spills to the disk manager's
    # directory instead of failing or growing the process past the limit.
    runtime = (
        RuntimeEnvBuilder()
        .with_fair_spill_pool(options.memory_limit_bytes)
        .with_disk_manager_specified(options.spill_dir)
    )
    ctx = SessionContext(config, runtime)
    location.register(ctx)
    register_udfs(ctx)
    return ctx
