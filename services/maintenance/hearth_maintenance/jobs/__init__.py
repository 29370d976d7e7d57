"""The maintenance jobs, one module each, and :func:`build_jobs` choosing them from the settings.

- :mod:`.retention`: retire partitions past each project's retention; prune the trace index.
- :mod:`.retired_objects`: delete retired files' objects after the grace period; forget their rows.
- :mod:`.orphans`: delete old objects the catalog does not know.
- :mod:`.housekeeping`: bounded alert history, spent credentials.
- :mod:`.alerts`: alert evaluation and notification delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from hearth_maintenance.jobs.alerts import AlertQueries, AlertsJob, NotificationsJob
from hearth_maintenance.jobs.base import Job, Scheduler
from hearth_maintenance.jobs.housekeeping import HousekeepingJob
from hearth_maintenance.jobs.orphans import OrphansJob
from hearth_maintenance.jobs.retention import RetentionJob
from hearth_maintenance.jobs.retired_objects import RetiredObjectsJob
from hearth_maintenance.settings import MaintenanceSettings
from hearth_shared.db import DatabasePool
from hearth_shared.storage import ObjectStorage

__all__ = ["Job", "JobDependencies", "Scheduler", "build_jobs"]


@dataclass(frozen=True)
class JobDependencies:
    app_db: DatabasePool
    catalog_db: DatabasePool
    storage: ObjectStorage
    query_api: httpx.AsyncClient  # base_url: the query API
    http: httpx.AsyncClient  # outgoing notifications


def build_jobs(settings: MaintenanceSettings, deps: JobDependencies) -> list[Job]:
    """The jobs named in ``settings.maintenance_jobs``, configured from the settings."""
    s = settings
    every: dict[str, Job] = {
        "retention": RetentionJob(
            s.retention_interval,
            app_db=deps.app_db,
            catalog_db=deps.catalog_db,
            default_days=s.retention_default_days,
        ),
        "retired_objects": RetiredObjectsJob(
            s.retired_objects_interval,
            catalog_db=deps.catalog_db,
            storage=deps.storage,
            grace=s.retired_object_grace,
        ),
        "orphans": OrphansJob(
            s.orphans_interval, catalog_db=deps.catalog_db, storage=deps.storage, min_age=s.orphan_min_age
        ),
        "housekeeping": HousekeepingJob(
            s.housekeeping_interval,
            app_db=deps.app_db,
            run_history=s.alert_run_history,
            history_days=s.alert_history_days,
            credentials_days=s.expired_credentials_days,
        ),
        "alerts": AlertsJob(
            s.alerts_interval,
            app_db=deps.app_db,
            queries=AlertQueries(
                deps.query_api,
                secret_key=s.secret_key.get_secret_value(),
                max_rows=s.alert_max_rows,
                timeout=s.alert_query_timeout,
            ),
            concurrency=s.alert_concurrency,
            sample_rows=s.alert_sample_rows,
            public_base_url=s.public_base_url,
        ),
        "notifications": NotificationsJob(
            s.notifications_interval,
            app_db=deps.app_db,
            client=deps.http,
            concurrency=s.alert_concurrency,
            timeout=s.notification_timeout,
            max_attempts=s.notification_max_attempts,
            backoff=s.notification_backoff,
            backoff_max=s.notification_backoff_max,
        ),
    }
    return [every[name] for name in dict.fromkeys(s.maintenance_jobs)]
