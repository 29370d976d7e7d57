"""The size-tiered compaction policy: which files of a partition one job merges. Pure functions.

Policy (settings in :class:`~hearth_compaction.settings.CompactionSettings`):

- A file is **full** when it holds at least half of ``target_file_rows`` or half of
  ``target_file_bytes``: it is never an input again. A merge whose output would exceed a target is split
  into equal files, each then more than half a target, hence full — so no data is rewritten forever.
- Every other file sits in a **size tier**: tier 0 below ``tier_base_bytes``, tier k ≥ 1 from
  ``base·factor^(k-1)`` up to ``base·factor^k``. Tiers are computed from the byte size (ingest writes
  every file at tier 0 in the catalog's ``tier`` column; merged files record the tier of their size).
- A file is **eligible** once it is ``min_file_age`` seconds old (a busy partition collects several
  flushes per merge).
- A job merges the eligible files of the **lowest tier holding ``min_files``** of them, oldest data
  first (by min timestamp), up to ``max_job_files`` / ``max_job_bytes``. Its output lands in the tier of
  its size, usually the next one up, where it waits for ``min_files`` peers: each row is rewritten about
  once per tier (log_factor(target / base) + 1 times), not once per merge.
- A **quiet** partition — no eligible file created in the last ``settle_age`` seconds — has all its
  small files merged once at least two exist, so yesterday's partition ends with few files even when
  no tier filled up.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from hearth_compaction.settings import CompactionSettings
from hearth_shared.catalog import CatalogFile
from hearth_shared.catalog.compaction import Partition

Reason = Literal["tier", "settled"]


@dataclass(frozen=True)
class TierPolicy:
    min_files: int
    tier_base_bytes: int
    tier_factor: int
    target_file_rows: int
    target_file_bytes: int
    min_file_age: timedelta
    settle_age: timedelta
    max_job_files: int
    max_job_bytes: int

    @classmethod
    def from_settings(cls, settings: CompactionSettings) -> TierPolicy:
        return cls(
            min_files=settings.compaction_min_files,
            tier_base_bytes=settings.compaction_tier_base_bytes,
            tier_factor=settings.compaction_tier_factor,
            target_file_rows=settings.compaction_target_file_rows,
            target_file_bytes=settings.compaction_target_file_bytes,
            min_file_age=timedelta(seconds=settings.compaction_min_file_age),
            settle_age=timedelta(seconds=settings.compaction_settle_age),
            max_job_files=settings.compaction_max_job_files,
            max_job_bytes=settings.compaction_max_job_bytes,
        )

    @property
    def tier_bounds(self) -> list[int]:
        """Ascending lower bounds of tiers 1, 2, …; a file's tier is how many of them its size reaches."""
        bounds, bound = [], self.tier_base_bytes
        while bound < self.full_bytes:
            bounds.append(bound)
            bound *= self.tier_factor
        return bounds

    @property
    def full_bytes(self) -> int:
        return max(1, self.target_file_bytes // 2)

    @property
    def full_rows(self) -> int:
        return max(1, self.target_file_rows // 2)

    def tier_of(self, byte_size: int) -> int:
        return bisect.bisect_right(self.tier_bounds, byte_size)

    def is_full(self, file: CatalogFile) -> bool:
        return file.byte_size >= self.full_bytes or file.row_count >= self.full_rows

    def output_files(self, rows: int, input_bytes: int) -> int:
        """How many files a merge of ``rows`` rows in ``input_bytes`` bytes is split into."""
        by_rows = -(-rows // self.target_file_rows)
        by_bytes = -(-input_bytes // self.target_file_bytes)
        return max(1, by_rows, by_bytes)


@dataclass(frozen=True)
class JobPlan:
    """One merge: these live files of one partition become new files."""

    partition: Partition
    inputs: tuple[CatalogFile, ...]
    tier: int  # the highest size tier among the inputs
    reason: Reason

    @property
    def job_id(self) -> str:
        """Derived from the input set: a retry of the same inputs after a crash is the same job."""
        digest = hashlib.sha256("\n".join(sorted(f.id for f in self.inputs)).encode()).hexdigest()
        return f"cj-{digest[:24]}"

    @property
    def input_rows(self) -> int:
        return sum(f.row_count for f in self.inputs)

    @property
    def input_bytes(self) -> int:
        return sum(f.byte_size for f in self.inputs)


def plan_job(
    partition: Partition, files: Sequence[CatalogFile], policy: TierPolicy, now: datetime
) -> JobPlan | None:
    """The next merge for a partition's live ``files``, or None when the policy asks for none."""
    young = now - policy.min_file_age
    eligible = [
        f
        for f in files
        if f.retired_at is None and not policy.is_full(f) and (f.created_at is None or f.created_at <= young)
    ]
    by_tier: dict[int, list[CatalogFile]] = {}
    for file in eligible:
        by_tier.setdefault(policy.tier_of(file.byte_size), []).append(file)
    for tier in sorted(by_tier):
        members = by_tier[tier]
        if len(members) >= policy.min_files:
            return _plan(partition, members, policy, "tier")
    settled = now - policy.settle_age
    newest = max((f.created_at for f in eligible if f.created_at is not None), default=None)
    if len(eligible) >= 2 and newest is not None and newest <= settled:
        ordered = [f for tier in sorted(by_tier) for f in by_tier[tier]]
        return _plan(partition, ordered, policy, "settled")
    return None


def _plan(
    partition: Partition, files: Sequence[CatalogFile], policy: TierPolicy, reason: Reason
) -> JobPlan | None:
    """The job over ``files`` taken in order (oldest data first within a tier) up to the job limits."""
    if reason == "tier":
        files = sorted(files, key=lambda f: (f.min_timestamp, f.id))
    taken: list[CatalogFile] = []
    size = 0
    for file in files:
        if len(taken) >= policy.max_job_files:
            break
        if len(taken) >= 2 and size + file.byte_size > policy.max_job_bytes:
            break
        taken.append(file)
        size += file.byte_size
    if len(taken) < 2:
        return None
    tier = max(policy.tier_of(f.byte_size) for f in taken)
    return JobPlan(partition, tuple(taken), tier, reason)
