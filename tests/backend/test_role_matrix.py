"""Every ``/ui-api`` route, for every kind of caller: the role each route needs is enforced, and a tenant
the caller cannot see answers 404 exactly like one that does not exist.

``MATRIX`` names every route of the app's route table under ``/ui-api`` (``PUBLIC`` the few that need
no session); a new route without an entry fails ``test_every_ui_api_route_is_in_the_matrix``. Each
entry says what the route needs and how to make a request that succeeds when allowed (fresh targets per
caller, so destructive routes can be tried by everyone).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import TokenStore
from tests.backend.conftest import backend_settings, make_tenant
from tests.backend.people import browser, join_org, join_project, make_user, start_session
from tests.fixtures.apps import AppClient

ORG_RANK = {"guest": 0, "member": 1, "admin": 2}
PROJECT_RANK = {"read": 0, "write": 1, "admin": 2}

#: caller → (their role in organization `acme`, their effective role on acme's projects)
ACTORS: dict[str, tuple[str | None, str | None]] = {
    "org_admin": ("admin", "admin"),
    "project_admin": ("member", "admin"),
    "member": ("member", "write"),
    "member_reader": ("member", "read"),
    "guest_reader": ("guest", "read"),
    "guest": ("guest", None),
    "outsider": (None, None),
}

PUBLIC = {
    ("GET", "/ui-api/auth/config"),
    ("POST", "/ui-api/auth/login"),
    ("POST", "/ui-api/auth/logout"),
    ("GET", "/ui-api/auth/session"),
    ("GET", "/ui-api/auth/oidc/login"),
    ("GET", "/ui-api/auth/oidc/callback"),
    ("POST", "/ui-api/auth/register"),
}


@dataclass
class World:
    app: FastAPI
    pool: DatabasePool
    org_id: uuid.UUID
    users: dict[str, uuid.UUID]
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    async def project(self) -> tuple[str, uuid.UUID]:
        """A fresh project of acme with the callers' project roles."""
        slug = f"p-{secrets.token_hex(4)}"
        project_id = uuid.UUID(
            str(
                await self.pool.fetchval(
                    "INSERT INTO projects (organization_id, slug, name) VALUES ($1, $2, $2) RETURNING id",
                    self.org_id,
                    slug,
                )
            )
        )
        await join_project(self.pool, project_id, self.users["project_admin"], "admin")
        await join_project(self.pool, project_id, self.users["member_reader"], "read")
        await join_project(self.pool, project_id, self.users["guest_reader"], "read")
        return slug, project_id

    async def bystander(self, role: str = "member") -> uuid.UUID:
        user_id = await make_user(self.pool, f"by-{secrets.token_hex(4)}@example.com")
        await join_org(self.pool, self.org_id, user_id, role)
        return user_id


Request = tuple[str, Any]  # (path, JSON body or None)
Prepare = Callable[[World, str], Awaitable[Request]]


@dataclass(frozen=True)
class Entry:
    method: str
    route: str
    needs: tuple[Literal["user", "org", "project"], str]
    prepare: Prepare
    ok: tuple[int, ...] = (200,)
    variant: str = ""


async def project_path(world: World, suffix: str = "") -> str:
    slug, _ = await world.project()
    return f"/ui-api/orgs/acme/projects/{slug}{suffix}"


def fixed(path: str, body: Any = None) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        return path, body

    return prepare


def in_project(suffix: str = "", body: Any = None) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        return await project_path(world, suffix), body

    return prepare


async def new_org(world: World, actor: str) -> Request:
    return "/ui-api/orgs", {"slug": f"o-{secrets.token_hex(4)}", "name": "New"}


async def new_project(world: World, actor: str) -> Request:
    return "/ui-api/orgs/acme/projects", {"slug": f"n-{secrets.token_hex(4)}"}


async def org_member_target(world: World, actor: str) -> Request:
    return f"/ui-api/orgs/acme/members/{await world.bystander()}", {"role": "guest"}


async def org_member_removal(world: World, actor: str) -> Request:
    return f"/ui-api/orgs/acme/members/{await world.bystander()}", None


async def new_invitation(world: World, actor: str) -> Request:
    return "/ui-api/orgs/acme/invitations", {
        "email": f"inv-{secrets.token_hex(4)}@example.com",
        "role": "member",
    }


