"""The worker on real Postgres and real object storage: candidates, claims, swaps, job reports, failures
before the swap, racing workers, and the service app running it."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hearth_compaction.app import create_app
from hearth_compaction.job import JobRunner
from hearth_compaction.tiers import JobPlan, TierPolicy, plan_job
from hearth_compaction.worker import CompactionWorker
from hearth_shared.catalog import CatalogFile, TableName
from hearth_shared.catalog.compaction import CompactionCatalog, Partition
from hearth_shared.db import DatabasePool, open_pool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import ObjectNotFound, ObjectStorage, open_storage
from tests.compaction.compaction_helpers import (
    DAY,
    PROJECT,
    T0,
    Files,
    canonical,
    metrics_table,
    records_table,
    settings_for,
)
from tests.fixtures.apps import AppClient

RECORDS = Partition(PROJECT, "records", DAY)


@dataclass
class Env:
    database_url: str
    storage_url: str
    storage: ObjectStorage
    pool: DatabasePool
    files: Files

    def worker(self, **overrides: Any) -> CompactionWorker:
        before_swap = overrides.pop("before_swap", None)
        settings = settings_for(self.database_url, self.storage_url, **overrides)
        return CompactionWorker(settings, CompactionCatalog(self.pool), self.storage, before_swap=before_swap)

    async def add_small_files(
        self, count: int, *, table: TableName = "records", rows: int = 300, project: uuid.UUID = PROJECT
    ) -> list[CatalogFile]:
        added = []
        for i in range(count):
            if table == "records":
                data = records_table(
                    project, T0 + i * timedelta(minutes=1), rows, spread=timedelta(minutes=3), seed=i
                )
            else:
                data = metrics_table(project, T0, rows, spread=timedelta(minutes=30), seed=i, null_every=25)
            added.append(await self.files.add(table, project, data))
        return added

    async def exists(self, key: str) -> bool:
        try:
            await self.storage.head(key)
        except ObjectNotFound:
            return False
        return True

    async def keys(self) -> set[str]:
        return {meta.key async for meta in self.storage.list("")}


@pytest.fixture
async def env(tmp_path: Path, database_url: str, db_pool: DatabasePool) -> AsyncIterator[Env]:
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    try:
        yield Env(database_url, storage_url, storage, db_pool, Files(storage, db_pool))
    finally:
        await storage.close()


async def assert_same_rows(
    env: Env, table: TableName, before: Sequence[CatalogFile], after: Sequence[CatalogFile]
) -> None:
    old, new = await env.files.read(before), await env.files.read(after)
    assert new.num_rows == old.num_rows
    assert canonical(table, new).equals(canonical(table, old))


async def test_a_pass_merges_a_full_tier_swaps_and_reports(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    inputs = await env.add_small_files(5)
    worker = env.worker()

    with caplog.at_level(logging.INFO, logger="hearth.compaction.job"):
        [report] = await worker.run_pass()
    [logged] = [r for r in caplog.records if r.getMessage() == "compaction job done"]
    assert logged.__dict__["job_id"] == report.job_id
    for field in ("input_files", "input_bytes", "input_rows", "output_files", "output_bytes", "output_rows"):
        assert logged.__dict__[field] == getattr(report, field)
    assert logged.__dict__["duration_seconds"] == report.duration_seconds

    assert report.status == "done"
    assert (report.input_files, report.input_rows, report.output_files, report.output_rows) == (
        5,
        1500,
        1,
        1500,
    )
    assert report.input_bytes == sum(f.byte_size for f in inputs)
    live = await env.files.live(RECORDS)
    assert [f.row_count for f in live] == [1500]
    [output] = live
    assert output.source == f"compaction:{report.job_id}"
    assert output.byte_size == report.output_bytes
    assert output.tier == worker.policy.tier_of(output.byte_size)
    assert output.min_timestamp == min(f.min_timestamp for f in inputs)
    assert output.max_timestamp == max(f.max_timestamp for f in inputs)
    await assert_same_rows(env, "records", inputs, live)
    # inputs are retired, not deleted: queries that planned on them may still be reading
    retired = await env.files.catalog.get(f.id for f in inputs)
    assert all(f.retired_at is not None for f in retired)
    assert all([await env.exists(f.object_key) for f in inputs])

    job = await worker.catalog.job(report.job_id)
    assert job is not None
    assert (job.status, job.attempts, job.reason, job.partition) == ("done", 1, "tier", RECORDS)
    assert (job.input_files, job.input_rows, job.output_files, job.output_rows) == (5, 1500, 1, 1500)
    assert job.output_bytes == report.output_bytes
    assert job.duration_seconds is not None
    assert job.finished_at is not None

    assert await worker.run_pass() == []  # one file left: nothing to do


async def test_merged_files_cascade_up_the_tiers(env: Env) -> None:
    # ~24 KiB per 150-row input (mostly footer): tier 0 below 26 KiB, tier 1 up to 52 KiB…; two files
    # per job, so outputs of tier-0 merges are merged again in tier 1
    worker = env.worker(
        compaction_tier_base_bytes=26 * 1024,
        compaction_tier_factor=2,
        compaction_min_files=2,
        compaction_max_job_files=2,
    )
    inputs = await env.add_small_files(8, rows=150)
    assert {worker.policy.tier_of(f.byte_size) for f in inputs} == {0}
    tiers_merged = []
    while reports := await worker.run_pass():
        tiers_merged += [r.tier for r in reports]
    assert tiers_merged[0] == 0
    assert max(tiers_merged) >= 1  # merged outputs were merged again
    live = await env.files.live(RECORDS)
    assert len(live) == 1
    await assert_same_rows(env, "records", inputs, live)


async def test_candidates_follow_the_policy(env: Env) -> None:
    catalog = CompactionCatalog(env.pool)
    other = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
    quiet = uuid.UUID("00000000-0000-4000-8000-0000000000c3")
    await env.add_small_files(4)  # one tier with 4 files: a candidate
    await env.add_small_files(3, project=other)  # 3 files: not yet
    await env.add_small_files(2, project=quiet, table="metrics")
    await env.pool.execute(
        "UPDATE catalog_files SET created_at = now() - interval '2 hours' WHERE project_id = $1", quiet
    )
    policy = TierPolicy.from_settings(
        settings_for(env.database_url, env.storage_url, compaction_settle_age=3600)
    )

    async def candidates(**overrides: Any) -> list[Partition]:
        now = await catalog.now()
        arguments: dict[str, Any] = {
            "tier_bounds": policy.tier_bounds,
            "full_bytes": policy.full_bytes,
            "full_rows": policy.full_rows,
            "min_files": policy.min_files,
            "created_before": now - policy.min_file_age,
            "settled_before": now - policy.settle_age,
        }
        return await catalog.candidates(**{**arguments, **overrides})

    assert await candidates() == [RECORDS, Partition(quiet, "metrics", DAY)]
    now = await catalog.now()
    assert await candidates(created_before=now - timedelta(minutes=1)) == [Partition(quiet, "metrics", DAY)]
    assert await candidates(full_rows=300) == []  # every file counts as full
    # the tiers in SQL are the policy's: spread the 4 files over two tiers and none qualifies
    smallest = min(f.byte_size for f in await env.files.live(RECORDS))
    assert await candidates(tier_bounds=[smallest + 1], settled_before=now - timedelta(days=1)) == []
    for partition in await candidates():
        files = await env.files.live(partition)
        assert plan_job(partition, files, policy, await catalog.now()) is not None


async def test_two_workers_racing_on_one_partition_swap_once(env: Env, database_url: str) -> None:
    inputs = await env.add_small_files(6)
    at_swap, release = asyncio.Event(), asyncio.Event()

    async def hold(plan: JobPlan, new_files: Sequence[CatalogFile]) -> None:
        at_swap.set()
        await release.wait()

    first = env.worker(before_swap=hold)
    other_pool = await open_pool(database_url, min_size=1, max_size=4, connect_timeout=10)
    try:
        second = CompactionWorker(
            settings_for(env.database_url, env.storage_url), CompactionCatalog(other_pool), env.storage
        )
        running = asyncio.create_task(first.run_pass())
        await asyncio.wait_for(at_swap.wait(), 30)
        assert await second.run_pass() == []  # the partition is claimed: skipped, nothing written
        release.set()
        [report] = await running
        assert await second.run_pass() == []  # and afterwards there is nothing left to merge
    finally:
        await other_pool.close()
    assert report.status == "done"
    live = await env.files.live(RECORDS)
    assert len(live) == 1
    await assert_same_rows(env, "records", inputs, live)
    assert await env.pool.fetchval("SELECT count(*) FROM compaction_jobs") == 1


async def test_two_jobs_of_the_same_inputs_swap_once_and_the_loser_cleans_up(env: Env) -> None:
    """Without the claim (a lost lock connection, say): the catalog's swap still lets only one win."""
    inputs = await env.add_small_files(4)
    catalog = CompactionCatalog(env.pool)
    policy = TierPolicy.from_settings(settings_for(env.database_url, env.storage_url))
    plan = plan_job(RECORDS, inputs, policy, await catalog.now() + timedelta(seconds=1))
    assert plan is not None
    both_uploaded = asyncio.Barrier(2)

    async def meet(plan: JobPlan, new_files: Sequence[CatalogFile]) -> None:
        await both_uploaded.wait()

    runners = [
        JobRunner(catalog, env.storage, policy, worker_name=f"w{i}", buffer_rows=10_000, before_swap=meet)
        for i in range(2)
    ]
    reports = await asyncio.gather(*(runner.run(plan) for runner in runners))

    assert sorted(r.status for r in reports) == ["conflict", "done"]
    assert sorted(r.attempt for r in reports) == [1, 2]
    winner = next(r for r in reports if r.status == "done")
    loser = next(r for r in reports if r.status == "conflict")
    assert loser.error is not None
    assert "lost the swap" in loser.error
    live = await env.files.live(RECORDS)
    assert [f.source for f in live] == [f"compaction:{winner.job_id}"]
    await assert_same_rows(env, "records", inputs, live)
    # storage: the inputs (retired, kept for running queries) and the winner's output, nothing else
    assert await env.keys() == {f.object_key for f in inputs} | {live[0].object_key}
    job = await catalog.job(plan.job_id)
    assert job is not None
    assert (job.status, job.attempts) == ("done", 2)


