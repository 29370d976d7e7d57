"""The scheduler: one advisory lock per exclusive job across replicas, failures kept inside a turn,
and the jobs running on their intervals inside the real app lifespan."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest

from hearth_maintenance.app import create_app
from hearth_maintenance.jobs.base import Job, Scheduler, lock_key, run_workers
from hearth_maintenance.settings import JOB_NAMES, MaintenanceSettings
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import ObjectNotFound, open_storage
from tests.fixtures.apps import AppClient
from tests.maintenance.helpers import catalog_file, eventually


class GatedJob(Job):
    """Runs until released, so a second replica's turn overlaps it."""

    name = "gated"

    def __init__(self) -> None:
        super().__init__(interval=3600)
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.turns = 0

    async def run(self) -> Mapping[str, int]:
        self.turns += 1
        self.entered.set()
        await self.release.wait()
        return {"turns": 1}


class BrokenJob(Job):
    name = "broken"

    async def run(self) -> Mapping[str, int]:
        raise RuntimeError("storage is on fire")


def test_lock_keys_are_stable_and_distinct() -> None:
    keys = {lock_key(name) for name in JOB_NAMES}
    assert len(keys) == len(JOB_NAMES)
    assert lock_key("retention") == lock_key("retention")
    assert all(-(2**63) <= key < 2**63 for key in keys)


async def test_an_exclusive_job_runs_in_one_replica_at_a_time(db_pool: DatabasePool) -> None:
    first, second = GatedJob(), GatedJob()
    replica_a, replica_b = Scheduler([first], db_pool), Scheduler([second], db_pool)
    running = asyncio.create_task(replica_a.run_once(first))
    await first.entered.wait()

    await replica_b.run_once(second)  # the lock is held by replica A: this turn is skipped
    assert second.turns == 0
    assert replica_b.status["gated"].skipped == 1

    first.release.set()
    await running
    second.release.set()
    await replica_b.run_once(second)  # released: now B may run it
    assert second.turns == 1
    assert replica_a.status["gated"].runs == replica_b.status["gated"].runs == 1


async def test_a_failing_job_is_recorded_and_retried_next_turn(db_pool: DatabasePool) -> None:
    job = BrokenJob(interval=3600)
    scheduler = Scheduler([job], db_pool)
    await scheduler.run_once(job)
    await scheduler.run_once(job)
    status = scheduler.status["broken"]
    assert (status.failures, status.runs) == (2, 0)
    assert status.last_error == "RuntimeError: storage is on fire"
    # The lock was given back despite the failure.
    assert await db_pool.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0


async def test_the_app_runs_its_jobs_on_their_intervals(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool, tmp_path: Path
) -> None:
    storage_url = (tmp_path / "objects").as_uri()
    storage = open_storage(StorageSettings(storage_url=storage_url))
    catalog = FileCatalog(db_pool)
    entry = catalog_file(uuid.uuid4(), date.today())
    await storage.put(entry.object_key, b"x")
    await catalog.add_files([entry])
    await catalog.retire([entry.id])

    settings = MaintenanceSettings(
        database_url=database_url,
        redis_url=redis_url,
        storage_url=storage_url,
        query_api_url="http://127.0.0.1:9",  # no alerts here, so never called
        retired_objects_interval=0.05,
        retired_object_grace=0,
    )
    app = create_app(settings)
    async with app_client(app) as client:

        async def object_gone() -> bool:
            try:
                await storage.head(entry.object_key)
            except ObjectNotFound:
                return not await catalog.get([entry.id])
            return False

        await eventually(object_gone)
        body = (await client.get("/jobs")).json()
        status = {job["name"]: job for job in body["jobs"]}
        assert set(status) == set(JOB_NAMES)
        assert status["retired_objects"]["runs"] >= 1
        assert (await client.get("/ready")).status_code == 200
        scheduler = app.state.scheduler
        assert scheduler.running
    assert not scheduler.running  # the lifespan stopped every job task
    await storage.close()


async def test_a_failing_worker_stops_its_siblings_and_surfaces_as_itself() -> None:
    started = 0
    cancelled = 0

    async def worker() -> None:
        nonlocal started, cancelled
        started += 1
        if started == 2:
            raise ValueError("broken claim")
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled += 1
            raise

    with pytest.raises(ValueError, match="broken claim"):
        await run_workers(3, worker)
    assert (started, cancelled) == (3, 2)
