"""The built web UI: files with the right cache headers, ``index.html`` for client-side routes, never
HTML for API paths or missing assets, and a plain page when no UI is built."""

from __future__ import annotations

from pathlib import Path

from hearth_backend.app import create_app
from tests.backend.conftest import backend_settings
from tests.fixtures.apps import AppClient

INDEX = "<!doctype html><title>Hearth UI</title>"


def build(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-3f2a9c.js").write_text("console.log('hi')")
    (folder / "favicon.svg").write_text("<svg/>")
    (folder.parent / "secret.txt").write_text("outside the build")
    return folder


async def test_files_routes_and_fallback(
    app_client: AppClient, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    ui = build(tmp_path / "dist")
    async with app_client(create_app(backend_settings(database_url, redis_url, ui_dir=ui))) as client:
        asset = await client.get("/assets/index-3f2a9c.js")
        icon = await client.get("/favicon.svg")
        html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what browsers send
        root = await client.get("/", headers=html)
        route = await client.get("/acme/web", params={"q": "trace_id='x'"}, headers=html)
        not_html = await client.get("/acme/web")
        missing_asset = await client.get("/assets/gone-123.js")
        traversal = await client.get("/..%2Fsecret.txt")
        api = [
            await client.get(path, headers=html)
            for path in ("/ui-api/nope", "/v1/nope", "/api/x", "/.well-known/x")
        ]
        head = await client.head("/acme", headers=html)
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]
    assert icon.headers["cache-control"] == "no-cache"
    for page in (root, route):
        assert page.status_code == 200
        assert page.text == INDEX
        assert page.headers["cache-control"] == "no-cache"
        assert page.headers["content-type"].startswith("text/html")
    assert not_html.status_code == 404  # API clients get a problem for an unknown path
    assert not_html.headers["content-type"] == "application/problem+json"
    assert missing_asset.status_code == 404
    assert traversal.text != "outside the build"
    for response in api:
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    assert head.status_code == 200


async def test_without_a_build(
    app_client: AppClient, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    settings = backend_settings(database_url, redis_url, ui_dir=tmp_path / "not-built")
    async with app_client(create_app(settings)) as client:
        page = await client.get("/acme/web", headers={"Accept": "text/html"})
        health = await client.get("/health")
    assert page.status_code == 200
    assert "The web UI is not built" in page.text
    assert health.json()["status"] == "ok"  # API routes still win