async def invitation_removal(world: World, actor: str) -> Request:
    invitation_id = await world.pool.fetchval(
        """
        INSERT INTO org_invitations (organization_id, email, role, token_hash, expires_at)
        VALUES ($1, 'x@example.com', 'member', $2, now() + interval '1 day') RETURNING id
        """,
        world.org_id,
        secrets.token_bytes(32),
    )
    return f"/ui-api/orgs/acme/invitations/{invitation_id}", None


async def accept_invitation(world: World, actor: str) -> Request:
    """An invitation for the caller's own email, to an organization of its own."""
    org_id = await world.pool.fetchval(
        "INSERT INTO organizations (slug, name) VALUES ($1, 'x') RETURNING id", f"i-{secrets.token_hex(4)}"
    )
    token = secrets.token_urlsafe(32)
    await world.pool.execute(
        """
        INSERT INTO org_invitations (organization_id, email, role, token_hash, expires_at)
        SELECT $1, email, 'member', $2, now() + interval '1 day' FROM users WHERE id = $3
        """,
        org_id,
        hashlib.sha256(token.encode()).digest(),
        world.users[actor],
    )
    return "/ui-api/invitations/accept", {"token": token}


async def project_member_target(world: World, actor: str) -> Request:
    path = await project_path(world, f"/members/{await world.bystander()}")
    return path, {"role": "read"}


async def project_member_removal(world: World, actor: str) -> Request:
    slug, project_id = await world.project()
    target = await world.bystander()
    await join_project(world.pool, project_id, target, "read")
    return f"/ui-api/orgs/acme/projects/{slug}/members/{target}", None


async def token_removal(world: World, actor: str) -> Request:
    """A token someone else (the org admin) created: only project admins may revoke it."""
    slug, project_id = await world.project()
    _, row = await TokenStore(world.pool).create(project_id, "read", "", created_by=world.users["org_admin"])
    return f"/ui-api/orgs/acme/projects/{slug}/tokens/{row.id}", None


def device(suffix: str) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        _, user_code = await world.app.state.backend.device.start("matrix")
        return f"/ui-api/device/{user_code}{suffix}", None

    return prepare


def workspace_ids() -> dict[str, Any]:
    """Values for the workspace routes' path parameters (CSRF and session checks)."""
    return {
        "slug": "overview",
        "alert_id": uuid.uuid4(),
        "channel_id": uuid.uuid4(),
        "search_id": uuid.uuid4(),
        "key_id": uuid.uuid4(),
    }


DASHBOARD = {"title": "Matrix", "definition": {"panels": [], "variables": []}}
ALERT = {"name": "matrix", "sql": "SELECT 1", "lookback_seconds": 60, "interval_seconds": 60}
SEARCH = {"name": "matrix", "query": {"where": "level > 'info'"}}


def with_dashboard(suffix: str, body: Any = None) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        slug, project_id = await world.project()
        await world.pool.execute(
            "INSERT INTO dashboards (project_id, slug, title) VALUES ($1, 'matrix', 'Matrix')", project_id
        )
        return f"/ui-api/orgs/acme/projects/{slug}/dashboards/matrix{suffix}", body

    return prepare


def with_alert(suffix: str, body: Any = None) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        slug, project_id = await world.project()
        alert_id = await world.pool.fetchval(
            """
            INSERT INTO alerts (project_id, name, sql, lookback_seconds, interval_seconds, firing_mode)
            VALUES ($1, 'matrix', 'SELECT 1', 60, 60, 'any_rows') RETURNING id
            """,
            project_id,
        )
        return f"/ui-api/orgs/acme/projects/{slug}/alerts/{alert_id}{suffix}", body

    return prepare


def with_search(body: Any) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        slug, project_id = await world.project()
        search_id = await world.pool.fetchval(
            "INSERT INTO saved_searches (project_id, name) VALUES ($1, 'matrix') RETURNING id", project_id
        )
        return f"/ui-api/orgs/acme/projects/{slug}/saved-searches/{search_id}", body

    return prepare


async def api_key_removal(world: World, actor: str) -> Request:
    key_id = await world.pool.fetchval(
        """
        INSERT INTO org_api_keys (organization_id, name, role, key_hash, hint)
        VALUES ($1, 'k', 'guest', $2, 'hearth_oak_x…') RETURNING id
        """,
        world.org_id,
        secrets.token_bytes(32),
    )
    return f"/ui-api/orgs/acme/api-keys/{key_id}", None


def channel_body() -> dict[str, Any]:
    return {
        "name": f"c-{secrets.token_hex(4)}",
        "kind": "webhook",
        "config": {"url": "http://127.0.0.1:9/hook"},
    }


async def new_channel(world: World, actor: str) -> Request:
    return "/ui-api/orgs/acme/channels", channel_body()


