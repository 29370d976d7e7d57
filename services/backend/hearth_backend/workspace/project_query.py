"""Queries the backend itself runs on a project's data (environments, autocomplete): ``POST /v2/query``
on the query API with a short-lived internal grant for the project, answered as JSON rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson

from hearth_backend.errors import QueryApiUnavailable
from hearth_backend.query_forward import QueryForwarder
from hearth_shared.internal_auth import issue_project_grant

_HEADERS = [
    (b"content-type", b"application/json"),
    (b"accept", b"application/json, application/problem+json;q=0.9"),
]


async def project_rows(
    forwarder: QueryForwarder,
    secret_key: str,
    project_id: uuid.UUID,
    sql: str,
    *,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[dict[str, Any]]:
    """The rows of ``sql`` over ``[start, end)`` of the project; 502 when the query API fails it."""
    body = {"sql": sql, "min_timestamp": start.isoformat(), "max_timestamp": end.isoformat(), "limit": limit}
    grant = issue_project_grant(secret_key, project_id)
    answer = await forwarder.post(
        "/v2/query", orjson.dumps(body), [*_HEADERS, (b"authorization", grant.encode())]
    )
    try:
        parsed = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        parsed = None
    if answer.status_code != 200 or not isinstance(parsed, dict) or not isinstance(parsed.get("data"), list):
        detail = parsed.get("detail") if isinstance(parsed, dict) else None
        raise QueryApiUnavailable(
            f"the query API answered {answer.status_code} to a query of the backend's own: "
            f"{detail or 'no detail'}"
        )
    rows: list[dict[str, Any]] = parsed["data"]
    return rows
