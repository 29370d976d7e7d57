"""What compaction must never break: a worker SIGKILLed mid-job leaves the catalog as it was and the
next worker finishes the job; queries through the real query API while swaps happen never fail and
never count a row twice or miss one."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import httpx

from hearth_compaction.tiers import JobPlan
from hearth_compaction.worker import CompactionWorker
from hearth_query_api.app import create_app as create_query_app
from hearth_shared.catalog import CatalogFile
from hearth_shared.catalog.compaction import CompactionCatalog, Partition
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import ObjectNotFound, ObjectStorage, open_storage
from tests.compaction.compaction_helpers import (
    DAY,
    PROJECT,
    T0,
    Files,
    canonical,
    records_table,
    settings_for,
)
from tests.fixtures.apps import AppClient
from tests.query_api.query_helpers import first_project, query_settings

ROOT = Path(__file__).resolve().parents[2]


async def exists(storage: ObjectStorage, key: str) -> bool:
    try:
        await storage.head(key)
    except ObjectNotFound:
        return False
    return True


async def test_a_worker_killed_before_its_swap_changes_nothing_and_the_job_is_retried(
    tmp_path: Path, database_url: str, db_pool: DatabasePool
) -> None:
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    files = Files(storage, db_pool)
    catalog = CompactionCatalog(db_pool)
    partition = Partition(PROJECT, "records", DAY)
    inputs = [
        await files.add(
            "records", PROJECT, records_table(PROJECT, T0, 400, spread=timedelta(minutes=5), seed=i)
        )
        for i in range(5)
    ]
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.compaction.crash_child",
        database_url,
        storage_url,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        line = (await asyncio.wait_for(child.stdout.readline(), 60)).decode()
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    word, job_id, *orphans = line.split()
    assert word == "SWAP"
    assert orphans

    # Killed between writing its outputs and swapping: the catalog is exactly as before.
    assert {f.id for f in await catalog.partition_files(partition)} == {f.id for f in inputs}
    assert await files.catalog.get(orphans) == []
    assert all([await exists(storage, key) for key in orphans])  # for maintenance's orphan sweep
    job = await catalog.job(job_id)
    assert job is not None
    assert (job.status, job.attempts) == ("running", 1)

    # The lock died with the child's connection: the next worker takes the partition and retries.
    worker = CompactionWorker(settings_for(database_url, storage_url), catalog, storage)
    deadline = time.monotonic() + 30
    while not (reports := await worker.run_pass()):
        assert time.monotonic() < deadline, "the partition stayed claimed after its worker died"
        await asyncio.sleep(0.1)
    [report] = reports
    assert (report.job_id, report.status, report.attempt) == (job_id, "done", 2)
    live = await catalog.partition_files(partition)
    assert len(live) == 1
    assert live[0].object_key not in orphans  # a retry never reuses an attempt's keys
    merged, original = await files.read(live), await files.read(inputs)
    assert canonical("records", merged).equals(canonical("records", original))
    job = await catalog.job(job_id)
    assert job is not None
    assert (job.status, job.attempts) == ("done", 2)
    await storage.close()


async def test_queries_during_swaps_never_fail_and_never_double_count(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str, app_client: AppClient
) -> None:
    project = await first_project(db_pool)
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    files = Files(storage, db_pool)
    total = 0
    for i in range(16):
        table = records_table(
            project.project_id, T0 + i * timedelta(minutes=2), 250, spread=timedelta(minutes=3), seed=i
        )
        await files.add("records", project.project_id, table)
        total += table.num_rows

    swaps = 0
    queries_since_swap = 0
    query_ran = asyncio.Event()

    async def after_some_queries(plan: JobPlan, new_files: Sequence[CatalogFile]) -> None:
        """Hold every swap until queries ran on the files it replaces (so swaps interleave with queries)."""
        nonlocal swaps, queries_since_swap
        while queries_since_swap < 2:
            query_ran.clear()
            await query_ran.wait()
        queries_since_swap = 0
        swaps += 1

    worker = CompactionWorker(
        settings_for(database_url, storage_url, compaction_max_job_files=4, compaction_min_files=2),
        CompactionCatalog(db_pool),
        storage,
        before_swap=after_some_queries,
    )
    answers: list[tuple[int, int]] = []
    done = asyncio.Event()

    async def compact() -> None:
        try:
            while await worker.run_pass():
                pass
        finally:
            done.set()

    async def ask(client: httpx.AsyncClient) -> None:
        nonlocal queries_since_swap
        sql = "SELECT count(*) AS n, count(DISTINCT span_id) AS d FROM records"
        while not done.is_set():
            response = await client.post(
                "/v2/query",
                json={"sql": sql, "min_timestamp": (T0 - timedelta(hours=1)).isoformat()},
                headers={"authorization": f"Bearer {project.read_token}", "accept": "application/json"},
            )
            assert response.status_code == 200, response.text
            [row] = response.json()["data"]
            answers.append((row["n"], row["d"]))
            queries_since_swap += 1
            query_ran.set()

    settings = query_settings(database_url, redis_url, (storage_url, {}))
    async with app_client(create_query_app(settings)) as client:
        await asyncio.wait_for(asyncio.gather(compact(), ask(client), ask(client)), 240)

    assert swaps >= 5  # 16 files, 4 per job: several swaps, cascading into the next tier
    assert len(await files.live(Partition(project.project_id, "records", DAY))) <= 2  # one per tier left
    assert len(answers) >= 2 * swaps
    assert set(answers) == {(total, total)}, "a query saw a partial or doubled file set"
    await storage.close()
