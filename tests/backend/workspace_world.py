"""A signed-in world for the workspace tests (dashboards, alerts, channels, saved searches…): the
backend app running in-process on the test's Postgres and Redis, organization ``acme`` with project
``web`` and a browser per person, and ``globex`` with its own project and admin for isolation checks.

Import the ``ws`` fixture into a test module (``from tests.backend.workspace_world import ws``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from tests.backend.conftest import Tenant, backend_settings, make_tenant
from tests.backend.people import browser, join_org, join_project, make_user, sign_in
from tests.fixtures.apps import AppClient

#: person → (org role in acme, own project role on acme/web or None)
PEOPLE: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None),
    "writer": ("member", None),  # members write on every project
    "reader": ("member", "read"),
    "guest": ("guest", "read"),
}
ACME = "/ui-api/orgs/acme"
WEB = "/ui-api/orgs/acme/projects/web"
GLOBEX = "/ui-api/orgs/globex"
BILLING = "/ui-api/orgs/globex/projects/billing"


@dataclass
class WorkspaceWorld:
    app: FastAPI
    pool: DatabasePool
    acme: Tenant
    globex: Tenant
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def __getitem__(self, person: str) -> httpx.AsyncClient:
        return self.clients[person]


async def _people(pool: DatabasePool, acme: Tenant, globex: Tenant) -> None:
    for person, (org_role, project_role) in PEOPLE.items():
        user_id = await make_user(pool, f"{person}@example.com")
        await join_org(pool, acme.organization_id, user_id, org_role)
        if project_role is not None:
            await join_project(pool, acme.project_id, user_id, project_role)
    other = await make_user(pool, "other@example.com")
    await join_org(pool, globex.organization_id, other, "admin")


@pytest.fixture
async def ws(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> AsyncIterator[WorkspaceWorld]:
    acme = await make_tenant(db_pool, "acme", "web")
    globex = await make_tenant(db_pool, "globex", "billing")
    await _people(db_pool, acme, globex)
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as first:
        await first.aclose()
        world = WorkspaceWorld(app, db_pool, acme, globex)
        for person in [*PEOPLE, "other"]:
            world.clients[person] = browser(app)
            await sign_in(world.clients[person], f"{person}@example.com")
        try:
            yield world
        finally:
            for client in world.clients.values():
                await client.aclose()


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    return body
