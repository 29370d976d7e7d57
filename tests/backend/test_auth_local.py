"""Password sign-in, sessions, CSRF, logout, session expiry and the login rate limit, on the real app
with real Postgres and Redis; and the first admin `hearth up` creates can sign in."""

from __future__ import annotations

import asyncio
import time

import httpx

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from hearth_shared.db.bootstrap import ensure_first_project
from hearth_shared.passwords import generate_password, hash_password
from tests.backend.conftest import backend_settings
from tests.backend.people import PASSWORD, browser, make_user, sign_in
from tests.fixtures.apps import AppClient

PROBLEM = "application/problem+json"


def cookie_attributes(response: httpx.Response, name: str) -> str:
    values = [v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}=")]
    assert len(values) == 1, response.headers.get_list("set-cookie")
    return values[0].lower()


async def test_sign_in_sets_session_and_csrf_cookies(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com", name="Ada")
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        response = await client.post(
            "/ui-api/auth/login", json={"email": "ADA@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["email"] == "ada@example.com"
        assert body["user"]["name"] == "Ada"
        assert body["user"]["is_admin"] is False
        session_cookie = cookie_attributes(response, "hearth_session")
        csrf_cookie = cookie_attributes(response, "hearth_csrf")
        assert "httponly" in session_cookie
        assert "samesite=lax" in session_cookie
        assert "httponly" not in csrf_cookie  # the page's script reads it
        assert "secure" not in session_cookie  # http public URL
        assert client.cookies["hearth_csrf"] == body["csrf_token"]

        session = await client.get("/ui-api/auth/session")
        assert session.json() == body
        me = await client.get("/ui-api/me")
        assert me.status_code == 200
        assert me.json() == {"user": body["user"], "organizations": []}


async def test_cookies_are_secure_behind_https(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    settings = backend_settings(database_url, redis_url, public_base_url="https://hearth.example.com")
    async with app_client(create_app(settings)) as client:
        response = await client.post(
            "/ui-api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    assert "secure" in cookie_attributes(response, "hearth_session")
    assert "secure" in cookie_attributes(response, "hearth_csrf")


async def test_wrong_password_unknown_email_and_oidc_only_users_are_refused_alike(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    await make_user(db_pool, "sso@example.com", password=False)
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        answers = [
            await client.post("/ui-api/auth/login", json={"email": email, "password": password})
            for email, password in [
                ("ada@example.com", "wrong password"),
                ("nobody@example.com", PASSWORD),
                ("sso@example.com", PASSWORD),
            ]
        ]
        missing = await client.post("/ui-api/auth/login", json={"email": "ada@example.com"})
    for answer in answers:
        assert answer.status_code == 401
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["detail"] == "wrong email or password"
        assert "hearth_session" not in answer.cookies
    assert missing.status_code == 422
    assert missing.json()["detail"] == "body.password: Field required"


async def test_without_a_session_every_ui_api_call_is_401(
    app_client: AppClient, database_url: str, redis_url: str
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        me = await client.get("/ui-api/me")
        session = await client.get("/ui-api/auth/session")
        create = await client.post("/ui-api/orgs", json={"slug": "x"})
        client.cookies.set("hearth_session", "forged.value.sig")
        forged = await client.get("/ui-api/me")
    for response in (me, session, forged, create):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "not signed in"


async def test_state_changing_calls_need_the_csrf_header(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as client, browser(app) as attacker:
        token = (await sign_in(client, "ada@example.com"))["csrf_token"]
        del client.headers["X-CSRF-Token"]
        missing = await client.post("/ui-api/orgs", json={"slug": "acme"})
        wrong = await client.post("/ui-api/orgs", json={"slug": "acme"}, headers={"X-CSRF-Token": "x" * 43})
        # A planted cookie matching a forged header is still not this session's token.
        attacker.cookies.set("hearth_session", client.cookies["hearth_session"])
        attacker.cookies.set("hearth_csrf", "planted")
        planted = await attacker.post(
            "/ui-api/orgs", json={"slug": "acme"}, headers={"X-CSRF-Token": "planted"}
        )
        logout = await client.post("/ui-api/auth/logout")
        reads = await client.get("/ui-api/me")  # reads need no token
        ok = await client.post("/ui-api/orgs", json={"slug": "acme"}, headers={"X-CSRF-Token": token})
    for response in (missing, wrong, planted, logout):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "urn:hearth:problem:csrf-refused"
    assert "missing X-CSRF-Token" in missing.json()["detail"]
    assert reads.status_code == 200
    assert ok.status_code == 201, ok.text
    assert await db_pool.fetchval("SELECT count(*) FROM organizations") == 1


async def test_logout_ends_the_session_even_for_a_replayed_cookie(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as client, browser(app) as thief:
        await sign_in(client, "ada@example.com")
        thief.cookies.update({"hearth_session": client.cookies["hearth_session"]})
        assert (await thief.get("/ui-api/me")).status_code == 200
        out = await client.post("/ui-api/auth/logout")
        assert out.status_code == 204
        assert client.cookies.get("hearth_session") is None
        assert (await client.get("/ui-api/me")).status_code == 401
        assert (await thief.get("/ui-api/me")).status_code == 401
        # Signing out twice (or without a session) is harmless.
        assert (await client.post("/ui-api/auth/logout")).status_code == 204


async def test_a_new_sign_in_replaces_the_browsers_session(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as client, browser(app) as other:
        await sign_in(client, "ada@example.com")
        first = client.cookies["hearth_session"]
        await sign_in(client, "ada@example.com")
        assert client.cookies["hearth_session"] != first
        other.cookies.update({"hearth_session": first})
        assert (await other.get("/ui-api/me")).status_code == 401


async def test_sessions_expire(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    settings = backend_settings(database_url, redis_url, session_ttl_seconds=1)
    async with app_client(create_app(settings)) as client:
        await sign_in(client, "ada@example.com")
        deadline = time.monotonic() + 15
        statuses = []
        while time.monotonic() < deadline:
            statuses.append((await client.get("/ui-api/me")).status_code)
            if statuses[-1] == 401:
                break
            await asyncio.sleep(0.2)
    assert statuses[-1] == 401, statuses


async def test_login_is_rate_limited_per_ip_and_email(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    await make_user(db_pool, "bob@example.com")
    settings = backend_settings(database_url, redis_url, login_max_attempts=3, login_window_seconds=60)
    app = create_app(settings)
    async with app_client(app) as client, browser(app) as replica_client:
        wrong = {"email": "ada@example.com", "password": "guess"}
        statuses = [(await client.post("/ui-api/auth/login", json=wrong)).status_code for _ in range(3)]
        limited = await client.post(
            "/ui-api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
        other_email = await client.post(
            "/ui-api/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
        )
    assert statuses == [401, 401, 401]
    # Over the limit even the right password is refused, so guessing learns nothing.
    assert limited.status_code == 429
    assert limited.headers["content-type"] == PROBLEM
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert other_email.status_code == 200

    # The count lives in Redis: a second backend (another replica) refuses too.
    async with app_client(create_app(settings)) as replica:
        again = await replica.post(
            "/ui-api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    assert again.status_code == 429
    del replica_client


async def test_a_successful_login_resets_the_count(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    settings = backend_settings(database_url, redis_url, login_max_attempts=2)
    async with app_client(create_app(settings)) as client:
        wrong = {"email": "ada@example.com", "password": "guess"}
        right = {"email": "ada@example.com", "password": PASSWORD}
        first = [(await client.post("/ui-api/auth/login", json=body)).status_code for body in (wrong, right)]
        second = [(await client.post("/ui-api/auth/login", json=body)).status_code for body in (wrong, wrong)]
    assert first == [401, 200]
    assert second == [401, 401]


async def test_local_login_can_be_switched_off(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    async with app_client(create_app(backend_settings(database_url, redis_url, local_login=False))) as client:
        config = await client.get("/ui-api/auth/config")
        login = await client.post(
            "/ui-api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    assert config.json() == {
        "local_login": False,
        "oidc": {"enabled": False, "label": "Single sign-on", "login_url": "/ui-api/auth/oidc/login"},
    }
    assert login.status_code == 403


async def test_the_first_admin_of_hearth_up_can_sign_in(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    password = generate_password()
    first = await ensure_first_project(
        db_pool,
        org_slug="hearth",
        project_slug="default",
        admin_email="admin@hearth.local",
        admin_password_hash=hash_password(password),
    )
    assert first is not None
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        body = await sign_in(client, "admin@hearth.local", password)
        me = (await client.get("/ui-api/me")).json()
    assert body["user"]["is_admin"] is True
    assert me["organizations"][0]["slug"] == "hearth"
    assert me["organizations"][0]["role"] == "admin"
    assert me["organizations"][0]["projects"] == [
        {
            "id": str(first.project_id),
            "slug": "default",
            "name": "default",
            "role": "admin",
            "retention_days": 30,
        }
    ]


async def test_changing_ones_password(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        await sign_in(client, "ada@example.com")
        wrong = await client.put(
            "/ui-api/me/password", json={"current_password": "nope", "new_password": "n" * 12}
        )
        short = await client.put(
            "/ui-api/me/password", json={"current_password": PASSWORD, "new_password": "n"}
        )
        ok = await client.put(
            "/ui-api/me/password", json={"current_password": PASSWORD, "new_password": "n" * 12}
        )
        await client.post("/ui-api/auth/logout")
        old = await client.post("/ui-api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        new = await client.post("/ui-api/auth/login", json={"email": "ada@example.com", "password": "n" * 12})
    assert (wrong.status_code, short.status_code, ok.status_code) == (401, 422, 204)
    assert (old.status_code, new.status_code) == (401, 200)
