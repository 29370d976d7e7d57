"""Request parameters shared by ``POST /v2/query`` and ``GET /v1/query``, checked into a QueryRequest.

Anything wrong with them is a 422 naming the field (the client raises ``QueryRequestError``).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime

from hearth_query_api.query import TimeWindow
from hearth_query_api.service import QueryRequest
from hearth_shared.errors import UnprocessableEntity

_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


def check_timezone(name: str | None) -> str | None:
    """An IANA zone name (``Europe/Paris``) or a fixed offset (``+02:00``); None/empty means UTC."""
    if not name:
        return None
    if _OFFSET.match(name):
        return name
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnprocessableEntity(
            f"timezone: unknown time zone {name!r}; use an IANA name such as 'Europe/Paris' or an offset "
            "such as '+02:00'"
        ) from None
    return name


def check_limit(limit: int | None, *, default: int, maximum: int) -> int:
    if limit is None:
        return default
    if limit < 1 or limit > maximum:
        raise UnprocessableEntity(f"limit: must be between 1 and {maximum}, got {limit}")
    return limit


def utc(value: datetime) -> datetime:
    """Naive timestamps are taken as UTC (as the query client does before sending)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def query_request(
    *,
    sql: str,
    min_timestamp: datetime,
    max_timestamp: datetime | None,
    limit: int | None,
    default_limit: int,
    max_limit: int,
    timezone: str | None = None,
    environments: list[str] | None = None,
    explain: bool = False,
) -> QueryRequest:
    if not sql.strip():
        raise UnprocessableEntity("sql: must not be empty")
    low = utc(min_timestamp)
    high = utc(max_timestamp) if max_timestamp is not None else None
    if high is not None and high < low:
        raise UnprocessableEntity("max_timestamp: must not be before min_timestamp")
    return QueryRequest(
        sql=sql,
        window=TimeWindow(low, high),
        limit=check_limit(limit, default=default_limit, maximum=max_limit),
        timezone=check_timezone(timezone),
        environments=tuple(environments) if environments else None,
        explain=explain,
    )
