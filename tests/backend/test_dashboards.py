"""Dashboards through ``/ui-api``: CRUD with precise errors, optimistic concurrency, export/import round
trip, tenant isolation, and the standard dashboards (installed at project creation and lazily, never
twice)."""

from __future__ import annotations

import copy
from typing import Any

from tests.backend.workspace_world import ACME, BILLING, WEB, WorkspaceWorld, problem, ws

__all__ = ["ws"]

STANDARD = {"overview", "exceptions", "web-server-metrics", "system-metrics"}


def panel(panel_id: str = "p1", **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": panel_id,
        "title": "Requests",
        "sql": "SELECT time_bucket($resolution, start_timestamp) AS x, count() AS n FROM records GROUP BY x",
        "chart": "time_series",
        "layout": {"x": 0, "y": 0, "w": 6, "h": 8},
    }
    value.update(changes)
    return value


def dashboard(slug: str = "latency", **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "slug": slug,
        "title": "Latency",
        "description": "p95 by route",
        "definition": {
            "panels": [
                panel(),
                panel("p2", chart="table", layout={"x": 6, "y": 0, "w": 6, "h": 4}, unit="ms"),
            ],
            "variables": [
                {"name": "service", "label": "Service", "default": "web", "options": ["web", "api"]}
            ],
        },
    }
    value.update(changes)
    return value


async def test_standard_dashboards_are_installed_once_for_an_existing_project(ws: WorkspaceWorld) -> None:
    listed = await ws["reader"].get(f"{WEB}/dashboards")
    assert listed.status_code == 200, listed.text
    items = listed.json()
    assert {item["slug"] for item in items} == STANDARD
    assert {item["standard"] for item in items} == STANDARD
    assert all("definition" not in item for item in items)
    overview = (await ws["reader"].get(f"{WEB}/dashboards/overview")).json()
    assert overview["definition"]["panels"]
    assert overview["version"] == 1

    deleted = await ws["writer"].delete(f"{WEB}/dashboards/exceptions")
    assert deleted.status_code == 204
    again = {item["slug"] for item in (await ws["reader"].get(f"{WEB}/dashboards")).json()}
    assert again == STANDARD - {"exceptions"}  # a deleted standard dashboard stays deleted


async def test_a_new_project_starts_with_the_standard_dashboards(ws: WorkspaceWorld) -> None:
    created = await ws["writer"].post(f"{ACME}/projects", json={"slug": "shop"})
    assert created.status_code == 201, created.text
    rows = await ws.pool.fetch(
        "SELECT slug, standard FROM dashboards WHERE project_id = $1", created.json()["id"]
    )
    assert {row["standard"] for row in rows} == STANDARD
    assert {row["slug"] for row in rows} == STANDARD


async def test_create_read_update_delete(ws: WorkspaceWorld) -> None:
    writer, reader = ws["writer"], ws["reader"]
    created = await writer.post(f"{WEB}/dashboards", json=dashboard())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["version"] == 1
    assert body["standard"] is None
    assert body["definition"]["panels"][1]["unit"] == "ms"  # extra panel keys are kept
    assert body["definition"]["variables"][0]["options"] == ["web", "api"]

    duplicate = await writer.post(f"{WEB}/dashboards", json=dashboard())
    assert duplicate.status_code == 409
    assert problem(duplicate)["type"] == "urn:hearth:problem:already-exists"

    fetched = (await reader.get(f"{WEB}/dashboards/latency")).json()
    assert fetched == body
    refused = await reader.put(f"{WEB}/dashboards/latency", json={**dashboard(), "version": 1})
    assert refused.status_code == 403

    changed = dashboard(title="Latency v2", version=1)
    saved = await writer.put(f"{WEB}/dashboards/latency", json=changed)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    assert saved.json()["title"] == "Latency v2"

    stale = await ws["admin"].put(f"{WEB}/dashboards/latency", json=dashboard(title="Mine", version=1))
    assert stale.status_code == 409
    assert "version 2" in problem(stale)["detail"]
    assert (await reader.get(f"{WEB}/dashboards/latency")).json()["title"] == "Latency v2"

    renamed = await writer.put(f"{WEB}/dashboards/latency", json=dashboard("p95", version=2))
    assert renamed.status_code == 200
    assert renamed.json()["slug"] == "p95"
    await reader.get(f"{WEB}/dashboards")  # installs the standard ones
    taken = await writer.put(f"{WEB}/dashboards/p95", json=dashboard("overview", version=3))
    assert taken.status_code == 409
    missing = await writer.put(f"{WEB}/dashboards/nosuch", json=dashboard(version=1))
    assert missing.status_code == 404

    assert (await writer.delete(f"{WEB}/dashboards/p95")).status_code == 204
    gone = await reader.get(f"{WEB}/dashboards/p95")
    assert gone.status_code == 404
    assert problem(gone)["type"] == "urn:hearth:problem:not-found"
    assert (await writer.delete(f"{WEB}/dashboards/p95")).status_code == 404


