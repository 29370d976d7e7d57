"""The compaction service's app factory.

The lifespan starts the worker loop (:mod:`hearth_compaction.worker`) on the shared catalog pool and
object storage; at shutdown it stops the loop first (a running job aborts before its swap), then the
shared resources close. ``/ready`` also reports whether the loop is alive and its last pass worked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from hearth_compaction.api import routers
from hearth_compaction.errors import CompactionError
from hearth_compaction.job import BeforeSwap
from hearth_compaction.settings import CompactionSettings
from hearth_compaction.worker import CompactionWorker
from hearth_shared.catalog.compaction import CompactionCatalog
from hearth_shared.resources import Resources
from hearth_shared.web import readiness_checks, service_app


def create_app(
    settings: CompactionSettings | None = None, *, before_swap: BeforeSwap | None = None
) -> FastAPI:
    """``before_swap`` is called right before each swap (tests use it to hold a job there)."""
    settings = settings or CompactionSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        assert resources.catalog_db is not None  # CompactionSettings declares Postgres and storage
        assert resources.storage is not None
        async with AsyncExitStack() as stack:
            worker = CompactionWorker(
                settings, CompactionCatalog(resources.catalog_db), resources.storage, before_swap=before_swap
            )
            app.state.compaction = worker
            if settings.compaction_enabled:
                worker.start()
                stack.push_async_callback(worker.stop)
                readiness_checks(app)["worker"] = lambda: check_worker(worker)
            yield

    return service_app(settings, title="Hearth compaction", lifespan=lifespan, routers=routers)


async def check_worker(worker: CompactionWorker) -> str:
    if not worker.running:
        raise CompactionError("the compaction loop is not running")
    if worker.last_error is not None:
        raise CompactionError(f"the last compaction pass failed: {worker.last_error}")
    return "ok"
