"""Device login over HTTP (what ``logfire auth`` does, plus what the CLI test does not reach): pending
answers ``null`` after holding the request, the token is issued once, denial, unknown codes, the
approval page without a session and without the CSRF token, and user tokens on the CLI endpoints."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from tests.backend.conftest import backend_settings, make_tenant
from tests.backend.people import PASSWORD, browser, join_org, make_user, sign_in
from tests.fixtures.apps import AppClient


async def start(client: httpx.AsyncClient) -> tuple[str, str]:
    new = await client.post("/v1/device-auth/new/", params={"machine_name": "ada-laptop"})
    assert new.status_code == 200, new.text
    body = new.json()
    assert set(body) == {"device_code", "frontend_auth_url"}
    url = urlsplit(body["frontend_auth_url"])
    assert (url.scheme, url.netloc, url.path) == ("http", "hearth.example:8080", "/device")
    return body["device_code"], f"{url.path}?{url.query}"


async def test_pending_approved_then_spent(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com", name="Ada")
    await join_org(db_pool, acme.organization_id, ada, "admin")
    app = create_app(backend_settings(database_url, redis_url, device_wait_seconds=0.5))
    async with app_client(app) as cli, browser(app) as web:
        device_code, page = await start(cli)
        pending = await cli.get(f"/v1/device-auth/wait/{device_code}")
        assert pending.status_code == 200
        assert pending.json() is None

        anonymous = await web.get(page)
        assert "Sign in" in anonymous.text
        assert 'action="/device/login"' in anonymous.text
        # The page's own sign-in form, then the request is shown.
        code = page.split("code=", 1)[1]
        signed = await web.post(
            "/device/login", data={"code": code, "email": "ada@example.com", "password": PASSWORD}
        )
        assert signed.status_code == 303
        shown = await web.get(signed.headers["location"])
        assert "ada-laptop" in shown.text
        assert shown.headers["x-frame-options"] == "DENY"
        csrf = re.search(r'name=csrf_token value="([^"]+)"', shown.text)
        assert csrf is not None

        no_csrf = await web.post("/device", data={"code": code, "decision": "approve"})
        assert no_csrf.status_code == 403
        approved = await web.post(
            "/device", data={"code": code, "decision": "approve", "csrf_token": csrf.group(1)}
        )
        assert approved.status_code == 200

        issued = await cli.get(f"/v1/device-auth/wait/{device_code}")
        assert issued.status_code == 200
        token = issued.json()
        assert set(token) == {"token", "expiration"}
        spent = await cli.get(f"/v1/device-auth/wait/{device_code}")
        assert spent.status_code == 404

        auth = {"Authorization": token["token"]}
        me = await cli.get("/v1/account/me", headers=auth)
        bearer = await cli.get("/v1/account/me", headers={"Authorization": f"Bearer {token['token']}"})
        orgs = await cli.get("/v1/organizations/available-for-projects/", headers=auth)
        nobody = await cli.get("/v1/account/me")
    assert me.json()["name"] == "Ada"
    assert me.json()["default_organization"]["organization_name"] == "acme"
    assert bearer.status_code == 200
    assert [o["organization_name"] for o in orgs.json()] == ["acme"]
    assert nobody.status_code == 401
    description = await db_pool.fetchval("SELECT description FROM user_tokens")
    assert description == "logfire CLI on ada-laptop"


async def test_denied_unknown_and_decided_twice(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    app = create_app(backend_settings(database_url, redis_url, device_wait_seconds=0.5))
    async with app_client(app) as cli, browser(app) as web:
        await sign_in(web, "ada@example.com")
        device_code, page = await start(cli)
        code = page.split("code=", 1)[1]
        looked = await web.get(f"/ui-api/device/{code.lower().replace('-', '')}")
        denied = await web.post(f"/ui-api/device/{code}/deny")
        twice = await web.post(f"/ui-api/device/{code}/approve")
        refused = await cli.get(f"/v1/device-auth/wait/{device_code}")
        unknown = await cli.get("/v1/device-auth/wait/nosuchcode")
        unknown_page = await web.get("/ui-api/device/BBBB-BBBB")
    assert looked.json()["state"] == "pending"
    assert looked.json()["machine_name"] == "ada-laptop"
    assert denied.json()["state"] == "denied"
    assert twice.status_code == 409
    assert refused.status_code == 403
    assert unknown.status_code == 404
    assert unknown_page.status_code == 404


async def test_the_cli_project_endpoints_check_roles(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    await make_tenant(db_pool, "globex", "billing")
    guest = await make_user(db_pool, "guest@example.com")
    await join_org(db_pool, acme.organization_id, guest, "guest")
    app = create_app(backend_settings(database_url, redis_url, device_wait_seconds=0.5))
    async with app_client(app) as cli, browser(app) as web:
        await sign_in(web, "guest@example.com")
        device_code, page = await start(cli)
        await web.post(f"/ui-api/device/{page.split('code=', 1)[1]}/approve")
        auth = {"Authorization": (await cli.get(f"/v1/device-auth/wait/{device_code}")).json()["token"]}
        create = await cli.post("/v1/organizations/acme/projects", json={"project_name": "new"}, headers=auth)
        hidden = await cli.post(
            "/v1/organizations/globex/projects", json={"project_name": "new"}, headers=auth
        )
        write = await cli.post("/v1/organizations/acme/projects/web/write-tokens/", headers=auth)
        writable = await cli.get("/v1/writable-projects/", headers=auth)
        available = await cli.get("/v1/organizations/available-for-projects/", headers=auth)
    assert create.status_code == 403
    assert hidden.status_code == 404
    assert write.status_code == 404  # a guest without a project role does not see the project
    assert writable.json() == []
    assert available.json() == []


async def test_cli_project_names_are_checked_like_the_cli_expects(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com")
    await join_org(db_pool, acme.organization_id, ada, "member")
    app = create_app(backend_settings(database_url, redis_url, device_wait_seconds=0.5))
    async with app_client(app) as cli, browser(app) as web:
        await sign_in(web, "ada@example.com")
        device_code, page = await start(cli)
        await web.post(f"/ui-api/device/{page.split('code=', 1)[1]}/approve")
        auth = {"Authorization": (await cli.get(f"/v1/device-auth/wait/{device_code}")).json()["token"]}
        bad = await cli.post(
            "/v1/organizations/acme/projects", json={"project_name": "Bad Name"}, headers=auth
        )
        ok = await cli.post(
            "/v1/organizations/acme/projects", json={"project_name": "good-name"}, headers=auth
        )
        taken = await cli.post(
            "/v1/organizations/acme/projects", json={"project_name": "good-name"}, headers=auth
        )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "project_name"]
    assert "lowercase" in bad.json()["detail"][0]["msg"]
    assert ok.status_code == 200
    assert set(ok.json()) == {"token", "project_name", "project_url"}  # exactly: the CLI's dataclass
    assert ok.json()["project_url"] == "http://hearth.example:8080/acme/good-name"
    assert taken.status_code == 409
