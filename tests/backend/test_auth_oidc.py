"""OIDC sign-in against a real provider (``oidc-provider-mock``, a Flask/authlib OpenID provider served
by werkzeug on 127.0.0.1 in a thread): the authorization-code flow with PKCE end to end, users created
or linked by email, IdP groups mapped to organization roles, and refusals (state mismatch,
unverified email, provider errors)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import werkzeug.serving
from oidc_provider_mock import User  # type: ignore[import-untyped]
from oidc_provider_mock import app as provider_app

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from tests.backend.conftest import backend_settings, make_tenant
from tests.backend.people import PASSWORD, join_org, make_user
from tests.fixtures.apps import AppClient

PEOPLE = [
    User(
        sub="ada",
        claims={"email": "ada@example.com", "email_verified": True, "name": "Ada", "groups": ["ops"]},
    ),
    User(sub="bob", claims={"email": "bob@example.com", "name": "Bob", "groups": ["dev"]}),
    User(sub="eve", claims={"email": "eve@example.com", "email_verified": False, "groups": ["ops"]}),
    User(sub="nomail", claims={"name": "No Mail"}),
]


@pytest.fixture
def issuer() -> Iterator[str]:
    """A real OpenID provider on 127.0.0.1; its issuer URL."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, provider_app(user_claims=PEOPLE), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def oidc_settings(database_url: str, redis_url: str, issuer: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "oidc_issuer": issuer,
        "oidc_client_id": "hearth",
        "oidc_client_secret": "s3cret",
        "oidc_scopes": "openid email profile",
        "oidc_group_roles": {"ops": ["acme:admin"], "dev": ["acme:member", "globex:guest"]},
    }
    return backend_settings(database_url, redis_url, **(values | overrides))


async def provider_login(client: httpx.AsyncClient, sub: str, next_path: str = "/acme") -> httpx.Response:
    """Start at Hearth, sign in at the provider as ``sub``, follow the redirect back; Hearth's answer."""
    start = await client.get("/ui-api/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://hearth.example:8080/ui-api/auth/oidc/callback"]
    async with httpx.AsyncClient() as idp:
        approved = await idp.post(authorize, data={"sub": sub})
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["location"])
    assert back.path == "/ui-api/auth/oidc/callback"
    return await client.get(f"{back.path}?{back.query}")