async def test_a_missing_slug_comes_from_the_title(ws: WorkspaceWorld) -> None:
    body = dashboard(title="Checkout — Errors!")
    del body["slug"]
    created = await ws["writer"].post(f"{WEB}/dashboards", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "checkout-errors"


async def test_definitions_are_validated(ws: WorkspaceWorld) -> None:
    def with_panel(**changes: Any) -> dict[str, Any]:
        body = dashboard()
        body["definition"]["panels"] = [panel(**changes)]
        return body

    duplicate_ids = dashboard()
    duplicate_ids["definition"]["panels"] = [panel("a"), panel("a")]
    bad_variable = dashboard()
    bad_variable["definition"]["variables"] = [{"name": "not valid", "default": ""}]
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "chart": (with_panel(chart="heatmap"), "chart"),
        "outside the grid": (with_panel(layout={"x": 8, "y": 0, "w": 6, "h": 4}), "layout"),
        "negative": (with_panel(layout={"x": 0, "y": -1, "w": 6, "h": 4}), "y"),
        "float layout": (with_panel(layout={"x": 0.5, "y": 0, "w": 6, "h": 4}), "x"),
        "empty sql": (with_panel(sql=""), "sql"),
        "duplicate ids": (duplicate_ids, "appears twice"),
        "variable name": (bad_variable, "name"),
        "slug": (dashboard("Not A Slug"), "slug"),
        "title": (dashboard(title=""), "title"),
    }
    for name, (body, mentioned) in cases.items():
        response = await ws["writer"].post(f"{WEB}/dashboards", json=body)
        assert response.status_code == 422, (name, response.text)
        assert mentioned in response.text, (name, response.text)
    unknown_key = dashboard()
    unknown_key["definition"]["rows"] = []
    assert (await ws["writer"].post(f"{WEB}/dashboards", json=unknown_key)).status_code == 422


async def test_export_import_round_trip(ws: WorkspaceWorld) -> None:
    writer = ws["writer"]
    original = (await writer.post(f"{WEB}/dashboards", json=dashboard())).json()
    exported = await ws["reader"].get(f"{WEB}/dashboards/latency/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="latency.json"'
    file = exported.json()
    assert set(file) == {"slug", "title", "description", "definition"}

    copy_one = await writer.post(f"{WEB}/dashboards/import", json=file)
    copy_two = await writer.post(f"{WEB}/dashboards/import", json=file)
    assert copy_one.status_code == copy_two.status_code == 201, copy_one.text
    assert (copy_one.json()["slug"], copy_two.json()["slug"]) == ("latency-2", "latency-3")
    assert copy_one.json()["definition"] == original["definition"]
    assert copy_one.json()["title"] == original["title"]

    elsewhere = await ws["other"].post(f"{BILLING}/dashboards/import", json=file)
    assert elsewhere.status_code == 201
    assert elsewhere.json()["slug"] == "latency"
    assert elsewhere.json()["definition"] == original["definition"]

    broken = copy.deepcopy(file)
    broken["definition"]["panels"][0]["chart"] = "gauge"
    assert (await writer.post(f"{WEB}/dashboards/import", json=broken)).status_code == 422


async def test_another_tenants_dashboards_are_not_found(ws: WorkspaceWorld) -> None:
    await ws["other"].post(f"{BILLING}/dashboards", json=dashboard("secret"))
    admin = ws["admin"]
    for response in (
        await admin.get(f"{BILLING}/dashboards"),
        await admin.get(f"{BILLING}/dashboards/secret"),
        await admin.delete(f"{BILLING}/dashboards/secret"),
    ):
        assert response.status_code == 404
        assert problem(response)["type"] == "urn:hearth:problem:organization-not-found"
    assert (await admin.get(f"{WEB}/dashboards/secret")).status_code == 404
    assert (await ws["other"].get(f"{BILLING}/dashboards/secret")).status_code == 200
