"""Child process of the crash test: runs one compaction pass and stops right before the swap, saying
so on stdout (``SWAP <job_id> <object key>…``); the parent then SIGKILLs it there.

Run as ``python -m tests.compaction.crash_child <database_url> <storage_url>``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from hearth_compaction.tiers import JobPlan
from hearth_compaction.worker import CompactionWorker
from hearth_shared.catalog import CatalogFile
from hearth_shared.catalog.compaction import CompactionCatalog
from hearth_shared.db import open_pool
from hearth_shared.storage import open_storage
from tests.compaction.compaction_helpers import settings_for


async def hang_before_swap(plan: JobPlan, new_files: Sequence[CatalogFile]) -> None:
    sys.stdout.write(" ".join(["SWAP", plan.job_id, *(f.object_key for f in new_files)]) + "\n")
    sys.stdout.flush()
    await asyncio.Event().wait()  # until killed


async def main(database_url: str, storage_url: str) -> None:
    settings = settings_for(database_url, storage_url)
    pool = await open_pool(database_url, min_size=1, max_size=4, connect_timeout=10)
    storage = open_storage(settings)
    worker = CompactionWorker(settings, CompactionCatalog(pool), storage, before_swap=hang_before_swap)
    await worker.run_pass()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
