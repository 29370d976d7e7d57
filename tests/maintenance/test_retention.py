"""Retention retires exactly the partitions past each project's retention and prunes the trace index,
with the app area and the catalog in two different databases (nothing joins across them)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from hearth_maintenance.jobs.retention import RetentionJob, cutoff_day
from hearth_shared.catalog import FileCatalog, TraceIndex
from hearth_shared.catalog.traces import epoch_us
from hearth_shared.db import DatabasePool, open_pool
from tests.fixtures.postgres import DatabaseFactory
from tests.maintenance.helpers import catalog_file
from tests.query_api.query_helpers import another_project, first_project

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
async def catalog_db(database_factory: DatabaseFactory) -> AsyncIterator[DatabasePool]:
    """The catalog in a database of its own."""
    pool = await open_pool(await database_factory(), min_size=1, max_size=4, connect_timeout=10)
    try:
        yield pool
    finally:
        await pool.close()


def test_cutoff_day_keeps_the_last_n_days() -> None:
    assert cutoff_day(NOW, 7) == date(2025, 6, 8)
    assert cutoff_day(datetime(2025, 6, 15, 0, 0, tzinfo=UTC), 1) == date(2025, 6, 14)


async def test_retires_partitions_past_each_projects_retention(
    db_pool: DatabasePool, catalog_db: DatabasePool
) -> None:
    short = (await first_project(db_pool)).project_id
    long = (await another_project(db_pool, "long")).project_id
    gone = uuid.uuid4()  # in the catalog only: its project was deleted from the app database
    await db_pool.execute("UPDATE projects SET retention_days = 7 WHERE id = $1", short)
    await db_pool.execute("UPDATE projects SET retention_days = 30 WHERE id = $1", long)

    layout = {
        short: [3, 7, 8, 10, 40],  # cutoff 2025-06-08: 7 days ago is kept, 8 is not
        long: [3, 10, 30, 31, 40],  # cutoff 2025-05-16
        gone: [10, 31, 40],  # default retention 20 days in this test
    }
    files = {
        (project, n, table): catalog_file(project, days_ago(n), table=table)
        for project, ns in layout.items()
        for n in ns
        for table in ("records", "metrics")
    }
    catalog = FileCatalog(catalog_db)
    await catalog.add_files(list(files.values()))

    traces = TraceIndex(catalog_db)
    midnight = datetime.combine(days_ago(7), datetime.min.time(), tzinfo=UTC)
    windows = {
        short: (
            [midnight - timedelta(hours=30)] * 2,
            [midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)],
        ),
        long: ([NOW - timedelta(days=60)] * 2, [NOW - timedelta(days=35), NOW - timedelta(days=20)]),
        gone: ([NOW - timedelta(days=60)] * 2, [NOW - timedelta(days=25), NOW - timedelta(days=2)]),
    }
    for project, (first, last) in windows.items():
        await traces.record(
            project, ["old", "new"], [epoch_us(t) for t in first], [epoch_us(t) for t in last]
        )

    job = RetentionJob(60, app_db=db_pool, catalog_db=catalog_db, default_days=20, clock=lambda: NOW)
    result = await job.run()

    expired = {
        (project, n)
        for project, ns in {short: [8, 10, 40], long: [31, 40], gone: [31, 40]}.items()
        for n in ns
    }
    stored = {f.id: f for f in await catalog.get(f.id for f in files.values())}
    for (project, n, _table), entry in files.items():
        retired = stored[entry.id].retired_at is not None
        assert retired == ((project, n) in expired), (project, n)
    assert result == {"retired_files": 2 * len(expired), "pruned_traces": 3}
    for project in (short, long, gone):
        assert await traces.window(project, "old") is None
        assert await traces.window(project, "new") is not None

    # Idempotent: a second run finds nothing more.
    assert await job.run() == {"retired_files": 0, "pruned_traces": 0}


async def test_a_file_compaction_retired_first_is_not_counted(
    db_pool: DatabasePool, catalog_db: DatabasePool
) -> None:
    project = (await first_project(db_pool)).project_id
    catalog = FileCatalog(catalog_db)
    old, new = catalog_file(project, days_ago(40)), catalog_file(project, days_ago(40))
    await catalog.add_files([old])
    await catalog.replace([old.id], [new])  # compaction swapped it in the expired partition
    job = RetentionJob(60, app_db=db_pool, catalog_db=catalog_db, default_days=30, clock=lambda: NOW)
    assert (await job.run())["retired_files"] == 1
    assert all(f.retired_at is not None for f in await catalog.get([old.id, new.id]))
