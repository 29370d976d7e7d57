"""Environments and autocomplete: the distinct values users pick from, computed by SQL over a recent
window of the project's ``records`` through the query API and cached in Redis for a minute.

- environments: distinct ``deployment_environment`` values, by name;
- ``attribute_key``: top-level keys of a JSON column (``attributes``, ``otel_resource_attributes``,
  ``otel_scope_attributes``), most frequent first, from the newest rows of the window (a bounded sample);
- ``value`` of a column: its most frequent values; of an attribute (``column=attributes&key=k``): the
  most frequent values of that key.

One list per (project, kind, column, key) is cached; the ``prefix`` filter (case-insensitive) is applied
to the cached list, so typing does not query again. Request identifiers never reach SQL unchecked:
columns must be columns of the ``records`` schema of a suitable type, and an attribute key is written as
a string literal with its quotes doubled.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import redis.asyncio as aioredis

from hearth_backend.errors import InvalidInput
from hearth_backend.query_forward import QueryForwarder
from hearth_backend.workspace.project_query import project_rows
from hearth_shared.schema import RECORDS_SCHEMA

SuggestionKind = Literal["attribute_key", "value"]
JSON_COLUMNS: Final = ("attributes", "otel_resource_attributes", "otel_scope_attributes")
#: Identifiers and payloads: no one picks among their values.
_NOT_SUGGESTED: Final = frozenset(
    {"project_id", "trace_id", "span_id", "parent_span_id", "exception_stacktrace", "attributes_json_schema",
     "otel_events", "otel_links", "log_body", "url_full", "url_query", "message"}
)  # fmt: skip
#: Distinct values kept per list (the cached list); answers return at most ``limit`` of them.
MAX_VALUES: Final = 1000
#: Rows whose keys are counted for ``attribute_key``.
KEY_SAMPLE_ROWS: Final = 5000
CACHE_PREFIX: Final = "hearth:suggest:"


def _value_columns() -> frozenset[str]:
    suitable = []
    for field in RECORDS_SCHEMA:
        kind = field.type
        if field.name in _NOT_SUGGESTED or field.name in JSON_COLUMNS:
            continue
        if pa.types.is_string(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
            suitable.append(field.name)
    return frozenset(suitable)


VALUE_COLUMNS: Final = _value_columns()


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def suggestion_sql(kind: SuggestionKind, column: str, key: str | None) -> str:
    """The query listing the values; 422 for a column or key the kind does not take."""
    if kind == "attribute_key":
        if column not in JSON_COLUMNS:
            raise InvalidInput(
                f"column: attribute keys are listed for {', '.join(JSON_COLUMNS)}, not {column!r}"
            )
        return (
            f"SELECT k AS value, count() AS n FROM (SELECT unnest(json_keys({column})) AS k FROM "
            f"(SELECT {column} FROM records WHERE {column} IS NOT NULL LIMIT {KEY_SAMPLE_ROWS})) "
            f"GROUP BY k ORDER BY n DESC, k LIMIT {MAX_VALUES}"
        )
    if column in JSON_COLUMNS:
        if not key:
            raise InvalidInput(f"key: the values of {column} are listed per key; give key=<attribute key>")
        if len(key) > 500:
            raise InvalidInput("key: at most 500 characters")
        expression = f"{column}->>{sql_string(key)}"
        condition = f"{column} ? {sql_string(key)}"
    elif column in VALUE_COLUMNS:
        if key:
            raise InvalidInput(f"key: only the JSON columns ({', '.join(JSON_COLUMNS)}) take a key")
        expression, condition = column, f"{column} IS NOT NULL"
    else:
        raise InvalidInput(
            f"column: {column!r} is not a column whose values are suggested; use one of "
            f"{', '.join(sorted(VALUE_COLUMNS | set(JSON_COLUMNS)))}"
        )
    return (
        f"SELECT CAST({expression} AS VARCHAR) AS value, count() AS n FROM records WHERE {condition} "
        f"GROUP BY {expression} ORDER BY n DESC, value LIMIT {MAX_VALUES}"
    )


ENVIRONMENTS_SQL: Final = (
    "SELECT deployment_environment AS value FROM records WHERE deployment_environment IS NOT NULL "
    f"GROUP BY deployment_environment ORDER BY deployment_environment LIMIT {MAX_VALUES}"
)


def matching(values: list[str], prefix: str, limit: int) -> list[str]:
    folded = prefix.casefold()
    return [value for value in values if value.casefold().startswith(folded)][:limit]


class Suggestions:
    """Cached value lists of projects (see the module docstring)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        forwarder: QueryForwarder,
        secret_key: str,
        *,
        window: timedelta,
        cache_seconds: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.redis = redis
        self.forwarder = forwarder
        self.secret_key = secret_key
        self.window = window
        self.cache_seconds = cache_seconds
        self.clock = clock

    @staticmethod
    def cache_key(project_id: uuid.UUID, kind: str, column: str = "", key: str | None = None) -> str:
        key_digest = hashlib.sha256((key or "").encode()).hexdigest()[:32]
        return f"{CACHE_PREFIX}{project_id}:{kind}:{column}:{key_digest}"

    async def _cached(self, project_id: uuid.UUID, cache_key: str, sql: str) -> list[str]:
        cached = await self.redis.get(cache_key)
        if cached is not None:
            values: list[str] = orjson.loads(cached)
            return values
        end = self.clock()
        rows = await project_rows(
            self.forwarder,
            self.secret_key,
            project_id,
            sql,
            start=end - self.window,
            end=end,
            limit=MAX_VALUES,
        )
        values = [str(row["value"]) for row in rows if row.get("value") is not None]
        await self.redis.set(cache_key, orjson.dumps(values), ex=self.cache_seconds)
        return values

    async def values(
        self,
        project_id: uuid.UUID,
        kind: SuggestionKind,
        column: str,
        *,
        key: str | None,
        prefix: str,
        limit: int,
    ) -> list[str]:
        sql = suggestion_sql(kind, column, key if kind == "value" else None)
        cache_key = self.cache_key(project_id, kind, column, key if kind == "value" else None)
        return matching(await self._cached(project_id, cache_key, sql), prefix, limit)

    async def environments(self, project_id: uuid.UUID) -> list[str]:
        return await self._cached(project_id, self.cache_key(project_id, "environments"), ENVIRONMENTS_SQL)
