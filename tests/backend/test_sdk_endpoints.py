"""``/v1/info``, ``/v1/read-token-info`` and ``/v1/schemas`` on the real app (real Postgres and Redis,
tokens made by ``TokenStore``): response shapes, every token failure, and tenant isolation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from hearth_shared.schema import TABLES, schemas_document
from hearth_shared.token_cache import token_hash_hex
from hearth_shared.tokens import TokenStore
from tests.backend.conftest import Tenant, backend_settings
from tests.fixtures.apps import AppClient

PROBLEM = "application/problem+json"
UNKNOWN_TOKEN = "pylf_v1_local_" + "Z" * 48


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_info_answers_the_sdk_shape_for_a_write_token(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as client:
        raw = await client.get("/v1/info", headers={"Authorization": tenant.write_token})
        bearer = await client.get("/v1/info", headers={"Authorization": f"Bearer {tenant.write_token}"})
    assert raw.status_code == 200, raw.text
    # Exactly what the SDK reads; names on the wire are slugs (Logfire's URL identifiers).
    assert raw.json() == {"project_name": "web", "project_url": "http://hearth.example:8080/acme/web"}
    assert bearer.json() == raw.json()


async def test_info_project_url_follows_the_request_when_no_public_url_is_set(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    app = create_app(backend_settings(database_url, redis_url, public_base_url=None))
    auth = {"Authorization": tenant.write_token}
    async with app_client(app) as client:
        direct = await client.get("/v1/info", headers=auth)
        via_gateway = await client.get(
            "/v1/info",
            headers={**auth, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "logs.example.com, inner"},
        )
    assert direct.json()["project_url"] == "http://testserver/acme/web"
    assert via_gateway.json()["project_url"] == "https://logs.example.com/acme/web"


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "missing Authorization header"),
        ("", "missing Authorization header"),
        ("Bearer ", "missing Authorization header"),
        ("not a token", "invalid write token"),
        (UNKNOWN_TOKEN, "invalid write token"),
    ],
)
async def test_info_refuses_missing_and_unknown_tokens(
    app_client: AppClient,
    database_url: str,
    redis_url: str,
    tenant: Tenant,
    authorization: str | None,
    detail: str,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        response = await client.get("/v1/info", headers=headers)
    body = problem(response, 401)
    assert body["detail"].startswith(detail)
    assert body["instance"] == "/v1/info"


async def test_each_endpoint_refuses_the_other_kind_of_token(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        info = await client.get("/v1/info", headers={"Authorization": tenant.read_token})
        token_info = await client.get("/v1/read-token-info", headers={"Authorization": tenant.write_token})
        schemas = await client.get("/v1/schemas", headers={"Authorization": tenant.write_token})
    assert problem(info, 403)["detail"] == (
        "this is a read token; `GET /v1/info` needs a write token of the project"
    )
    assert problem(token_info, 403)["detail"] == (
        "this is a write token; `GET /v1/read-token-info` needs a read token of the project"
    )
    assert problem(schemas, 403)["detail"] == (
        "this is a write token; `GET /v1/schemas` needs a read token of the project"
    )


async def test_a_revoked_token_stops_working_at_once_once_invalidated(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool, tenant: Tenant
) -> None:
    store = TokenStore(db_pool)
    token, row = await store.create(tenant.project_id, "write", "to revoke")
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as client:
        assert (await client.get("/v1/info", headers={"Authorization": token})).status_code == 200
        assert await store.revoke(row.id)
        # What the revoking endpoint will do: every process drops the cached grant.
        await app.state.backend.tokens.invalidate(token_hash_hex(token))
        response = await client.get("/v1/info", headers={"Authorization": token})
    assert problem(response, 401)["detail"] == "invalid write token: it is unknown, revoked or expired"


async def test_read_token_info_names_the_project_of_the_token(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        response = await client.get("/v1/read-token-info", headers={"Authorization": tenant.read_token})
        legacy = await client.get("/api/read-token-info", headers={"Authorization": tenant.read_token})
        missing = await client.get("/v1/read-token-info")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "token_id",
        "organization_id",
        "organization_name",
        "project_id",
        "project_name",
        "expires_at",
    }
    assert body["organization_name"] == "acme"
    assert body["project_name"] == "web"
    assert body["organization_id"] == str(tenant.organization_id)
    assert body["project_id"] == str(tenant.project_id)
    assert body["expires_at"] is None
    assert legacy.json() == body  # logfire-mcp ≤0.6 asks /api/read-token-info
    assert problem(missing, 401)["detail"].startswith("missing Authorization header: send the project's read")


async def test_schemas_renders_the_shared_table_definitions(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        response = await client.get("/v1/schemas", headers={"Authorization": f"Bearer {tenant.read_token}"})
        anonymous = await client.get("/v1/schemas")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == schemas_document()
    assert [table["name"] for table in body["tables"]] == list(TABLES)
    records = next(table for table in body["tables"] if table["name"] == "records")
    # What logfire-mcp's schema tool renders into CREATE TABLE, for columns its tools rely on.
    for column in ("created_at", "message", "is_exception", "exception_type", "exception_stacktrace"):
        assert set(records["schema"][column]) == {"data_type", "nullable", "description"}
    problem(anonymous, 401)


async def test_tokens_of_another_tenant_only_ever_see_their_own_project(
    app_client: AppClient, database_url: str, redis_url: str, tenant: Tenant, other_tenant: Tenant
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        info = await client.get("/v1/info", headers={"Authorization": other_tenant.write_token})
        token_info = await client.get(
            "/v1/read-token-info", headers={"Authorization": other_tenant.read_token}
        )
    assert info.json() == {
        "project_name": "billing",
        "project_url": "http://hearth.example:8080/globex/billing",
    }
    assert token_info.json()["project_id"] == str(other_tenant.project_id)
    assert "acme" not in info.text + token_info.text
    assert str(tenant.project_id) not in token_info.text


async def test_openapi_documents_the_sdk_routes(
    app_client: AppClient, database_url: str, redis_url: str
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/info", "/v1/read-token-info", "/v1/schemas", "/v1/query", "/v2/query"):
        assert path in paths
    assert "/api/read-token-info" not in paths  # an alias for old clients only
