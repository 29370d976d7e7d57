"""The shared web layer: the error tree becomes problem+json in one place; request validation is 422;
an unexpected exception is a 500 problem that hides internals; readiness reflects its checks."""

from __future__ import annotations

from typing import ClassVar

import asyncpg
import redis.exceptions as redis_errors
from fastapi import APIRouter
from pydantic import BaseModel

from hearth_shared.errors import Forbidden, ServiceUnavailable, TooManyRequests
from hearth_shared.settings import ServiceSettings
from hearth_shared.web import service_app
from tests.fixtures.apps import AppClient


class ProbeSettings(ServiceSettings):
    service_name: ClassVar[str] = "probe"
    default_port: ClassVar[int] = 9999


class Body(BaseModel):
    sql: str
    limit: int = 100


def probe_router() -> APIRouter:
    router = APIRouter()

    @router.get("/forbidden")
    async def forbidden() -> None:
        raise Forbidden("this token may not read project x", project="x")

    @router.get("/busy")
    async def busy() -> None:
        raise TooManyRequests("too many concurrent queries", retry_after=2.4)

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internal detail")

    @router.get("/database-gone")
    async def database_gone() -> None:
        raise asyncpg.exceptions.ConnectionDoesNotExistError(
            "connection was closed in the middle of operation"
        )

    @router.get("/redis-gone")
    async def redis_gone() -> None:
        raise redis_errors.ConnectionError("Connection reset by peer")

    @router.post("/query")
    async def query(body: Body) -> dict[str, int]:
        return {"limit": body.limit}

    return router


async def test_domain_errors_are_problem_json(app_client: AppClient) -> None:
    async with app_client(service_app(ProbeSettings(), title="probe", routers=[probe_router()])) as client:
        response = await client.get("/forbidden")
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "type": "urn:hearth:problem:forbidden",
            "title": "Forbidden",
            "status": 403,
            "detail": "this token may not read project x",
            "instance": "/forbidden",
            "project": "x",
        }
        busy = await client.get("/busy")
        assert busy.status_code == 429
        assert busy.headers["retry-after"] == "2"


async def test_validation_errors_are_422_with_the_field(app_client: AppClient) -> None:
    async with app_client(service_app(ProbeSettings(), title="probe", routers=[probe_router()])) as client:
        response = await client.post("/query", json={"limit": "lots"})
        assert response.status_code == 422
        body = response.json()
        assert body["title"] == "Invalid request"
        assert {tuple(err["loc"]) for err in body["errors"]} == {("body", "sql"), ("body", "limit")}


async def test_unexpected_errors_are_500_without_internals(app_client: AppClient) -> None:
    app = service_app(ProbeSettings(), title="probe", routers=[probe_router()])
    async with app_client(app) as client:
        response = await client.get("/crash")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert "secret internal detail" not in response.text
        # the process is still serving
        assert (await client.get("/health")).status_code == 200


async def test_a_dependency_dropping_the_connection_is_503_to_retry(app_client: AppClient) -> None:
    """PostgreSQL or Redis restarting mid-request is not our bug: 503 + Retry-After, nothing internal."""
    app = service_app(ProbeSettings(), title="probe", routers=[probe_router()])
    async with app_client(app) as client:
        for path in ("/database-gone", "/redis-gone"):
            response = await client.get(path)
            assert response.status_code == 503, path
            assert response.headers["retry-after"] == "1"
            assert response.json()["type"] == "urn:hearth:problem:dependency-unavailable"
            assert "reset by peer" not in response.text


async def test_ready_reports_failing_checks(app_client: AppClient) -> None:
    app = service_app(ProbeSettings(), title="probe")

    async def failing() -> None:
        raise ServiceUnavailable("object storage is unreachable")

    async with app_client(app) as client:
        assert (await client.get("/ready")).status_code == 200
        app.state.readiness_checks["storage"] = failing
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"] == {"storage": "object storage is unreachable"}
