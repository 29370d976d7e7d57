""" "The newest n rows" (the live view's first page): read from the newest stretch of time when it holds
them, from the whole window otherwise — the same rows either way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest

from hearth_query_api.dialect import translate
from hearth_query_api.dialect.newest import UNLIMITED
from hearth_query_api.newest import CollectedQuery
from hearth_query_api.query import TimeWindow
from hearth_query_api.service import QueryRequest
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from tests.query_api.query_helpers import HOUR, T0, record
from tests.query_api.test_engine_queries import PROJECT, Engine, make_engine

NEWEST = "SELECT start_timestamp, message FROM records ORDER BY start_timestamp DESC"


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        (f"{NEWEST} LIMIT 50", 50),
        (NEWEST, UNLIMITED),
        ("SELECT * FROM records_all r ORDER BY r.start_timestamp DESC, span_id LIMIT 7", 7),
        (f"{NEWEST.replace('FROM', 'FROM records WHERE level > 9 AND 1 = 1 OR')} LIMIT 5", None),
        (f"{NEWEST} LIMIT 5 OFFSET 5", None),
        ("SELECT * FROM records ORDER BY start_timestamp LIMIT 5", None),  # oldest first
        ("SELECT end_timestamp AS start_timestamp FROM records ORDER BY start_timestamp DESC LIMIT 5", None),
        ("SELECT count() FROM records ORDER BY start_timestamp DESC LIMIT 5", None),
        ("SELECT DISTINCT message FROM records ORDER BY start_timestamp DESC LIMIT 5", None),
        ("SELECT * FROM metrics ORDER BY start_timestamp DESC LIMIT 5", None),
        ("SELECT * FROM (SELECT * FROM records) ORDER BY start_timestamp DESC LIMIT 5", None),
    ],
)
def test_which_queries_are_newest_rows(sql: str, rows: int | None) -> None:
    assert translate(sql).newest == rows


@pytest.fixture
async def engine(tmp_path: Path, db_pool: DatabasePool) -> AsyncIterator[Engine]:
    made = make_engine(StorageSettings(storage_url=f"file://{tmp_path / 'objects'}"), tmp_path, db_pool)
    yield made
    await made.storage.close()


async def _newest(engine: Engine, sql: str, *, limit: int = 10_000) -> tuple[list[str], bool]:
    """The messages of the answer, and whether it came from the newest stretch only."""
    request = QueryRequest(sql=sql, window=TimeWindow(T0 - HOUR), limit=limit)
    started = await engine.service.start(PROJECT, request)
    try:
        narrowed = isinstance(started.running, CollectedQuery)
        table: pa.Table = await started.running.collect()
    finally:
        started.close()
    return [str(m) for m in table.column("message").to_pylist()], narrowed


def _steady(start: datetime, count: int, step: timedelta, name: str) -> list[dict[str, object]]:
    return [record(PROJECT, start + i * step, message=f"{name}{i}") for i in range(count)]


async def test_a_steady_stream_is_answered_from_its_newest_stretch(engine: Engine) -> None:
    step = timedelta(seconds=1)
    await engine.data.add("records", PROJECT, _steady(T0, 1000, step, "a"))
    await engine.data.add("records", PROJECT, _steady(T0 + 1000 * step, 1000, step, "b"))
    # a pending span among the newest: records leaves it out, in the stretch as in the whole window
    await engine.data.add("records", PROJECT, [record(PROJECT, T0 + 3000 * step, kind="pending_span")])

    messages, narrowed = await _newest(engine, f"{NEWEST} LIMIT 5")
    assert narrowed
    assert messages == [f"b{i}" for i in range(999, 994, -1)]
    # the request's limit below the SQL's: the same newest rows, as many as the request takes
    messages, narrowed = await _newest(engine, f"{NEWEST} LIMIT 50", limit=3)
    assert narrowed
    assert messages == ["b999", "b998", "b997"]


async def test_a_misleading_density_falls_back_to_the_whole_window(engine: Engine) -> None:
    # 999 rows in the file's first minute and one at its end, an hour later: by its average density the
    # newest stretch should hold plenty, but holds one row
    burst = _steady(T0, 999, timedelta(milliseconds=60), "early")
    await engine.data.add("records", PROJECT, [*burst, record(PROJECT, T0 + HOUR, message="late")])

    messages, narrowed = await _newest(engine, f"{NEWEST} LIMIT 4")
    assert not narrowed
    assert messages == ["late", "early998", "early997", "early996"]


async def test_every_row_newer_than_the_stretch_is_still_read(engine: Engine) -> None:
    """A file catalogued after the stretch was sized (the next query) is part of the answer."""
    step = timedelta(seconds=1)
    await engine.data.add("records", PROJECT, _steady(T0, 1000, step, "a"))
    assert (await _newest(engine, f"{NEWEST} LIMIT 2"))[0] == ["a999", "a998"]
    await engine.data.add("records", PROJECT, _steady(T0 + 1000 * step, 1, step, "new"))
    messages, _ = await _newest(engine, f"{NEWEST} LIMIT 2")
    assert messages == ["new0", "a999"]
