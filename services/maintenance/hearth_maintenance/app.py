"""The maintenance service's app factory.

The lifespan opens two HTTP clients (one for the query API, one for notifications), builds the jobs
the settings name and starts the scheduler. At shutdown the scheduler stops first (running jobs get a
grace period, then are cancelled — every job is idempotent), then the clients close, then the shared
pools and storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI

from hearth_maintenance.api import routers
from hearth_maintenance.jobs import JobDependencies, Scheduler, build_jobs
from hearth_maintenance.settings import MaintenanceSettings
from hearth_shared.resources import Resources
from hearth_shared.web import service_app

#: Connections kept per HTTP client; evaluations and deliveries run ``alert_concurrency`` at a time.
_HTTP_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=8)


def create_app(settings: MaintenanceSettings | None = None) -> FastAPI:
    settings = settings or MaintenanceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI, resources: Resources) -> AsyncIterator[None]:
        # MaintenanceSettings declares Postgres and storage, so both are open.
        assert resources.db is not None
        assert resources.catalog_db is not None
        assert resources.storage is not None
        async with AsyncExitStack() as stack:
            query_api = await stack.enter_async_context(
                httpx.AsyncClient(base_url=settings.query_api_url, limits=_HTTP_LIMITS)
            )
            http = await stack.enter_async_context(httpx.AsyncClient(limits=_HTTP_LIMITS))
            deps = JobDependencies(resources.db, resources.catalog_db, resources.storage, query_api, http)
            scheduler = Scheduler(build_jobs(settings, deps), lock_pool=resources.db)
            app.state.scheduler = scheduler
            scheduler.start()
            stack.push_async_callback(scheduler.stop)  # runs before the clients close (LIFO)
            yield

    return service_app(settings, title="Hearth maintenance", lifespan=lifespan, routers=routers)
