"""Organizations, projects, members and invitations through ``/ui-api``: what each call does, and the
precise 4xx answers for bad input and impossible changes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from hearth_backend.app import create_app
from hearth_shared.db import DatabasePool
from tests.backend.conftest import backend_settings, make_tenant
from tests.backend.people import browser, join_org, make_user, sign_in
from tests.fixtures.apps import AppClient


async def test_organizations_and_projects(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    async with app_client(create_app(backend_settings(database_url, redis_url))) as client:
        await sign_in(client, "ada@example.com")
        org = await client.post("/ui-api/orgs", json={"slug": "acme", "name": "ACME Inc."})
        taken = await client.post("/ui-api/orgs", json={"slug": "acme"})
        bad = [
            await client.post("/ui-api/orgs", json={"slug": slug})
            for slug in ("Acme", "-x", "a--b", "ui-api", "")
        ]
        project = await client.post("/ui-api/orgs/acme/projects", json={"slug": "web", "retention_days": 14})
        dup = await client.post("/ui-api/orgs/acme/projects", json={"slug": "web"})
        too_long = await client.post(
            "/ui-api/orgs/acme/projects", json={"slug": "x", "retention_days": 99999}
        )
        renamed = await client.patch("/ui-api/orgs/acme/projects/web", json={"name": "Web shop"})
        listed = await client.get("/ui-api/orgs/acme/projects")
        me = await client.get("/ui-api/me")
        gone = await client.delete("/ui-api/orgs/acme/projects/web")
        after = await client.get("/ui-api/orgs/acme/projects/web")
    assert org.status_code == 201
    assert org.json()["role"] == "admin"
    assert org.json()["name"] == "ACME Inc."
    assert taken.status_code == 409
    assert [r.status_code for r in bad] == [422] * 5
    assert "reserved" in bad[3].json()["detail"]
    assert project.status_code == 201
    assert project.json()["retention_days"] == 14
    assert dup.status_code == 409
    assert too_long.status_code == 422
    assert renamed.json()["name"] == "Web shop"
    assert [p["slug"] for p in listed.json()] == ["web"]
    assert me.json()["organizations"][0]["projects"][0]["name"] == "Web shop"
    assert gone.status_code == 204
    assert after.status_code == 404


async def test_org_creation_can_be_limited_to_instance_admins(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    await make_user(db_pool, "ada@example.com")
    await make_user(db_pool, "root@example.com", is_admin=True)
    app = create_app(backend_settings(database_url, redis_url, allow_org_creation=False))
    async with app_client(app) as ada, browser(app) as root:
        await sign_in(ada, "ada@example.com")
        await sign_in(root, "root@example.com")
        refused = await ada.post("/ui-api/orgs", json={"slug": "acme"})
        allowed = await root.post("/ui-api/orgs", json={"slug": "acme"})
    assert refused.status_code == 403
    assert allowed.status_code == 201


async def test_members_and_the_last_admin(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com")
    bob = await make_user(db_pool, "bob@example.com")
    outsider = await make_user(db_pool, "zed@example.com")
    await join_org(db_pool, acme.organization_id, ada, "admin")
    await join_org(db_pool, acme.organization_id, bob, "member")
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as client, browser(app) as bob_client:
        await sign_in(client, "ada@example.com")
        await sign_in(bob_client, "bob@example.com")
        demote_self = await client.patch(f"/ui-api/orgs/acme/members/{ada}", json={"role": "member"})
        leave = await client.delete(f"/ui-api/orgs/acme/members/{ada}")
        bad_role = await client.patch(f"/ui-api/orgs/acme/members/{bob}", json={"role": "owner"})
        not_member = await client.patch(f"/ui-api/orgs/acme/members/{outsider}", json={"role": "guest"})
        project_role = await client.put(
            f"/ui-api/orgs/acme/projects/web/members/{bob}", json={"role": "read"}
        )
        outsider_role = await client.put(
            f"/ui-api/orgs/acme/projects/web/members/{outsider}", json={"role": "read"}
        )
        bob_sees = (await bob_client.get("/ui-api/orgs/acme/projects/web")).json()["role"]
        promote = await client.patch(f"/ui-api/orgs/acme/members/{bob}", json={"role": "admin"})
        now_leave = await client.delete(f"/ui-api/orgs/acme/members/{ada}")
        members = await bob_client.get("/ui-api/orgs/acme/members")
        bob_leaves = await bob_client.delete(f"/ui-api/orgs/acme/members/{bob}")
    assert demote_self.status_code == 409
    assert leave.status_code == 409
    assert bad_role.status_code == 422
    assert not_member.status_code == 404
    assert project_role.json()["role"] == "read"
    assert outsider_role.status_code == 404
    assert bob_sees == "read"  # a project role overrides the member's default write
    assert promote.json()["role"] == "admin"
    assert now_leave.status_code == 204
    assert [(m["user"]["email"], m["role"]) for m in members.json()] == [("bob@example.com", "admin")]
    assert bob_leaves.status_code == 409  # now the last admin


async def test_invitations_accept_and_register(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com")
    await make_user(db_pool, "bob@example.com")
    await join_org(db_pool, acme.organization_id, ada, "admin")
    app = create_app(backend_settings(database_url, redis_url))
    async with app_client(app) as admin, browser(app) as bob, browser(app) as carol:
        await sign_in(admin, "ada@example.com")
        await sign_in(bob, "bob@example.com")
        for_bob = (
            await admin.post("/ui-api/orgs/acme/invitations", json={"email": "bob@example.com"})
        ).json()
        for_carol = await admin.post(
            "/ui-api/orgs/acme/invitations", json={"email": "carol@example.com", "role": "guest"}
        )
        not_email = await admin.post("/ui-api/orgs/acme/invitations", json={"email": "carol"})
        pending = (await admin.get("/ui-api/orgs/acme/invitations")).json()

        bob_token = parse_qs(urlsplit(for_bob["accept_url"]).query)["token"][0]
        carol_token = parse_qs(urlsplit(for_carol.json()["accept_url"]).query)["token"][0]
        wrong_person = await bob.post("/ui-api/invitations/accept", json={"token": carol_token})
        accepted = await bob.post("/ui-api/invitations/accept", json={"token": bob_token})
        reused = await bob.post("/ui-api/invitations/accept", json={"token": bob_token})
        existing = await carol.post(
            "/ui-api/auth/register", json={"token": bob_token, "password": "long enough pw"}
        )
        short = await carol.post("/ui-api/auth/register", json={"token": carol_token, "password": "short"})
        registered = await carol.post(
            "/ui-api/auth/register",
            json={"token": carol_token, "password": "long enough pw", "name": "Carol"},
        )
        carol_me = await carol.get("/ui-api/me")
        revoke = await admin.post("/ui-api/orgs/acme/invitations", json={"email": "dan@example.com"})
        revoked = await admin.delete(f"/ui-api/orgs/acme/invitations/{revoke.json()['id']}")
        revoked_twice = await admin.delete(f"/ui-api/orgs/acme/invitations/{revoke.json()['id']}")
    assert for_bob["accept_url"].startswith("http://hearth.example:8080/invitations/accept?token=")
    assert not_email.status_code == 422
    assert {p["email"] for p in pending} == {"bob@example.com", "carol@example.com"}
    assert wrong_person.status_code == 422
    assert "carol@example.com" in wrong_person.json()["detail"]
    assert accepted.json()["organization"] == {
        **accepted.json()["organization"],
        "slug": "acme",
        "role": "member",
    }
    assert reused.status_code == 404
    assert existing.status_code == 404  # bob's invitation is used
    assert short.status_code == 422
    assert registered.status_code == 201, registered.text
    assert registered.json()["user"]["name"] == "Carol"
    assert [(o["slug"], o["role"]) for o in carol_me.json()["organizations"]] == [("acme", "guest")]
    assert revoked.status_code == 204
    assert revoked_twice.status_code == 404


async def test_register_refuses_an_email_with_an_account(
    app_client: AppClient, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com")
    await make_user(db_pool, "bob@example.com")
    await join_org(db_pool, acme.organization_id, ada, "admin")
    app = create_app(backend_settings(database_url, redis_url))
    async with (
        app_client(app) as admin,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as stranger,
    ):
        await sign_in(admin, "ada@example.com")
        link = (await admin.post("/ui-api/orgs/acme/invitations", json={"email": "BOB@example.com"})).json()
        token = parse_qs(urlsplit(link["accept_url"]).query)["token"][0]
        taken = await stranger.post(
            "/ui-api/auth/register", json={"token": token, "password": "long enough pw"}
        )
    assert taken.status_code == 409
    assert "sign in, then accept" in taken.json()["detail"]
