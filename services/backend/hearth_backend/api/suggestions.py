"""``GET .../environments`` and ``GET .../autocomplete`` of a project (read+): values the UI offers in
pickers and while typing, from recent records, cached in Redis
(:mod:`hearth_backend.workspace.suggestions`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hearth_backend.auth.deps import ProjectReader
from hearth_backend.state import BackendDep
from hearth_backend.workspace.suggestions import matching
from hearth_shared.schema import RECORDS_SCHEMA

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}", tags=["suggestions"])

_COLUMN_NAMES = [field.name for field in RECORDS_SCHEMA]


class Suggested(BaseModel):
    values: list[str]


@router.get("/environments", summary="Deployment environments seen recently, by name (read+)")
async def environments(ctx: ProjectReader, backend: BackendDep) -> list[str]:
    return await backend.suggestions.environments(ctx.project.id)


@router.get("/autocomplete", summary="Values to complete while typing, most frequent first (read+)")
async def autocomplete(
    ctx: ProjectReader,
    backend: BackendDep,
    *,
    kind: Literal["column", "attribute_key", "value"] = Query(
        description="`column`: columns of `records`; `attribute_key`: keys of a JSON column; `value`: values"
    ),
    column: str = Query(default="", max_length=100, description="The column (for attribute_key and value)"),
    key: str | None = Query(default=None, description="With column=attributes: the attribute whose values"),
    prefix: str = Query(default="", max_length=500, description="Only values starting so (case-insensitive)"),
    limit: int = Query(default=100, ge=1, le=1000),
) -> Suggested:
    if kind == "column":
        return Suggested(values=matching(_COLUMN_NAMES, prefix, limit))
    values = await backend.suggestions.values(
        ctx.project.id, kind, column, key=key, prefix=prefix, limit=limit
    )
    return Suggested(values=values)