async def test_a_job_failing_before_its_swap_changes_nothing_and_is_retried(env: Env) -> None:
    inputs = await env.add_small_files(4, table="metrics")
    partition = Partition(PROJECT, "metrics", DAY)

    async def fail(plan: JobPlan, new_files: Sequence[CatalogFile]) -> None:
        assert all([await env.exists(f.object_key) for f in new_files])  # written, not yet catalogued
        raise RuntimeError("storage said no")

    [failed] = await env.worker(before_swap=fail).run_pass()
    assert (failed.status, failed.attempt, failed.output_files) == ("failed", 1, 0)
    assert failed.error == "RuntimeError: storage said no"
    assert {f.id for f in await env.files.live(partition)} == {f.id for f in inputs}
    assert await env.keys() == {f.object_key for f in inputs}  # its outputs were deleted
    job = await CompactionCatalog(env.pool).job(failed.job_id)
    assert job is not None
    assert (job.status, job.error) == ("failed", "RuntimeError: storage said no")

    [retried] = await env.worker().run_pass()
    assert (retried.job_id, retried.status, retried.attempt) == (failed.job_id, "done", 2)
    live = await env.files.live(partition)
    assert len(live) == 1
    await assert_same_rows(env, "metrics", inputs, live)


async def test_a_failed_partition_is_left_alone_for_a_while(env: Env) -> None:
    await env.add_small_files(4)

    async def fail(plan: JobPlan, new_files: Sequence[CatalogFile]) -> None:
        raise RuntimeError("boom")

    worker = env.worker(before_swap=fail)
    assert [r.status for r in await worker.run_pass()] == ["failed"]
    assert await worker.run_pass() == []  # backing off: not even tried
    assert worker.jobs_failed == 1


