"""Saved searches of a project: a name and whatever view state the UI restores (``query``, a JSON
object: its where clause, SQL, time range, columns…). Names are unique per project."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Final

import asyncpg
import orjson
from pydantic import BaseModel, Field, StringConstraints, field_validator

from hearth_backend.errors import AlreadyExists, ResourceNotFound
from hearth_backend.tenancy.rows import as_uuid
from hearth_shared.tokens import Executor

MAX_QUERY_BYTES: Final = 64 * 1024


class SavedSearchIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    query: dict[str, Any] = Field(default_factory=dict, description="The view state to restore")

    @field_validator("query")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(orjson.dumps(value)) > MAX_QUERY_BYTES:
            raise ValueError(f"must be at most {MAX_QUERY_BYTES} bytes of JSON")
        return value


class SavedSearch(BaseModel):
    id: uuid.UUID
    name: str
    query: dict[str, Any]
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


_COLUMNS: Final = "id, name, query, created_by, created_at, updated_at"


def _search(row: asyncpg.Record) -> SavedSearch:
    return SavedSearch(
        id=as_uuid(row["id"]),
        name=row["name"],
        query=row["query"],
        created_by=None if row["created_by"] is None else as_uuid(row["created_by"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _not_found(search_id: uuid.UUID) -> ResourceNotFound:
    return ResourceNotFound(f"the project has no saved search {search_id}")


def _name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(f"the project has a saved search named {name!r} already")


async def list_searches(db: Executor, project_id: uuid.UUID) -> list[SavedSearch]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM saved_searches WHERE project_id = $1 ORDER BY name", project_id
    )
    return [_search(row) for row in rows]


async def create_search(
    db: Executor, project_id: uuid.UUID, body: SavedSearchIn, *, created_by: uuid.UUID | None
) -> SavedSearch:
    try:
        row = await db.fetchrow(
            f"""
            INSERT INTO saved_searches (project_id, name, query, created_by) VALUES ($1, $2, $3, $4)
            RETURNING {_COLUMNS}
            """,
            project_id,
            body.name,
            body.query,
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise _name_taken(body.name) from exc
    assert row is not None
    return _search(row)


async def update_search(
    db: Executor, project_id: uuid.UUID, search_id: uuid.UUID, body: SavedSearchIn
) -> SavedSearch:
    try:
        row = await db.fetchrow(
            f"""
            UPDATE saved_searches SET name = $3, query = $4, updated_at = now()
            WHERE project_id = $1 AND id = $2 RETURNING {_COLUMNS}
            """,
            project_id,
            search_id,
            body.name,
            body.query,
        )
    except asyncpg.UniqueViolationError as exc:
        raise _name_taken(body.name) from exc
    if row is None:
        raise _not_found(search_id)
    return _search(row)


async def delete_search(db: Executor, project_id: uuid.UUID, search_id: uuid.UUID) -> None:
    deleted = await db.fetchval(
        "DELETE FROM saved_searches WHERE project_id = $1 AND id = $2 RETURNING id", project_id, search_id
    )
    if deleted is None:
        raise _not_found(search_id)
