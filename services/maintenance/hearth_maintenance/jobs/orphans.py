"""The orphan sweep: delete objects under the table prefixes that the catalog does not know and that
are older than a safety window.

Orphans come from a writer that stored an object and died before cataloguing it (ingest replays its
WAL under the same file id and key, so usually the object is adopted; compaction's abandoned outputs
are not), or from a lost race with retention. An object is only an orphan when it is absent from the
catalog, live *and* retired rows alike, and older than ``min_age``: a writer catalogues its object
within seconds of writing it, so a young unknown object may just be about to be catalogued.
This is the one job that lists the bucket; it runs rarely.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from hearth_maintenance.jobs.base import Clock, Job, utc_now
from hearth_maintenance.jobs.retired_objects import delete_objects
from hearth_shared.catalog import CatalogRetention
from hearth_shared.catalog.files import TABLE_NAMES
from hearth_shared.db import DatabasePool
from hearth_shared.storage import ObjectMeta, ObjectStorage

#: Object keys checked against the catalog per query.
CHUNK = 1000


class OrphansJob(Job):
    name = "orphans"

    def __init__(
        self,
        interval: float,
        *,
        catalog_db: DatabasePool,
        storage: ObjectStorage,
        min_age: float,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(interval)
        self.retention = CatalogRetention(catalog_db)
        self.storage = storage
        self.min_age = timedelta(seconds=min_age)
        self.clock = clock

    async def run(self) -> Mapping[str, int]:
        cutoff = self.clock() - self.min_age
        counts = {"listed_objects": 0, "deleted_orphans": 0}
        for table in TABLE_NAMES:
            old: list[ObjectMeta] = []
            async for meta in self.storage.list(table):
                counts["listed_objects"] += 1
                if meta.last_modified < cutoff:
                    old.append(meta)
                if len(old) >= CHUNK:
                    counts["deleted_orphans"] += await self._sweep(old)
                    old = []
            counts["deleted_orphans"] += await self._sweep(old)
        return counts

    async def _sweep(self, candidates: list[ObjectMeta]) -> int:
        if not candidates:
            return 0
        known = await self.retention.catalogued_keys(meta.key for meta in candidates)
        orphans = [meta.key for meta in candidates if meta.key not in known]
        return len(await delete_objects(self.storage, orphans)) if orphans else 0
