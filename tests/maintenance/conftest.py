"""Fixtures of the maintenance tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hearth_query_api.app import create_app as query_api_app
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.fixtures.apps import serving
from tests.maintenance.alert_world import QUERY_TIMEOUT, AlertWorld, make_evaluator, make_notifier
from tests.maintenance.helpers import Receiver
from tests.query_api.query_helpers import Data, first_project, query_settings


@pytest.fixture
async def world(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, redis_url: str
) -> AsyncIterator[AlertWorld]:
    project = await first_project(db_pool)
    storage_url = (tmp_path / "objects").as_uri()
    storage = open_storage(StorageSettings(storage_url=storage_url))
    catalog = FileCatalog(db_pool)
    receiver = Receiver()
    settings = query_settings(database_url, redis_url, (storage_url, {}), query_timeout=QUERY_TIMEOUT)
    async with (
        serving(query_api_app(settings)) as query_api_url,
        serving(receiver.app()) as receiver_url,
        httpx.AsyncClient() as http,
        httpx.AsyncClient(base_url=query_api_url) as query_api,
    ):
        world = AlertWorld(
            db=db_pool,
            project=project,
            data=Data(storage, catalog),
            catalog=catalog,
            query_api_url=query_api_url,
            receiver=receiver,
            receiver_url=receiver_url,
            evaluator=make_evaluator(db_pool, query_api),
            notifier=make_notifier(db_pool, http),
            http=http,
            clients=[],
        )
        yield world
        for client in world.clients:
            await client.aclose()
    await storage.close()
