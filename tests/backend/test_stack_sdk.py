"""Through ``hearth up`` (every service a process, the gateway in front): what a user of the real
``logfire`` packages does first, with the credentials the stack printed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from logfire.query_client import LogfireQueryClient

from tests.backend.test_sdk_clients import sdk_token_check
from tests.fixtures.stack import Stack

pytestmark = pytest.mark.stack


def test_the_sdk_token_check_through_the_gateway(stack: Stack, tmp_path: Path) -> None:
    credentials = stack.credentials
    result, stderr = sdk_token_check(stack.base_url, credentials["write_token"], tmp_path)
    project_url = f"{stack.base_url}/{credentials['organization']}/{credentials['project']}"
    assert result["project_url"] == project_url
    assert f"Logfire project URL: {project_url}" in stderr


def test_the_query_client_through_the_gateway(stack: Stack) -> None:
    credentials = stack.credentials
    with LogfireQueryClient(credentials["read_token"], base_url=stack.base_url) as client:
        assert client.info() == {
            "organization_name": credentials["organization"],
            "project_name": credentials["project"],
        }
    # Legacy GET /v1/query: gateway → backend → query API.
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        response = http.get(
            "/v1/query",
            params={"sql": "SELECT 1 AS one", "json_rows": "true"},
            headers={"authorization": credentials["read_token"]},
        )
        schemas = http.get("/v1/schemas", headers={"authorization": credentials["read_token"]})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [{"one": 1}]
    assert {table["name"] for table in schemas.json()["tables"]} >= {"records", "metrics"}
