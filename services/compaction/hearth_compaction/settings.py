"""Settings of the compaction service (env prefix ``HEARTH_``).

The size-tiered policy they drive is described in :mod:`hearth_compaction.tiers`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from hearth_shared.settings import DatabaseSettings, ServiceSettings, StorageSettings

MIB = 1024 * 1024
GIB = 1024 * MIB


class CompactionSettings(ServiceSettings, DatabaseSettings, StorageSettings):
    """Everything the compaction process reads from its environment."""

    service_name: ClassVar[str] = "compaction"
    default_port: ClassVar[int] = 8013
    doc_title: ClassVar[str] = "compaction (`hearth-compaction`)"

    compaction_enabled: bool = Field(
        default=True,
        description="Run the compaction worker; `false` leaves only `/health` and `/ready` (for debugging).",
    )
    compaction_poll_interval: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds the worker waits after a pass that found nothing to merge (after a pass that merged "
            "something it looks again at once)."
        ),
    )
    compaction_min_files: int = Field(
        default=10,
        ge=2,
        description=(
            "A partition (project, table, day) is merged when this many of its small files sit in one "
            "size tier."
        ),
    )
    compaction_tier_base_bytes: int = Field(
        default=4 * MIB,
        ge=1,
        description=(
            "Upper bound of size tier 0 (the files ingest writes); tier k ≥ 1 holds files from "
            "base·factor^(k-1) up to base·factor^k bytes."
        ),
    )
    compaction_tier_factor: int = Field(
        default=8, ge=2, description="Ratio between the size bounds of consecutive tiers."
    )
    compaction_target_file_rows: int = Field(
        default=1_000_000,
        ge=1,
        description=(
            "Most rows in one merged file; larger merges are split into equal files. A file holding at "
            "least half of this is full and never merged again."
        ),
    )
    compaction_target_file_bytes: int = Field(
        default=128 * MIB,
        ge=1,
        description=(
            "Approximate largest merged file in bytes (estimated from the input sizes); a file of at "
            "least half of this is full and never merged again."
        ),
    )
    compaction_min_file_age: float = Field(
        default=60.0,
        ge=0,
        description=(
            "Seconds a file must have been catalogued before it is merged, so a busy partition collects "
            "several flushes per merge."
        ),
    )
    compaction_settle_age: float = Field(
        default=3600.0,
        gt=0,
        description=(
            "A partition whose newest small file is this many seconds old is quiet: all its small files "
            "are merged even if no tier holds `compaction_min_files` of them."
        ),
    )
    compaction_max_job_files: int = Field(
        default=200, ge=2, description="Most input files one merge job takes."
    )
    compaction_max_job_bytes: int = Field(
        default=1 * GIB,
        ge=1,
        description=(
            "Most input bytes one merge job takes (inputs are copied to `compaction_work_dir` while the "
            "job runs); a job always takes at least two files."
        ),
    )
    compaction_merge_buffer_rows: int = Field(
        default=400_000,
        ge=10_000,
        description=(
            "Rows the merge holds in memory across all its inputs at once (besides one row group being "
            "written): bounds the worker's memory, about 1-2 KB per `records` row."
        ),
    )
    compaction_work_dir: str = Field(
        default="",
        description=(
            "Directory for the local copies of a job's input and output files; empty: the system temp dir."
        ),
    )
    compaction_job_history_days: float = Field(
        default=14.0,
        gt=0,
        description="Days the report of a finished job is kept in the `compaction_jobs` table.",
    )

    @model_validator(mode="after")
    def _tiers_below_target(self) -> CompactionSettings:
        if self.compaction_tier_base_bytes >= self.compaction_target_file_bytes:
            raise ValueError(
                "HEARTH_COMPACTION_TIER_BASE_BYTES must be below HEARTH_COMPACTION_TARGET_FILE_BYTES"
            )
        return self
