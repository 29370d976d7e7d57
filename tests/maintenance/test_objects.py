"""Deleting objects: retired files after the grace period (then their rows are forgotten), and orphans
(uncatalogued, older than the safety window) — never a live or retired catalogued object, never a
fresh one. On local disk and on S3 (moto)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hearth_maintenance.jobs.orphans import OrphansJob
from hearth_maintenance.jobs.retired_objects import RetiredObjectsJob
from hearth_shared.catalog import CatalogFile, FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import ObjectNotFound, ObjectStorage, open_storage
from tests.fixtures.s3 import S3Bucket
from tests.maintenance.helpers import catalog_file

HOUR = 3600.0
PROJECT = uuid.uuid4()


@pytest.fixture
async def local_storage(tmp_path: Path) -> AsyncIterator[tuple[ObjectStorage, Path]]:
    root = tmp_path / "objects"
    storage = open_storage(StorageSettings(storage_url=root.as_uri()))
    yield storage, root
    await storage.close()


@pytest.fixture
async def s3_storage(s3_bucket: S3Bucket) -> AsyncIterator[ObjectStorage]:
    storage = open_storage(s3_bucket.storage_settings("data"))
    yield storage
    await storage.close()


async def exists(storage: ObjectStorage, key: str) -> bool:
    try:
        await storage.head(key)
    except ObjectNotFound:
        return False
    return True


async def stored(storage: ObjectStorage, catalog: FileCatalog, *, days_ago: int = 2) -> CatalogFile:
    entry = catalog_file(PROJECT, datetime.now(UTC).date() - timedelta(days=days_ago))
    await storage.put(entry.object_key, b"PAR1 not really")
    await catalog.add_files([entry])
    return entry


@pytest.mark.parametrize("backend", ["local", "s3"])
async def test_retired_objects_go_after_the_grace_period(
    backend: str,
    db_pool: DatabasePool,
    local_storage: tuple[ObjectStorage, Path],
    s3_storage: ObjectStorage,
) -> None:
    storage = local_storage[0] if backend == "local" else s3_storage
    catalog = FileCatalog(db_pool)
    live, fresh, old = [await stored(storage, catalog) for _ in range(3)]
    lost = catalog_file(PROJECT, old.day)  # retired, its object already deleted by a run that then crashed
    await catalog.add_files([lost])
    await catalog.retire([fresh.id, old.id, lost.id])
    await db_pool.execute(
        "UPDATE catalog_files SET retired_at = now() - interval '2 hours' WHERE id = ANY($1::text[])",
        [old.id, lost.id],
    )

    job = RetiredObjectsJob(60, catalog_db=db_pool, storage=storage, grace=HOUR)
    assert await job.run() == {"deleted_objects": 2, "failed_deletes": 0}

    assert not await exists(storage, old.object_key)
    assert await exists(storage, fresh.object_key)  # still within the grace period
    assert await exists(storage, live.object_key)
    assert {f.id for f in await catalog.get([live.id, fresh.id, old.id, lost.id])} == {live.id, fresh.id}

    # Once the grace period is over for the other one too.
    later = RetiredObjectsJob(
        60,
        catalog_db=db_pool,
        storage=storage,
        grace=HOUR,
        clock=lambda: datetime.now(UTC) + timedelta(hours=2),
    )
    assert await later.run() == {"deleted_objects": 1, "failed_deletes": 0}
    assert not await exists(storage, fresh.object_key)
    assert await exists(storage, live.object_key)
    assert [f.id for f in await catalog.get([live.id, fresh.id])] == [live.id]


async def test_orphan_sweep_deletes_only_old_uncatalogued_objects(
    db_pool: DatabasePool, local_storage: tuple[ObjectStorage, Path]
) -> None:
    storage, root = local_storage
    catalog = FileCatalog(db_pool)
    live, retired = await stored(storage, catalog), await stored(storage, catalog)
    await catalog.retire([retired.id])
    orphan, young = catalog_file(PROJECT, live.day), catalog_file(PROJECT, live.day, table="metrics")
    other = "_hearth/keep/me.bin"  # outside the table prefixes: never ours to judge
    for key in (orphan.object_key, young.object_key, other):
        await storage.put(key, b"x")

    seven_hours_ago = (datetime.now(UTC) - timedelta(hours=7)).timestamp()
    for key in (live.object_key, retired.object_key, orphan.object_key, other):
        os.utime(root / key, (seven_hours_ago, seven_hours_ago))

    job = OrphansJob(60, catalog_db=db_pool, storage=storage, min_age=6 * HOUR)
    assert await job.run() == {"listed_objects": 4, "deleted_orphans": 1}
    assert not await exists(storage, orphan.object_key)
    for key in (live.object_key, retired.object_key, young.object_key, other):
        assert await exists(storage, key), key


async def test_orphan_sweep_on_s3(db_pool: DatabasePool, s3_storage: ObjectStorage) -> None:
    catalog = FileCatalog(db_pool)
    live, retired = await stored(storage=s3_storage, catalog=catalog), await stored(s3_storage, catalog)
    await catalog.retire([retired.id])
    orphans = [catalog_file(PROJECT, live.day, table=t) for t in ("records", "metrics")]
    for entry in orphans:
        await s3_storage.put(entry.object_key, b"x")

    # Just written: too young to judge, whatever the catalog says.
    now_job = OrphansJob(60, catalog_db=db_pool, storage=s3_storage, min_age=6 * HOUR)
    assert await now_job.run() == {"listed_objects": 4, "deleted_orphans": 0}

    later = OrphansJob(
        60,
        catalog_db=db_pool,
        storage=s3_storage,
        min_age=6 * HOUR,
        clock=lambda: datetime.now(UTC) + timedelta(hours=7),
    )
    assert await later.run() == {"listed_objects": 4, "deleted_orphans": 2}
    assert not any([await exists(s3_storage, entry.object_key) for entry in orphans])
    assert await exists(s3_storage, live.object_key)
    assert await exists(s3_storage, retired.object_key)