async def test_sign_in_with_the_identity_provider(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool, issuer: str
) -> None:
    await make_tenant(db_pool, "acme", "web")
    async with app_client(create_app(oidc_settings(database_url, redis_url, issuer))) as client:
        config = (await client.get("/ui-api/auth/config")).json()
        assert config["oidc"] == {
            "enabled": True,
            "label": "Single sign-on",
            "login_url": "/ui-api/auth/oidc/login",
        }
        done = await provider_login(client, "ada", "/acme/web?q=x")
        assert done.status_code == 302, done.text
        assert done.headers["location"] == "/acme/web?q=x"
        me = await client.get("/ui-api/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["name"] == "Ada"
    # group "ops" → admin of acme
    assert [(o["slug"], o["role"]) for o in body["organizations"]] == [("acme", "admin")]
    row = await db_pool.fetchrow("SELECT password_hash FROM users WHERE email = 'ada@example.com'")
    assert row is not None
    assert row["password_hash"] is None  # an OIDC-only user


async def test_an_existing_local_account_is_linked_by_email_and_groups_are_synced(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool, issuer: str
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    await make_tenant(db_pool, "globex", "billing")
    bob = await make_user(db_pool, "Bob@Example.com", name="Robert")
    await join_org(db_pool, acme.organization_id, bob, "admin")
    keeper = await make_user(db_pool, "keeper@example.com")
    await join_org(db_pool, acme.organization_id, keeper, "admin")
    async with app_client(create_app(oidc_settings(database_url, redis_url, issuer))) as client:
        assert (await provider_login(client, "bob")).status_code == 302
        me = (await client.get("/ui-api/me")).json()
        # the password still works for the linked account
        local = await client.post(
            "/ui-api/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
        )
    assert me["user"]["id"] == str(bob)
    assert me["user"]["name"] == "Robert"  # a linked account keeps its name
    # "dev" → member of acme (the IdP manages acme: admin → member) and guest of globex
    assert sorted((o["slug"], o["role"]) for o in me["organizations"]) == [
        ("acme", "member"),
        ("globex", "guest"),
    ]
    assert local.status_code == 200


async def test_the_last_admin_is_never_demoted_by_groups(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool, issuer: str
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    bob = await make_user(db_pool, "bob@example.com")
    await join_org(db_pool, acme.organization_id, bob, "admin")
    async with app_client(create_app(oidc_settings(database_url, redis_url, issuer))) as client:
        assert (await provider_login(client, "bob")).status_code == 302
        me = (await client.get("/ui-api/me")).json()
    assert ("acme", "admin") in [(o["slug"], o["role"]) for o in me["organizations"]]


@pytest.mark.parametrize(
    ("sub", "detail"),
    [("eve", "eve@example.com is not verified"), ("nomail", "did not give an email address")],
)
async def test_unverified_or_missing_emails_are_refused(
    app_client: AppClient,
    database_url: str,
    redis_url: str,
    db_pool: DatabasePool,
    issuer: str,
    sub: str,
    detail: str,
) -> None:
    async with app_client(create_app(oidc_settings(database_url, redis_url, issuer))) as client:
        done = await provider_login(client, sub)
        me = await client.get("/ui-api/me")
    assert done.status_code == 400
    assert detail in done.json()["detail"]
    assert me.status_code == 401
    assert await db_pool.fetchval("SELECT count(*) FROM users") == 0


async def test_a_callback_not_started_by_this_browser_is_refused(
    app_client: AppClient, database_url: str, redis_url: str, issuer: str
) -> None:
    app = create_app(oidc_settings(database_url, redis_url, issuer))
    async with (
        app_client(app) as victim,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as attacker,
    ):
        # The attacker starts a login and gets a code for their own account...
        start = await attacker.get("/ui-api/auth/oidc/login")
        async with httpx.AsyncClient() as idp:
            approved = await idp.post(start.headers["location"], data={"sub": "ada"})
        callback = urlsplit(approved.headers["location"])
        # ...and makes the victim's browser (no login in progress) open the callback.
        forced = await victim.get(f"{callback.path}?{callback.query}")
        # A login in progress in the victim's browser has another state.
        await victim.get("/ui-api/auth/oidc/login")
        mixed = await victim.get(f"{callback.path}?{callback.query}")
        refused = await victim.get("/ui-api/auth/oidc/callback?error=access_denied&state=x")
        me = await victim.get("/ui-api/me")
    assert forced.status_code == 400
    assert "no login in progress" in forced.json()["detail"]
    assert mixed.status_code == 400
    assert "state does not match" in mixed.json()["detail"]
    assert refused.status_code == 400
    assert me.status_code == 401


async def test_next_must_stay_on_this_site(
    app_client: AppClient, database_url: str, redis_url: str, issuer: str
) -> None:
    async with app_client(create_app(oidc_settings(database_url, redis_url, issuer))) as client:
        done = await provider_login(client, "ada", "//evil.example/x")
    assert done.headers["location"] == "/"


async def test_an_unreachable_provider_is_a_502(
    app_client: AppClient, database_url: str, redis_url: str
) -> None:
    settings = oidc_settings(database_url, redis_url, "http://127.0.0.1:9")
    async with app_client(create_app(settings)) as client:
        response = await client.get("/ui-api/auth/oidc/login")
    assert response.status_code == 502
    assert "HEARTH_OIDC_ISSUER" in response.json()["detail"]


async def test_without_oidc_settings_the_routes_say_so(
    app_client: AppClient, database_url: str, redis_url: str
) -> None:
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        response = await client.get("/ui-api/auth/oidc/login")
    assert response.status_code == 404
    assert "not configured" in response.json()["detail"]
