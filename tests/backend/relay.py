"""The backend in front of a real query API (both real uvicorn servers on 127.0.0.1), with Parquet rows
written to a local directory and catalogued in the test's Postgres."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth_backend.app import create_app
from hearth_query_api.app import create_app as create_query_api
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.backend.conftest import backend_settings
from tests.fixtures.apps import serving
from tests.query_api.query_helpers import Data, query_settings


@dataclass(frozen=True)
class Relay:
    backend: str
    query_api: str


@asynccontextmanager
async def backend_with_query_api(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    db_pool: DatabasePool,
    records: Mapping[uuid.UUID, Sequence[dict[str, Any]]] | None = None,
    **backend_overrides: Any,
) -> AsyncIterator[Relay]:
    storage_url = f"file://{tmp_path / 'objects'}"
    storage = open_storage(StorageSettings(storage_url=storage_url))
    try:
        data = Data(storage, FileCatalog(db_pool))
        for project_id, rows in (records or {}).items():
            await data.add("records", project_id, list(rows))
        query_api = create_query_api(query_settings(database_url, redis_url, (storage_url, {})))
        async with serving(query_api) as query_url:
            settings = backend_settings(
                database_url, redis_url, query_api_url=query_url, public_base_url=None, **backend_overrides
            )
            async with serving(create_app(settings)) as backend_url:
                yield Relay(backend_url, query_url)
    finally:
        await storage.close()
