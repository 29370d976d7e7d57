"""Through ``hearth up`` (every service a process, the gateway in front): the first admin signs in with
the printed password, creates tokens in the web UI's API, and revoking them is felt by ingest and the
query API (other processes, each with its own token cache) within a polling deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.fixtures.stack import Stack

pytestmark = pytest.mark.stack

DEADLINE_SECONDS = 15.0
EMPTY_TRACES: dict[str, list[object]] = {"resourceSpans": []}
QUERY = {"sql": "SELECT 1 AS one", "min_timestamp": "2025-01-01T00:00:00Z"}


def refused_within_deadline(send: Callable[[], httpx.Response]) -> httpx.Response:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        response = send()
        if response.status_code == 401 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_first_admin_tokens_and_revocation_through_the_gateway(stack: Stack) -> None:
    credentials = stack.credentials
    org, project = credentials["organization"], credentials["project"]
    with (
        httpx.Client(base_url=stack.base_url, timeout=30) as browser,
        httpx.Client(base_url=stack.base_url, timeout=30) as sdk,
    ):
        login = browser.post(
            "/ui-api/auth/login",
            json={"email": credentials["admin_email"], "password": credentials["admin_password"]},
        )
        assert login.status_code == 200, login.text
        browser.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        tokens = f"/ui-api/orgs/{org}/projects/{project}/tokens"
        write = browser.post(tokens, json={"kind": "write", "description": "stack test"}).json()
        read = browser.post(tokens, json={"kind": "read", "description": "stack test"}).json()

        def ingest() -> httpx.Response:
            return sdk.post("/v1/traces", json=EMPTY_TRACES, headers={"Authorization": write["token"]})

        def query() -> httpx.Response:
            return sdk.post("/v2/query", json=QUERY, headers={"Authorization": read["token"]})

        assert ingest().status_code == 200
        assert query().status_code == 200
        ui_query = browser.post(f"/ui-api/orgs/{org}/projects/{project}/query", json=QUERY)
        assert ui_query.json()["columns"][0]["values"] == [1]

        assert browser.delete(f"{tokens}/{write['id']}").status_code == 204
        assert browser.delete(f"{tokens}/{read['id']}").status_code == 204
        assert refused_within_deadline(ingest).status_code == 401
        assert refused_within_deadline(query).status_code == 401

        page = browser.get(f"/{org}/{project}", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