def with_channel(suffix: str, send_body: bool = False) -> Prepare:
    async def prepare(world: World, actor: str) -> Request:
        channel_id = await world.pool.fetchval(
            """
            INSERT INTO notification_channels (organization_id, name, kind, config)
            VALUES ($1, $2, 'webhook', '{"url": "http://127.0.0.1:9/hook"}') RETURNING id
            """,
            world.org_id,
            f"c-{secrets.token_hex(4)}",
        )
        return f"/ui-api/orgs/acme/channels/{channel_id}{suffix}", channel_body() if send_body else None

    return prepare


P = "/ui-api/orgs/{org}/projects/{project}"
MATRIX: list[Entry] = [
    Entry("GET", "/ui-api/me", ("user", ""), fixed("/ui-api/me")),
    Entry(
        "PUT",
        "/ui-api/me/password",
        ("user", ""),
        fixed(
            "/ui-api/me/password",
            {"current_password": "correct horse battery staple", "new_password": "x" * 12},
        ),
        ok=(204,),
    ),
    Entry("POST", "/ui-api/orgs", ("user", ""), new_org, ok=(201,)),
    Entry("POST", "/ui-api/invitations/accept", ("user", ""), accept_invitation),
    Entry("GET", "/ui-api/device/{user_code}", ("user", ""), device("")),
    Entry("POST", "/ui-api/device/{user_code}/approve", ("user", ""), device("/approve")),
    Entry("POST", "/ui-api/device/{user_code}/deny", ("user", ""), device("/deny")),
    Entry("GET", "/ui-api/orgs/{org}", ("org", "guest"), fixed("/ui-api/orgs/acme")),
    Entry("PATCH", "/ui-api/orgs/{org}", ("org", "admin"), fixed("/ui-api/orgs/acme", {"name": "ACME 2"})),
    Entry("GET", "/ui-api/orgs/{org}/projects", ("org", "guest"), fixed("/ui-api/orgs/acme/projects")),
    Entry("POST", "/ui-api/orgs/{org}/projects", ("org", "member"), new_project, ok=(201,)),
    Entry("GET", "/ui-api/orgs/{org}/members", ("org", "member"), fixed("/ui-api/orgs/acme/members")),
    Entry("PATCH", "/ui-api/orgs/{org}/members/{user_id}", ("org", "admin"), org_member_target),
    Entry("DELETE", "/ui-api/orgs/{org}/members/{user_id}", ("org", "admin"), org_member_removal, ok=(204,)),
    Entry("GET", "/ui-api/orgs/{org}/invitations", ("org", "admin"), fixed("/ui-api/orgs/acme/invitations")),
    Entry("POST", "/ui-api/orgs/{org}/invitations", ("org", "admin"), new_invitation, ok=(201,)),
    Entry(
        "DELETE",
        "/ui-api/orgs/{org}/invitations/{invitation_id}",
        ("org", "admin"),
        invitation_removal,
        ok=(204,),
    ),
    Entry("GET", P, ("project", "read"), in_project()),
    Entry("PATCH", P, ("project", "admin"), in_project("", {"retention_days": 7})),
    Entry("DELETE", P, ("project", "admin"), in_project(), ok=(204,)),
    Entry("GET", f"{P}/members", ("project", "admin"), in_project("/members")),
    Entry("PUT", f"{P}/members/{{user_id}}", ("project", "admin"), project_member_target),
    Entry("DELETE", f"{P}/members/{{user_id}}", ("project", "admin"), project_member_removal, ok=(204,)),
    Entry("GET", f"{P}/tokens", ("project", "read"), in_project("/tokens")),
    Entry("POST", f"{P}/tokens", ("project", "read"), in_project("/tokens", {"kind": "read"}), ok=(201,)),
    Entry(
        "POST",
        f"{P}/tokens",
        ("project", "write"),
        in_project("/tokens", {"kind": "write"}),
        ok=(201,),
        variant="write token",
    ),
    Entry("DELETE", f"{P}/tokens/{{token_id}}", ("project", "admin"), token_removal, ok=(204,)),
    # The query API is not running here: 502 means the role check let the query through.
    Entry(
        "POST",
        f"{P}/query",
        ("project", "read"),
        in_project("/query", {"sql": "SELECT 1", "min_timestamp": "2025-01-01T00:00:00Z"}),
        ok=(502,),
    ),
    Entry("GET", f"{P}/schema", ("project", "read"), in_project("/schema")),
    Entry("GET", f"{P}/live", ("project", "read"), in_project("/live"), ok=(502,)),  # as /query
    # dashboards
    Entry("GET", f"{P}/dashboards", ("project", "read"), in_project("/dashboards")),
    Entry("POST", f"{P}/dashboards", ("project", "write"), in_project("/dashboards", DASHBOARD), ok=(201,)),
    Entry(
        "POST",
        f"{P}/dashboards/import",
        ("project", "write"),
        in_project("/dashboards/import", DASHBOARD),
        ok=(201,),
    ),
    Entry("GET", f"{P}/dashboards/{{slug}}", ("project", "read"), with_dashboard("")),
    Entry("PUT", f"{P}/dashboards/{{slug}}", ("project", "write"), with_dashboard("", DASHBOARD)),
    Entry("DELETE", f"{P}/dashboards/{{slug}}", ("project", "write"), with_dashboard(""), ok=(204,)),
    Entry("GET", f"{P}/dashboards/{{slug}}/export", ("project", "read"), with_dashboard("/export")),
    # alerts
    Entry("GET", f"{P}/alerts", ("project", "read"), in_project("/alerts")),
    Entry("POST", f"{P}/alerts", ("project", "write"), in_project("/alerts", ALERT), ok=(201,)),
    Entry("GET", f"{P}/alerts/{{alert_id}}", ("project", "read"), with_alert("")),
    Entry("PUT", f"{P}/alerts/{{alert_id}}", ("project", "write"), with_alert("", ALERT)),
    Entry("DELETE", f"{P}/alerts/{{alert_id}}", ("project", "write"), with_alert(""), ok=(204,)),
    Entry("GET", f"{P}/alerts/{{alert_id}}/runs", ("project", "read"), with_alert("/runs")),
    # saved searches
    Entry("GET", f"{P}/saved-searches", ("project", "read"), in_project("/saved-searches")),
    Entry(
        "POST", f"{P}/saved-searches", ("project", "write"), in_project("/saved-searches", SEARCH), ok=(201,)
    ),
    Entry("PUT", f"{P}/saved-searches/{{search_id}}", ("project", "write"), with_search(SEARCH)),
    Entry("DELETE", f"{P}/saved-searches/{{search_id}}", ("project", "write"), with_search(None), ok=(204,)),
    # notification channels (organization scope); the test send reaches nobody here (ok: false)
    Entry("GET", "/ui-api/orgs/{org}/channels", ("org", "member"), fixed("/ui-api/orgs/acme/channels")),
    Entry("POST", "/ui-api/orgs/{org}/channels", ("org", "admin"), new_channel, ok=(201,)),
    Entry("PUT", "/ui-api/orgs/{org}/channels/{channel_id}", ("org", "admin"), with_channel("", True)),
    Entry(
        "DELETE", "/ui-api/orgs/{org}/channels/{channel_id}", ("org", "admin"), with_channel(""), ok=(204,)
    ),
    Entry("POST", "/ui-api/orgs/{org}/channels/{channel_id}/test", ("org", "member"), with_channel("/test")),
    # environments and autocomplete (the query API is not running: 502 means the role check passed)
    Entry("GET", f"{P}/environments", ("project", "read"), in_project("/environments"), ok=(502,)),
    Entry("GET", f"{P}/autocomplete", ("project", "read"), in_project("/autocomplete?kind=column&prefix=s")),
    # organization API keys
    Entry("GET", "/ui-api/orgs/{org}/api-keys", ("org", "admin"), fixed("/ui-api/orgs/acme/api-keys")),
    Entry(
        "POST",
        "/ui-api/orgs/{org}/api-keys",
        ("org", "admin"),
        fixed("/ui-api/orgs/acme/api-keys", {"name": "k"}),
        ok=(201,),
    ),
    Entry("DELETE", "/ui-api/orgs/{org}/api-keys/{key_id}", ("org", "admin"), api_key_removal, ok=(204,)),
]


