"""Alert queries through the query API: ``POST /v2/query`` with a signed internal grant for the alert's
project, so an alert reads exactly what its project's users read, with the same dialect and limits."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

import httpx
import orjson

from hearth_maintenance.errors import AlertQueryFailed
from hearth_shared.internal_auth import issue_project_grant

Row = dict[str, Any]

#: Any data at all in the window? One cheap row from either table.
PRESENCE_SQL = "SELECT 1 AS present FROM records UNION ALL SELECT 1 AS present FROM metrics LIMIT 1"
_ACCEPT = "application/json, application/problem+json;q=0.9"
_MAX_ERROR = 500


def result_hash(rows: list[Row]) -> str:
    """A digest of the rows as a set (order-insensitive, duplicates counted): what ``result_changes``
    compares between runs."""
    encoded = sorted(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) for row in rows)
    digest = hashlib.sha256()
    for line in encoded:
        digest.update(len(line).to_bytes(8, "big"))
        digest.update(line)
    return digest.hexdigest()


def _failure_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        detail: str = body["detail"]
    else:
        detail = response.text.strip() or response.reason_phrase
    detail = detail if len(detail) <= _MAX_ERROR else detail[: _MAX_ERROR - 1] + "…"
    return f"the query API answered {response.status_code}: {detail}"


class AlertQueries:
    """Runs alert SQL for a project over a time window; raises :class:`AlertQueryFailed`."""

    def __init__(self, client: httpx.AsyncClient, *, secret_key: str, max_rows: int, timeout: float) -> None:
        self.client = client  # base_url: the query API
        self.secret_key = secret_key
        self.max_rows = max_rows
        self.timeout = timeout

    async def rows(self, project_id: uuid.UUID, sql: str, start: datetime, end: datetime) -> list[Row]:
        return await self._query(project_id, sql, start, end, self.max_rows)

    async def has_data(self, project_id: uuid.UUID, start: datetime, end: datetime) -> bool:
        return bool(await self._query(project_id, PRESENCE_SQL, start, end, 1))

    async def _query(
        self, project_id: uuid.UUID, sql: str, start: datetime, end: datetime, limit: int
    ) -> list[Row]:
        body = {
            "sql": sql,
            "min_timestamp": start.isoformat(),
            "max_timestamp": end.isoformat(),
            "limit": limit,
        }
        headers = {
            "Authorization": issue_project_grant(self.secret_key, project_id, ttl=self.timeout + 60),
            "Accept": _ACCEPT,
        }
        try:
            response = await self.client.post("/v2/query", json=body, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise AlertQueryFailed(f"the query API did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise AlertQueryFailed(f"the query API is unreachable: {exc or type(exc).__name__}") from exc
        if response.status_code != 200:
            raise AlertQueryFailed(_failure_detail(response))
        try:
            data = response.json()["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AlertQueryFailed("the query API answered with an unexpected body") from exc
        if not isinstance(data, list):
            raise AlertQueryFailed("the query API answered with an unexpected body")
        return data
