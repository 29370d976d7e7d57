"""The file catalog on real Postgres: idempotent adds, overlap selection, atomic swaps under concurrency."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from hearth_shared.catalog import CatalogConflict, CatalogError, CatalogFile, FileCatalog, TableName
from hearth_shared.catalog.files import object_key_for
from hearth_shared.db.pool import DatabasePool
from hearth_shared.errors import Conflict

PROJECT = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER_PROJECT = uuid.UUID("00000000-0000-4000-8000-000000000002")
T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
US = timedelta(microseconds=1)
_ids = itertools.count()


def cfile(
    file_id: str | None = None,
    *,
    start: datetime = T0,
    end: datetime | None = None,
    rows: int = 10,
    project: uuid.UUID = PROJECT,
    table: TableName = "records",
    tier: int = 0,
) -> CatalogFile:
    file_id = file_id or f"f{next(_ids):06d}"
    return CatalogFile(
        id=file_id,
        project_id=project,
        table_name=table,
        day=start.date(),
        object_key=object_key_for(table, project, start.date(), file_id),
        min_timestamp=start,
        max_timestamp=end or start + timedelta(hours=1),
        row_count=rows,
        byte_size=rows * 78,
        tier=tier,
        source=f"wal:00000001:{file_id}",
    )


@pytest.fixture
def catalog(db_pool: DatabasePool) -> FileCatalog:
    return FileCatalog(db_pool)


async def live_ids(catalog: FileCatalog, project: uuid.UUID = PROJECT) -> set[str]:
    return {f.id for f in await catalog.files_for_range(project, "records", T0 - timedelta(days=365))}


# ---------------------------------------------------------------- add


async def test_add_is_idempotent_by_file_id(catalog: FileCatalog) -> None:
    a, b, c = cfile("a"), cfile("b"), cfile("c")
    assert await catalog.add_files([a, b]) == 2
    assert await catalog.add_files([a, b]) == 0  # the same WAL range replayed
    assert await catalog.add_files([b, c, c]) == 1
    assert await catalog.add_files([]) == 0

    stored = await catalog.get(["a", "b", "c", "unknown"])
    assert [f.id for f in stored] == ["a", "b", "c"]
    assert all(f.created_at is not None and f.retired_at is None for f in stored)
    assert stored[0] == CatalogFile(**{**a.__dict__, "created_at": stored[0].created_at})


async def test_replaying_a_compacted_file_does_not_resurrect_it(catalog: FileCatalog) -> None:
    old, merged = cfile("old"), cfile("merged", tier=1)
    await catalog.add_files([old])
    await catalog.replace(["old"], [merged])
    assert await catalog.add_files([old]) == 0
    assert await live_ids(catalog) == {"merged"}


async def test_same_object_key_under_another_id_is_a_conflict(catalog: FileCatalog) -> None:
    first = cfile("first")
    await catalog.add_files([first])
    clash = CatalogFile(**{**cfile("second").__dict__, "object_key": first.object_key})
    with pytest.raises(CatalogConflict, match="object key"):
        await catalog.add_files([clash])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_timestamp": T0.replace(tzinfo=None)}, "timezone-aware"),
        ({"max_timestamp": T0 - US}, "min_timestamp is after max_timestamp"),
        ({"table_name": "spans"}, "table_name must be one of"),
        ({"row_count": -1}, "must not be negative"),
        ({"id": ""}, "needs an id"),
    ],
)
def test_invalid_files_are_refused_at_construction(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CatalogFile(**{**cfile("x").__dict__, **changes})


# ---------------------------------------------------------------- range selection

H = timedelta(hours=1)


@pytest.fixture
async def ranged(catalog: FileCatalog) -> FileCatalog:
    await catalog.add_files(
        [
            cfile("a", start=T0, end=T0 + H),  # 10:00-11:00
            cfile("b", start=T0 + 1.5 * H, end=T0 + 2 * H),  # 11:30-12:00
            cfile("c", start=T0 + 2 * H, end=T0 + 2 * H),  # a single instant, 12:00
            cfile("other", start=T0, end=T0 + 3 * H, project=OTHER_PROJECT),
            cfile("metric", start=T0, end=T0 + 3 * H, table="metrics"),
            cfile("gone", start=T0, end=T0 + 3 * H),
        ]
    )
    assert await catalog.retire(["gone"]) == 1
    return catalog


RANGE_CASES: list[tuple[datetime, datetime | None, list[str]]] = [
    (T0 + H, T0 + 1.5 * H, ["a", "b"]),  # touching both files' edges counts (inclusive bounds)
    (T0 + H + US, T0 + 1.5 * H - US, []),  # the gap between them
    (T0 - H, T0, ["a"]),  # ends exactly at a file's start
    (T0 - H, T0 - US, []),
    (T0 + 0.25 * H, T0 + 0.5 * H, ["a"]),  # strictly inside a file
    (T0 - H, T0 + 5 * H, ["a", "b", "c"]),  # covers everything
    (T0 + 2 * H, T0 + 2 * H, ["b", "c"]),  # a zero-length range at 12:00
    (T0 + 2 * H, None, ["b", "c"]),  # open-ended
    (T0 + 2 * H + US, None, []),
    (T0 - 24 * H, None, ["a", "b", "c"]),
]


async def test_files_for_range_selects_live_overlapping_files(ranged: FileCatalog) -> None:
    # One database for all cases (a loop, not parametrize): the cases only read.
    for min_ts, max_ts, expected in RANGE_CASES:
        files = await ranged.files_for_range(PROJECT, "records", min_ts, max_ts)
        assert [f.id for f in files] == expected, (min_ts, max_ts)


async def test_files_for_range_is_per_project_and_table(ranged: FileCatalog) -> None:
    assert [f.id for f in await ranged.files_for_range(OTHER_PROJECT, "records", T0, T0 + H)] == ["other"]
    assert [f.id for f in await ranged.files_for_range(PROJECT, "metrics", T0, None)] == ["metric"]
    assert await ranged.files_for_range(uuid.uuid4(), "records", T0, None) == []


# ---------------------------------------------------------------- replace


async def test_replace_swaps_old_for_new(catalog: FileCatalog) -> None:
    await catalog.add_files([cfile("s1"), cfile("s2"), cfile("keep")])
    await catalog.replace(["s1", "s2"], [cfile("m1", rows=20, tier=1)])
    assert await live_ids(catalog) == {"keep", "m1"}
    retired = await catalog.get(["s1", "s2"])
    assert all(f.retired_at is not None for f in retired)


async def test_replace_is_all_or_nothing_when_an_old_file_is_retired(catalog: FileCatalog) -> None:
    await catalog.add_files([cfile("s1"), cfile("s2"), cfile("s3")])
    await catalog.retire(["s2"])
    with pytest.raises(
        CatalogConflict, match="cannot replace files s2: unknown or already retired"
    ) as caught:
        await catalog.replace(["s1", "s2", "s3"], [cfile("m1")])
    assert isinstance(caught.value, CatalogError)
    assert isinstance(caught.value, Conflict)
    assert caught.value.status == 409
    assert await live_ids(catalog) == {"s1", "s3"}  # nothing retired
    assert await catalog.get(["m1"]) == []  # nothing inserted


async def test_replace_refuses_unknown_old_ids(catalog: FileCatalog) -> None:
    await catalog.add_files([cfile("s1")])
    with pytest.raises(CatalogConflict, match="missing"):
        await catalog.replace(["s1", "missing"], [cfile("m1")])
    assert await live_ids(catalog) == {"s1"}


async def test_replace_refuses_a_new_file_that_exists(catalog: FileCatalog) -> None:
    await catalog.add_files([cfile("s1"), cfile("taken")])
    with pytest.raises(CatalogConflict, match="replacement file is catalogued already"):
        await catalog.replace(["s1"], [cfile("fresh"), cfile("taken")])
    assert await live_ids(catalog) == {"s1", "taken"}
    assert await catalog.get(["fresh"]) == []


async def test_two_concurrent_replaces_of_the_same_files_one_wins(catalog: FileCatalog) -> None:
    for round_ in range(10):
        old = [cfile(f"r{round_}-s{i}") for i in range(4)]
        await catalog.add_files(old)
        new_a, new_b = cfile(f"r{round_}-A"), cfile(f"r{round_}-B")
        results = await asyncio.gather(
            catalog.replace([f.id for f in old], [new_a]),
            catalog.replace([f.id for f in reversed(old)], [new_b]),
            return_exceptions=True,
        )
        conflicts = [r for r in results if isinstance(r, CatalogConflict)]
        assert len(conflicts) == 1, results
        assert results.count(None) == 1
        winner = new_a.id if results[0] is None else new_b.id
        round_live = {i for i in await live_ids(catalog) if i.startswith(f"r{round_}-")}
        assert round_live == {winner}


async def test_a_replace_waiting_on_a_concurrent_swap_rechecks_and_conflicts(
    catalog: FileCatalog, db_pool: DatabasePool
) -> None:
    await catalog.add_files([cfile("s1"), cfile("s2")])
    async with db_pool.acquire() as other:
        tx = other.transaction()
        await tx.start()
        await other.execute("UPDATE catalog_files SET retired_at = now() WHERE id = 's2'")
        blocked = asyncio.create_task(catalog.replace(["s1", "s2"], [cfile("m1")]))
        await wait_until_blocked_on_a_lock(db_pool)
        assert not blocked.done()
        await tx.commit()
        with pytest.raises(CatalogConflict, match="s2"):
            await blocked
    assert await live_ids(catalog) == {"s1"}


async def test_a_replace_waiting_on_a_rolled_back_swap_goes_ahead(
    catalog: FileCatalog, db_pool: DatabasePool
) -> None:
    await catalog.add_files([cfile("s1"), cfile("s2")])
    async with db_pool.acquire() as other:
        tx = other.transaction()
        await tx.start()
        await other.execute("UPDATE catalog_files SET retired_at = now() WHERE id = 's1'")
        blocked = asyncio.create_task(catalog.replace(["s1", "s2"], [cfile("m1")]))
        await wait_until_blocked_on_a_lock(db_pool)
        await tx.rollback()
        await blocked
    assert await live_ids(catalog) == {"m1"}


async def wait_until_blocked_on_a_lock(pool: DatabasePool) -> None:
    for _ in range(500):
        waiting = await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the replace never waited for the row lock")


async def test_readers_see_the_old_set_or_the_new_set_never_a_mix(catalog: FileCatalog) -> None:
    """Real concurrent transactions: readers loop while a compactor swaps generation after generation."""
    total_rows, swaps = 240, 40
    rng = random.Random(7)

    def generation(number: int) -> list[CatalogFile]:
        count = rng.choice([1, 2, 3, 4, 6, 8])
        return [cfile(f"g{number}-{i}", rows=total_rows // count) for i in range(count)]

    generations = [generation(0)]
    await catalog.add_files(generations[0])
    known = {frozenset(f.id for f in generations[0]): 0}
    seen: list[frozenset[str]] = []
    done = asyncio.Event()

    async def reader() -> None:
        while not done.is_set():
            files = await catalog.files_for_range(PROJECT, "records", T0 - H, T0 + 2 * H)
            assert sum(f.row_count for f in files) == total_rows, [f.id for f in files]
            seen.append(frozenset(f.id for f in files))
            await asyncio.sleep(0)

    async def compactor() -> None:
        try:
            for number in range(1, swaps + 1):
                new = generation(number)
                known[frozenset(f.id for f in new)] = number
                await catalog.replace([f.id for f in generations[-1]], new)
                generations.append(new)
        finally:
            done.set()

    await asyncio.gather(compactor(), *(reader() for _ in range(4)))
    assert all(ids in known for ids in seen)  # every read was exactly one whole generation
    assert len({known[ids] for ids in seen}) > 1  # and the readers really ran across swaps
    assert await live_ids(catalog) == {f.id for f in generations[-1]}


# ---------------------------------------------------------------- retire, retired_before, forget


async def test_retire_counts_only_live_files(catalog: FileCatalog) -> None:
    await catalog.add_files([cfile("a"), cfile("b")])
    assert await catalog.retire(["a", "unknown"]) == 1
    assert await catalog.retire(["a", "b"]) == 1
    assert await catalog.retire([]) == 0
    assert await live_ids(catalog) == set()


async def test_retired_files_are_listed_then_forgotten(catalog: FileCatalog, db_pool: DatabasePool) -> None:
    await catalog.add_files([cfile("old1"), cfile("old2"), cfile("live")])
    await catalog.retire(["old1"])
    await catalog.retire(["old2"])
    now: datetime = await db_pool.fetchval("SELECT now()")

    assert await catalog.retired_before(now - timedelta(minutes=5)) == []
    due = await catalog.retired_before(now + timedelta(seconds=1))
    assert [f.id for f in due] == ["old1", "old2"]  # oldest retirement first
    assert [f.id for f in await catalog.retired_before(now + timedelta(seconds=1), limit=1)] == ["old1"]

    assert await catalog.forget(["old1", "old2", "live"]) == 2  # a live file is never forgotten
    assert [f.id for f in await catalog.get(["old1", "old2", "live"])] == ["live"]
    assert await catalog.retired_before(now + timedelta(seconds=1)) == []
