"""People for the backend tests: users with passwords, memberships, and a signed-in browser client."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import httpx

from hearth_backend.auth.sessions import CSRF_COOKIE, SESSION_COOKIE
from hearth_shared.db import DatabasePool
from hearth_shared.passwords import hash_password

PASSWORD = "correct horse battery staple"


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per session


async def make_user(
    pool: DatabasePool, email: str, *, password: bool = True, is_admin: bool = False, name: str = ""
) -> uuid.UUID:
    user_id = await pool.fetchval(
        "INSERT INTO users (email, name, password_hash, is_admin) VALUES ($1, $2, $3, $4) RETURNING id",
        email,
        name or email.split("@", maxsplit=1)[0],
        password_hash() if password else None,
        is_admin,
    )
    return uuid.UUID(str(user_id))


async def join_org(pool: DatabasePool, organization_id: uuid.UUID, user_id: uuid.UUID, role: str) -> None:
    await pool.execute(
        "INSERT INTO org_members (organization_id, user_id, role) VALUES ($1, $2, $3)",
        organization_id,
        user_id,
        role,
    )


async def join_project(pool: DatabasePool, project_id: uuid.UUID, user_id: uuid.UUID, role: str) -> None:
    await pool.execute(
        "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)",
        project_id,
        user_id,
        role,
    )


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign ``client`` in (its cookie jar keeps the session) and send the CSRF header from now on."""
    response = await client.post("/ui-api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    return body


async def start_session(client: httpx.AsyncClient, app: Any, user_id: uuid.UUID) -> None:
    """``client`` signed in as ``user_id`` without the login round trip (argon2 costs ~0.1 s per
    check): for tests of what a session may do, not of signing in — those use :func:`sign_in`."""
    store = app.state.backend.sessions
    session = await store.create(user_id)
    client.cookies.set(SESSION_COOKIE, store.cookie_value(session))
    client.cookies.set(CSRF_COOKIE, session.csrf_token)
    client.headers["X-CSRF-Token"] = session.csrf_token


def browser(app: Any) -> httpx.AsyncClient:
    """Another browser on an app whose lifespan is running (``app_client`` entered it): own cookie jar."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
