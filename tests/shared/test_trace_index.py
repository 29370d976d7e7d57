"""The trace index: windows are created, only ever widen, and are per project."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hearth_shared.catalog import TraceIndex
from hearth_shared.catalog.traces import epoch_us
from hearth_shared.db import DatabasePool

T0 = datetime(2026, 1, 2, 3, 4, 5, 123457, tzinfo=UTC)  # microseconds survive the trip exactly
MINUTE = timedelta(minutes=1)


def us(*moments: datetime) -> list[int]:
    return [epoch_us(moment) for moment in moments]


async def test_windows_widen_and_stay_per_project(db_pool: DatabasePool) -> None:
    index = TraceIndex(db_pool)
    project, other = uuid.uuid4(), uuid.uuid4()
    await index.record(project, ["b" * 32, "a" * 32], us(T0, T0 + MINUTE), us(T0 + MINUTE, T0 + 2 * MINUTE))
    assert await index.window(project, "a" * 32) == (T0 + MINUTE, T0 + 2 * MINUTE)
    await index.record(project, ["a" * 32], us(T0 - MINUTE), us(T0))  # a late, earlier span
    assert await index.window(project, "a" * 32) == (T0 - MINUTE, T0 + 2 * MINUTE)
    await index.record(project, ["a" * 32], us(T0), us(T0))  # a replay inside the window changes nothing
    assert await index.window(project, "a" * 32) == (T0 - MINUTE, T0 + 2 * MINUTE)
    assert await index.window(other, "a" * 32) is None
    assert await index.window(project, "c" * 32) is None
    await index.record(project, [], [], [])
