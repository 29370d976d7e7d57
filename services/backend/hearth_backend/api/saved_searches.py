"""``/ui-api/orgs/{org}/projects/{project}/saved-searches``: a project's saved searches (read: project
read+; create, change, delete: project write+)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from hearth_backend.auth.deps import ProjectReader, ProjectWriter
from hearth_backend.state import BackendDep
from hearth_backend.workspace import saved_searches
from hearth_backend.workspace.saved_searches import SavedSearch, SavedSearchIn

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}/saved-searches", tags=["saved searches"])


@router.get("", summary="The project's saved searches (read+)")
async def list_searches(ctx: ProjectReader, backend: BackendDep) -> list[SavedSearch]:
    return await saved_searches.list_searches(backend.db, ctx.project.id)


@router.post("", status_code=201, summary="Save a search (write+); 409 when the name is taken")
async def create_search(body: SavedSearchIn, ctx: ProjectWriter, backend: BackendDep) -> SavedSearch:
    return await saved_searches.create_search(backend.db, ctx.project.id, body, created_by=ctx.user.id)


@router.put("/{search_id}", summary="Rename or change a saved search (write+)")
async def update_search(
    search_id: uuid.UUID, body: SavedSearchIn, ctx: ProjectWriter, backend: BackendDep
) -> SavedSearch:
    return await saved_searches.update_search(backend.db, ctx.project.id, search_id, body)


@router.delete("/{search_id}", status_code=204, summary="Delete a saved search (write+)")
async def delete_search(search_id: uuid.UUID, ctx: ProjectWriter, backend: BackendDep) -> Response:
    await saved_searches.delete_search(backend.db, ctx.project.id, search_id)
    return Response(status_code=204)
