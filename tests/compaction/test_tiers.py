"""The size-tiered policy: which files of a partition a job merges (pure functions, no I/O)."""

from __future__ import annotations

from datetime import timedelta

from hearth_compaction.tiers import JobPlan, TierPolicy, plan_job
from hearth_shared.catalog import CatalogFile
from hearth_shared.catalog.compaction import Partition
from tests.compaction.compaction_helpers import DAY, PROJECT, T0

KIB = 1024
MIB = 1024 * KIB
NOW = T0 + timedelta(hours=2)
PARTITION = Partition(PROJECT, "records", DAY)
POLICY = TierPolicy(
    min_files=4,
    tier_base_bytes=1 * MIB,
    tier_factor=4,
    target_file_rows=1_000_000,
    target_file_bytes=64 * MIB,
    min_file_age=timedelta(minutes=1),
    settle_age=timedelta(hours=1),
    max_job_files=6,
    max_job_bytes=40 * MIB,
)


def file(n: int, size: int, *, rows: int = 1000, age: timedelta = timedelta(minutes=5)) -> CatalogFile:
    start = T0 + timedelta(minutes=n)
    return CatalogFile(
        id=f"f{n:03d}",
        project_id=PROJECT,
        table_name="records",
        day=DAY,
        object_key=f"records/k{n:03d}.parquet",
        min_timestamp=start,
        max_timestamp=start + timedelta(seconds=30),
        row_count=rows,
        byte_size=size,
        created_at=NOW - age,
    )


def ids(plan: JobPlan | None) -> list[str]:
    assert plan is not None
    return [f.id for f in plan.inputs]


def test_tiers_are_size_buckets_growing_by_the_factor() -> None:
    assert POLICY.tier_bounds == [1 * MIB, 4 * MIB, 16 * MIB]  # below full (32 MiB)
    assert [POLICY.tier_of(size) for size in (0, MIB - 1, MIB, 4 * MIB - 1, 4 * MIB, 16 * MIB, 31 * MIB)] == [
        0,
        0,
        1,
        1,
        2,
        3,
        3,
    ]
    assert POLICY.is_full(file(1, 32 * MIB))
    assert POLICY.is_full(file(1, 10, rows=500_000))
    assert not POLICY.is_full(file(1, 32 * MIB - 1, rows=499_999))


def test_nothing_to_do_below_min_files_in_every_tier() -> None:
    files = [file(1, 100 * KIB), file(2, 200 * KIB), file(3, 300 * KIB), file(4, 2 * MIB), file(5, 3 * MIB)]
    assert plan_job(PARTITION, files, POLICY, NOW) is None


def test_the_lowest_tier_with_min_files_is_merged_oldest_data_first() -> None:
    tier1 = [file(n, 2 * MIB) for n in (10, 11, 12, 13)]
    # out of time order on purpose: the plan takes them by min timestamp
    tier0 = [file(n, 100 * KIB) for n in (5, 3, 4, 1, 2)]
    plan = plan_job(PARTITION, [*tier1, *tier0], POLICY, NOW)
    assert ids(plan) == ["f001", "f002", "f003", "f004", "f005"]
    assert plan is not None
    assert (plan.tier, plan.reason) == (0, "tier")

    plan = plan_job(PARTITION, tier1 + tier0[:3], POLICY, NOW)
    assert ids(plan) == ["f010", "f011", "f012", "f013"]
    assert plan is not None
    assert plan.tier == 1


def test_young_full_and_retired_files_are_never_inputs() -> None:
    small = [file(n, 100 * KIB) for n in range(1, 4)]
    young = file(4, 100 * KIB, age=timedelta(seconds=10))
    full = file(5, 100 * KIB, rows=600_000)
    assert plan_job(PARTITION, [*small, young, full], POLICY, NOW) is None
    assert ids(plan_job(PARTITION, [*small, file(6, 100 * KIB)], POLICY, NOW)) == [
        "f001",
        "f002",
        "f003",
        "f006",
    ]


def test_job_limits_cap_files_and_bytes_but_take_at_least_two() -> None:
    many = [file(n, 100 * KIB) for n in range(1, 11)]
    assert ids(plan_job(PARTITION, many, POLICY, NOW)) == ["f001", "f002", "f003", "f004", "f005", "f006"]
    big = [file(n, 12 * MIB) for n in range(1, 6)]  # tier 2; 40 MiB of input at most
    assert ids(plan_job(PARTITION, big, POLICY, NOW)) == ["f001", "f002", "f003"]
    policy = TierPolicy(**{**POLICY.__dict__, "max_job_bytes": 1})
    assert ids(plan_job(PARTITION, big, policy, NOW)) == ["f001", "f002"]


def test_a_quiet_partition_gets_its_small_files_merged_whatever_their_tiers() -> None:
    files = [file(1, 100 * KIB, age=timedelta(hours=3)), file(2, 2 * MIB, age=timedelta(hours=2))]
    plan = plan_job(PARTITION, files, POLICY, NOW)
    assert ids(plan) == ["f001", "f002"]
    assert plan is not None
    assert (plan.reason, plan.tier) == ("settled", 1)
    recent = [*files, file(3, 100 * KIB, age=timedelta(minutes=30))]
    assert plan_job(PARTITION, recent, POLICY, NOW) is None
    assert plan_job(PARTITION, files[:1], POLICY, NOW) is None  # one file: nothing to merge


def test_job_id_depends_only_on_the_input_set() -> None:
    a = JobPlan(PARTITION, (file(1, 10), file(2, 10)), 0, "tier")
    b = JobPlan(PARTITION, (file(2, 10), file(1, 10)), 0, "tier")
    c = JobPlan(PARTITION, (file(1, 10), file(3, 10)), 0, "tier")
    assert a.job_id == b.job_id != c.job_id
    assert a.job_id.startswith("cj-")


def test_outputs_are_split_so_each_part_is_full() -> None:
    assert POLICY.output_files(rows=900_000, input_bytes=10 * MIB) == 1
    assert POLICY.output_files(rows=2_500_000, input_bytes=10 * MIB) == 3
    assert POLICY.output_files(rows=1000, input_bytes=130 * MIB) == 3
    for rows in (1_000_001, 1_999_999, 2_000_001):
        parts = POLICY.output_files(rows=rows, input_bytes=0)
        assert rows // parts >= POLICY.full_rows
