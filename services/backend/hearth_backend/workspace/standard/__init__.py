"""The standard dashboards every project starts with, shipped as JSON beside this module:

- ``overview``: requests (root spans), errors, latency, levels, services, slowest spans (``records``);
- ``exceptions``: exception counts over time, by type and by message (``records``);
- ``web-server-metrics``: the ``http.server.duration`` histogram of OpenTelemetry's HTTP server
  instrumentations (``metrics``);
- ``system-metrics``: what ``logfire.instrument_system_metrics()`` sends by default (``metrics``).

They are installed when a project is created and, for projects made before (or by other paths), the
first time its dashboards are listed. ``projects.standard_dashboards`` records which were installed, so
one a user deleted stays deleted, and one added by a later release reaches existing projects once.
"""

from __future__ import annotations

import functools
import uuid
from importlib import resources
from typing import Final

import orjson

from hearth_backend.workspace.dashboards import DashboardExport
from hearth_shared.db import DatabasePool
from hearth_shared.tokens import Executor

STANDARD_NAMES: Final = ("overview", "exceptions", "web-server-metrics", "system-metrics")


@functools.cache
def standard_dashboards() -> dict[str, DashboardExport]:
    """name → definition (the name is also the slug it is installed under)."""
    folder = resources.files(__package__)
    loaded = {}
    for name in STANDARD_NAMES:
        data = orjson.loads((folder / f"{name}.json").read_bytes())
        loaded[name] = DashboardExport.model_validate(data)
    return loaded


async def install_standard_dashboards(db: Executor, project_id: uuid.UUID) -> list[str]:
    """Install the standard dashboards this project never had; returns their names. Run it inside a
    transaction: the project row is locked, so concurrent callers install each one once. A slug the
    project already uses for a dashboard of its own is left alone (that standard one is skipped)."""
    installed = await db.fetchval(
        "SELECT standard_dashboards FROM projects WHERE id = $1 FOR UPDATE", project_id
    )
    if installed is None:
        return []
    missing = [name for name in STANDARD_NAMES if name not in installed]
    for name in missing:
        dashboard = standard_dashboards()[name]
        await db.execute(
            """
            INSERT INTO dashboards (project_id, slug, title, description, definition, standard)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, slug) DO NOTHING
            """,
            project_id,
            dashboard.slug,
            dashboard.title,
            dashboard.description,
            dashboard.definition.model_dump(mode="json", exclude_none=True),
            name,
        )
    if missing:
        await db.execute(
            "UPDATE projects SET standard_dashboards = standard_dashboards || $2::text[] WHERE id = $1",
            project_id,
            missing,
        )
    return missing


async def ensure_standard_dashboards(pool: DatabasePool, project_id: uuid.UUID) -> None:
    """Install what is missing (a cheap read when nothing is, the usual case)."""
    complete = await pool.fetchval(
        "SELECT standard_dashboards @> $2::text[] FROM projects WHERE id = $1",
        project_id,
        list(STANDARD_NAMES),
    )
    if complete is False:
        async with pool.acquire() as conn, conn.transaction():
            await install_standard_dashboards(conn, project_id)