async def test_old_job_reports_are_pruned(env: Env) -> None:
    await env.add_small_files(4)
    catalog = CompactionCatalog(env.pool)
    [report] = await env.worker().run_pass()
    assert await catalog.prune_jobs(await catalog.now() - timedelta(days=1)) == 0
    assert await catalog.prune_jobs(await catalog.now() + timedelta(seconds=1)) == 1
    assert await catalog.job(report.job_id) is None


async def test_the_service_runs_the_worker_until_stopped(env: Env, app_client: AppClient) -> None:
    inputs = await env.add_small_files(5)
    settings = settings_for(env.database_url, env.storage_url)
    async with app_client(create_app(settings)) as client:
        deadline = asyncio.get_running_loop().time() + 30
        while len(await env.files.live(RECORDS)) > 1:
            assert asyncio.get_running_loop().time() < deadline, "the worker merged nothing"
            await asyncio.sleep(0.05)
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["worker"] == "ok"
        worker = client._transport.app.state.compaction  # type: ignore[attr-defined]
        assert worker.running
    assert not worker.running  # the lifespan stopped it
    await assert_same_rows(env, "records", inputs, await env.files.live(RECORDS))
    rows = await env.pool.fetch("SELECT status FROM compaction_jobs")
    assert [row["status"] for row in rows] == ["done"]


async def test_a_disabled_worker_does_nothing(env: Env, app_client: AppClient) -> None:
    await env.add_small_files(5)
    settings = settings_for(env.database_url, env.storage_url, compaction_enabled=False)
    async with app_client(create_app(settings)) as client:
        assert (await client.get("/ready")).status_code == 200
        assert not client._transport.app.state.compaction.running  # type: ignore[attr-defined]
    assert len(await env.files.live(RECORDS)) == 5


async def test_work_directories_left_by_killed_workers_are_swept(env: Env, tmp_path: Path) -> None:
    work = tmp_path / "work"
    worker = env.worker(compaction_work_dir=str(work))
    stale, fresh, foreign = (
        work / "hearth-compaction-cj-1-x",
        work / "hearth-compaction-cj-2-y",
        work / "other",
    )
    for path in (stale, fresh, foreign):
        (path / "out").mkdir(parents=True)
    a_day_ago = time.time() - 25 * 3600
    for path in (stale, foreign):
        os.utime(path, (a_day_ago, a_day_ago))
    assert worker.runner.sweep_stale_work() == 1
    assert sorted(p.name for p in work.iterdir()) == ["hearth-compaction-cj-2-y", "other"]
