"""Organization API keys: org admins create (text shown once, only the SHA-256 stored), list and
revoke them; a key authenticates the public API until revoked or expired."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from tests.backend.workspace_world import ACME, GLOBEX, WorkspaceWorld, problem, ws

__all__ = ["ws"]

KEYS = f"{ACME}/api-keys"


async def test_create_use_revoke(ws: WorkspaceWorld) -> None:
    admin = ws["admin"]
    created = await admin.post(KEYS, json={"name": "ci", "role": "guest"})
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith("hearth_oak_")
    assert len(key["key"]) == len("hearth_oak_") + 48
    assert key["hint"] == key["key"][: len("hearth_oak_") + 4] + "…"
    assert key["role"] == "guest"
    stored = await ws.pool.fetchval("SELECT key_hash FROM org_api_keys WHERE id = $1", key["id"])
    assert bytes(stored) == hashlib.sha256(key["key"].encode()).digest()
    listed = (await admin.get(KEYS)).json()
    assert [k["id"] for k in listed] == [key["id"]]
    assert "key" not in listed[0]
    assert listed[0]["last_used_at"] is None

    auth = {"Authorization": f"Bearer {key['key']}"}
    projects = await admin.get("/api/v1/projects", headers=auth)
    assert projects.status_code == 200, projects.text
    assert [p["slug"] for p in projects.json()] == ["web"]
    assert (await admin.get(KEYS)).json()[0]["last_used_at"] is not None

    assert (await admin.delete(f"{KEYS}/{key['id']}")).status_code == 204
    assert (await admin.delete(f"{KEYS}/{key['id']}")).status_code == 204  # again: fine
    refused = await admin.get("/api/v1/projects", headers=auth)
    assert refused.status_code == 401
    assert problem(refused)["type"] == "urn:hearth:problem:invalid-api-key"
    assert (await admin.get(KEYS)).json()[0]["revoked_at"] is not None


async def test_expiry_and_validation(ws: WorkspaceWorld) -> None:
    admin = ws["admin"]
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert (await admin.post(KEYS, json={"name": "x", "expires_at": past})).status_code == 422
    assert (await admin.post(KEYS, json={"name": ""})).status_code == 422
    assert (await admin.post(KEYS, json={"name": "x", "role": "owner"})).status_code == 422
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    soon = (await admin.post(KEYS, json={"name": "soon", "expires_at": later})).json()
    assert soon["role"] == "member"  # the default
    auth = {"Authorization": f"Bearer {soon['key']}"}
    assert (await admin.get("/api/v1/projects", headers=auth)).status_code == 200
    await ws.pool.execute(
        "UPDATE org_api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", soon["id"]
    )
    assert (await admin.get("/api/v1/projects", headers=auth)).status_code == 401


async def test_only_org_admins_manage_keys_of_their_organization(ws: WorkspaceWorld) -> None:
    theirs = (await ws["other"].post(f"{GLOBEX}/api-keys", json={"name": "globex"})).json()
    assert (await ws["writer"].get(KEYS)).status_code == 403
    assert (await ws["writer"].post(KEYS, json={"name": "x"})).status_code == 403
    missing = await ws["admin"].delete(f"{KEYS}/{theirs['id']}")
    assert missing.status_code == 404
    assert problem(missing)["type"] == "urn:hearth:problem:not-found"
    assert (await ws["admin"].get(f"{GLOBEX}/api-keys")).status_code == 404
    # globex's key sees globex only
    auth = {"Authorization": f"Bearer {theirs['key']}"}
    assert [p["slug"] for p in (await ws["admin"].get("/api/v1/projects", headers=auth)).json()] == [
        "billing"
    ]
    assert (await ws["admin"].get("/api/v1/projects/web/alerts", headers=auth)).status_code == 404
