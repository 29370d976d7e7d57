"""Every service app built by its real `create_app`, run in-process on real Postgres, Redis and S3:
health, readiness per dependency, problem+json errors, and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from hearth_backend.app import create_app as backend_app
from hearth_backend.settings import BackendSettings
from hearth_cache.app import create_app as cache_app
from hearth_cache.settings import CacheSettings
from hearth_compaction.app import create_app as compaction_app
from hearth_compaction.settings import CompactionSettings
from hearth_ingest.app import create_app as ingest_app
from hearth_ingest.settings import IngestSettings
from hearth_maintenance.app import create_app as maintenance_app
from hearth_maintenance.settings import MaintenanceSettings
from hearth_query_api.app import create_app as query_api_app
from hearth_query_api.settings import QueryApiSettings
from hearth_shared.settings import DatabaseSettings, RedisSettings, StorageSettings
from tests.fixtures.apps import AppClient
from tests.fixtures.s3 import S3Bucket

SERVICES: list[tuple[type[Any], Callable[[Any], FastAPI], set[str]]] = [
    (BackendSettings, backend_app, {"postgres", "redis"}),
    (IngestSettings, ingest_app, {"postgres", "redis", "object_storage", "wal"}),
    (QueryApiSettings, query_api_app, {"postgres", "redis", "object_storage"}),
    (CacheSettings, cache_app, {"object_storage"}),
    (CompactionSettings, compaction_app, {"postgres", "object_storage", "worker"}),
    (MaintenanceSettings, maintenance_app, {"postgres", "redis", "object_storage"}),
]
IDS = [cls.service_name for cls, _, _ in SERVICES]


def settings_for(cls: type[Any], database_url: str, redis_url: str, bucket: S3Bucket) -> Any:
    values: dict[str, Any] = {}
    if issubclass(cls, DatabaseSettings):
        values["database_url"] = database_url
    if issubclass(cls, RedisSettings):
        values["redis_url"] = redis_url
    if issubclass(cls, StorageSettings):
        values["storage_url"] = bucket.storage_url
        values["storage_options"] = bucket.storage_options
    return cls(**values)


@pytest.mark.parametrize(("settings_cls", "factory", "dependencies"), SERVICES, ids=IDS)
async def test_health_and_ready_report_each_dependency(
    settings_cls: type[Any],
    factory: Callable[[Any], FastAPI],
    dependencies: set[str],
    app_client: AppClient,
    database_url: str,
    redis_url: str,
    s3_bucket: S3Bucket,
) -> None:
    settings = settings_for(settings_cls, database_url, redis_url, s3_bucket)
    async with app_client(factory(settings)) as client:
        health = await client.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "service": settings_cls.service_name}

        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == dict.fromkeys(dependencies, "ok")


@pytest.mark.parametrize(
    ("settings_cls", "factory", "dependencies"), [s for s in SERVICES if "object_storage" in s[2]], ids=str
)
async def test_ready_turns_503_when_object_storage_goes_away(
    settings_cls: type[Any],
    factory: Callable[[Any], FastAPI],
    dependencies: set[str],
    app_client: AppClient,
    database_url: str,
    redis_url: str,
    s3_bucket: S3Bucket,
) -> None:
    settings = settings_for(settings_cls, database_url, redis_url, s3_bucket)
    async with app_client(factory(settings)) as client:
        assert (await client.get("/ready")).status_code == 200
        s3_bucket.client().delete_bucket(Bucket=s3_bucket.bucket)
        ready = await client.get("/ready")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert "NoSuchBucket" in checks["object_storage"] or "does not exist" in checks["object_storage"]
        assert {name for name, value in checks.items() if value == "ok"} == dependencies - {"object_storage"}
        # the bucket fixture removes its bucket at teardown; give it one back
        s3_bucket.client().create_bucket(Bucket=s3_bucket.bucket)


@pytest.mark.parametrize(("settings_cls", "factory", "dependencies"), SERVICES[:2], ids=IDS[:2])
async def test_unknown_route_and_wrong_method_are_problems(
    settings_cls: type[Any],
    factory: Callable[[Any], FastAPI],
    dependencies: set[str],
    app_client: AppClient,
    database_url: str,
    redis_url: str,
    s3_bucket: S3Bucket,
) -> None:
    settings = settings_for(settings_cls, database_url, redis_url, s3_bucket)
    async with app_client(factory(settings)) as client:
        missing = await client.get("/no/such/route")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        body = missing.json()
        assert body["status"] == 404
        assert body["detail"] == "no route for GET /no/such/route"
        assert body["instance"] == "/no/such/route"

        wrong_method = await client.post("/health")
        assert wrong_method.status_code == 405
        assert wrong_method.headers["content-type"] == "application/problem+json"

        openapi = await client.get("/openapi.json")
        assert openapi.status_code == 200
        assert "/ready" in openapi.json()["paths"]
