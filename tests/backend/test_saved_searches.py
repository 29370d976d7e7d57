"""Saved searches through ``/ui-api``: CRUD, unique names, validation, tenant isolation."""

from __future__ import annotations

import uuid
from typing import Any

from tests.backend.workspace_world import BILLING, WEB, WorkspaceWorld, problem, ws

__all__ = ["ws"]

PATH = f"{WEB}/saved-searches"


async def test_create_read_update_delete(ws: WorkspaceWorld) -> None:
    view = {"where": "level >= 'error'", "time_range": "last 1h", "columns": ["message"]}
    created = await ws["writer"].post(PATH, json={"name": "Errors", "query": view})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["query"] == view
    assert (await ws["guest"].get(PATH)).json() == [body]
    assert (await ws["reader"].post(PATH, json={"name": "mine"})).status_code == 403
    assert (await ws["writer"].post(PATH, json={"name": "Errors"})).status_code == 409

    other = (await ws["writer"].post(PATH, json={"name": "Slow"})).json()
    assert other["query"] == {}
    renamed = await ws["writer"].put(
        f"{PATH}/{body['id']}", json={"name": "Errors 2", "query": {"where": "x"}}
    )
    assert renamed.status_code == 200
    assert renamed.json()["query"] == {"where": "x"}
    clash = await ws["writer"].put(f"{PATH}/{other['id']}", json={"name": "Errors 2"})
    assert clash.status_code == 409
    assert [s["name"] for s in (await ws["reader"].get(PATH)).json()] == ["Errors 2", "Slow"]

    assert (await ws["writer"].delete(f"{PATH}/{body['id']}")).status_code == 204
    assert (await ws["writer"].delete(f"{PATH}/{body['id']}")).status_code == 404
    missing = await ws["writer"].put(f"{PATH}/{uuid.uuid4()}", json={"name": "x"})
    assert missing.status_code == 404


async def test_validation(ws: WorkspaceWorld) -> None:
    bodies: list[dict[str, Any]] = [
        {"name": ""},
        {"name": "x", "query": "level > 1"},
        {"name": "x", "query": {"sql": "x" * 70_000}},
        {"query": {}},
    ]
    for body in bodies:
        response = await ws["writer"].post(PATH, json=body)
        assert response.status_code == 422, (body, response.text)


async def test_another_tenants_searches_are_not_found(ws: WorkspaceWorld) -> None:
    theirs = (await ws["other"].post(f"{BILLING}/saved-searches", json={"name": "secret"})).json()
    for response in (
        await ws["admin"].put(f"{PATH}/{theirs['id']}", json={"name": "mine"}),
        await ws["admin"].delete(f"{PATH}/{theirs['id']}"),
    ):
        assert response.status_code == 404
        assert problem(response)["type"] == "urn:hearth:problem:not-found"
    assert (await ws["admin"].get(f"{BILLING}/saved-searches")).status_code == 404
    assert (await ws["admin"].get(PATH)).json() == []
