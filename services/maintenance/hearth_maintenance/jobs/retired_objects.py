"""Delete the objects of files retired longer ago than the grace period, then forget their rows.

Order matters: the object goes first, the catalog row after. A crash in between leaves a retired row
whose object is gone; the next run deletes again (deleting a missing key succeeds) and forgets it. The
reverse order could leave an object nobody knows about until the orphan sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from hearth_maintenance.jobs.base import Clock, Job, utc_now
from hearth_shared.catalog import CatalogFile, FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.storage import ObjectStorage, StorageError

logger = logging.getLogger("hearth.maintenance.retired_objects")

BATCH = 1000
#: Deletes in flight at once (object stores answer each in a few ms to a few tens of ms).
PARALLEL_DELETES = 16


async def delete_objects(storage: ObjectStorage, keys: list[str]) -> set[str]:
    """Delete ``keys`` with bounded parallelism; returns the keys now gone (failures are logged)."""
    slots = asyncio.Semaphore(PARALLEL_DELETES)
    gone: set[str] = set()

    async def delete(key: str) -> None:
        async with slots:
            try:
                await storage.delete(key)
            except StorageError as exc:
                logger.warning("cannot delete object %s yet: %s", key, exc)
                return
            gone.add(key)

    await asyncio.gather(*(delete(key) for key in keys))
    return gone


class RetiredObjectsJob(Job):
    name = "retired_objects"

    def __init__(
        self,
        interval: float,
        *,
        catalog_db: DatabasePool,
        storage: ObjectStorage,
        grace: float,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(interval)
        self.files = FileCatalog(catalog_db)
        self.storage = storage
        self.grace = timedelta(seconds=grace)
        self.clock = clock

    async def run(self) -> Mapping[str, int]:
        cutoff = self.clock() - self.grace
        deleted = failed = 0
        while True:
            batch: list[CatalogFile] = await self.files.retired_before(cutoff, limit=BATCH)
            if not batch:
                break
            gone = await delete_objects(self.storage, [f.object_key for f in batch])
            deleted += await self.files.forget([f.id for f in batch if f.object_key in gone])
            failed += len(batch) - len(gone)
            if len(batch) < BATCH or not gone:
                break  # a full batch of failures: storage is down, try again next turn
        return {"deleted_objects": deleted, "failed_deletes": failed}
