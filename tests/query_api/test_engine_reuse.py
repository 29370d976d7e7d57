"""A worker's reused session keeps its file scans across queries; the catalog still decides, per query,
which files are read: a file catalogued since the last query is read, a retired one is not."""

from __future__ import annotations

from pathlib import Path

from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from tests.query_api.query_helpers import HOUR, T0, record
from tests.query_api.test_engine_queries import OTHER, PROJECT, make_engine


async def test_new_and_retired_files_are_seen_by_the_next_query(
    tmp_path: Path, db_pool: DatabasePool
) -> None:
    settings = StorageSettings(storage_url=f"file://{tmp_path / 'objects'}")
    engine = make_engine(settings, tmp_path, db_pool, reuse_sessions=True)
    try:
        first = await engine.data.add("records", PROJECT, [record(PROJECT, T0, message="a")] * 2)
        assert await engine.scalar("SELECT count(*) FROM records") == 2

        second = await engine.data.add("records", PROJECT, [record(PROJECT, T0 + HOUR, message="b")] * 3)
        assert await engine.scalar("SELECT count(*) FROM records") == 5  # the new file, at once

        # compaction's swap: both files retired, one merged file in their place (objects stay behind)
        merged, data = engine.data.file_for("records", PROJECT, [record(PROJECT, T0, message="merged")] * 4)
        await engine.data.put(merged, data)
        await engine.catalog.replace([first.id, second.id], [merged])
        assert await engine.scalar("SELECT count(*) FROM records") == 4
        assert await engine.scalar("SELECT count(*) FROM records WHERE message <> 'merged'") == 0

        # the same session for another project: none of the scans kept above is reachable
        await engine.data.add("records", OTHER, [record(OTHER, T0, message="theirs")])
        assert await engine.scalar("SELECT count(*) FROM records", project=OTHER) == 1
        assert await engine.scalar("SELECT count(*) FROM records") == 4
    finally:
        await engine.storage.close()