def ui_api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route the app serves under ``/ui-api``."""
    return {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if route.path is not None and route.path.startswith("/ui-api")
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }


def expected(entry: Entry, actor: str) -> tuple[str, str]:
    """("allowed", "") or ("refused", problem type)."""
    level, minimum = entry.needs
    org_role, project_role = ACTORS[actor]
    if level == "user":
        return "allowed", ""
    if org_role is None:
        return "refused", "urn:hearth:problem:organization-not-found"
    if level == "org":
        allowed = ORG_RANK[org_role] >= ORG_RANK[minimum]
        return ("allowed", "") if allowed else ("refused", "urn:hearth:problem:role-required")
    if project_role is None:
        return "refused", "urn:hearth:problem:project-not-found"
    allowed = PROJECT_RANK[project_role] >= PROJECT_RANK[minimum]
    return ("allowed", "") if allowed else ("refused", "urn:hearth:problem:role-required")


@pytest.fixture
async def world(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> AsyncIterator[World]:
    tenant = await make_tenant(db_pool, "acme", "web")
    other = await make_tenant(db_pool, "globex", "billing")
    app = create_app(backend_settings(database_url, redis_url, login_max_attempts=100))
    users = {actor: await make_user(db_pool, f"{actor}@example.com") for actor in ACTORS}
    for actor, (org_role, _) in ACTORS.items():
        if org_role is not None:
            await join_org(db_pool, tenant.organization_id, users[actor], org_role)
    await join_org(db_pool, other.organization_id, users["outsider"], "admin")
    async with app_client(app) as first:
        world = World(app, db_pool, tenant.organization_id, users)
        await first.aclose()
        for actor in ACTORS:
            world.clients[actor] = browser(app)
            await start_session(world.clients[actor], app, users[actor])
        try:
            yield world
        finally:
            for client in world.clients.values():
                await client.aclose()


def test_every_ui_api_route_is_in_the_matrix() -> None:
    app = create_app(backend_settings("postgresql://unused/x", "redis://unused"))
    covered = {(entry.method, entry.route) for entry in MATRIX} | PUBLIC
    assert ui_api_routes(app) == covered


@pytest.mark.parametrize("entry", MATRIX, ids=[f"{e.method} {e.route} {e.variant}".strip() for e in MATRIX])
async def test_role_matrix(world: World, entry: Entry) -> None:
    outcomes = {}
    for actor in ACTORS:
        path, body = await entry.prepare(world, actor)
        response = await world.clients[actor].request(entry.method, path, json=body)
        verdict, problem_type = expected(entry, actor)
        if verdict == "allowed":
            ok = response.status_code in entry.ok
        else:
            ok = response.status_code in {403, 404} and response.json().get("type") == problem_type
        outcomes[actor] = (ok, response.status_code, response.text[:200])
    failures = {actor: outcome for actor, outcome in outcomes.items() if not outcome[0]}
    assert not failures, failures


async def test_an_invisible_tenant_answers_like_a_missing_one(world: World) -> None:
    outsider = world.clients["outsider"]
    guest = world.clients["guest"]
    hidden_org = await outsider.get("/ui-api/orgs/acme/projects/web")
    missing_org = await outsider.get("/ui-api/orgs/nosuch/projects/web")
    hidden_project = await guest.get("/ui-api/orgs/acme/projects/web")
    missing_project = await guest.get("/ui-api/orgs/acme/projects/nosuch")
    for hidden, missing, name in (
        (hidden_org, missing_org, "acme"),
        (hidden_project, missing_project, "web"),
    ):
        assert hidden.status_code == missing.status_code == 404
        assert {k: v for k, v in hidden.json().items() if k != "instance"} == {
            k: (v.replace("nosuch", name) if isinstance(v, str) else v)
            for k, v in missing.json().items()
            if k != "instance"
        }


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_every_state_changing_route_needs_the_csrf_token(world: World, method: str) -> None:
    client = world.clients["org_admin"]
    routes = sorted(path for m, path in ui_api_routes(world.app) if m == method and (m, path) not in PUBLIC)
    assert routes
    for route in routes:
        path = route.format(org="acme", project="web", user_id=uuid.uuid4(), invitation_id=uuid.uuid4(),
                            token_id=uuid.uuid4(), user_code="BCDF-GHJK", **workspace_ids())  # fmt: skip
        response = await client.request(method, path, json={}, headers={"X-CSRF-Token": ""})
        assert response.status_code == 403, (route, response.text)
        assert response.json()["type"] == "urn:hearth:problem:csrf-refused", route


async def test_every_private_route_needs_a_session(world: World) -> None:
    async with browser(world.app) as anonymous:
        for method, route in sorted(ui_api_routes(world.app) - PUBLIC):
            path = route.format(org="acme", project="web", user_id=uuid.uuid4(), invitation_id=uuid.uuid4(),
                                token_id=uuid.uuid4(), user_code="BCDF-GHJK", **workspace_ids())  # fmt: skip
            response = await anonymous.request(method, path, json={})
            assert response.status_code == 401, (method, route, response.text)
            assert response.json()["detail"] == "not signed in"
