"""``GET /v2/live``: a project's new rows as Server-Sent Events (see :mod:`hearth_query_api.live`).

The backend relays its ``/ui-api/.../live`` here with an internal grant; a read token works too.
The filter is compiled before the response starts, so a bad WHERE is a 400 problem, not a broken stream.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from hearth_query_api.api.auth import ReadGrant
from hearth_query_api.api.deps import QueryApiDep
from hearth_query_api.api.route import QueryRoute
from hearth_query_api.live.stream import live_events
from hearth_query_api.live.tail import position_at
from hearth_query_api.live.where import LiveFilter
from hearth_shared.errors import UnprocessableEntity

router = APIRouter(route_class=QueryRoute, tags=["live"])

_POSITION = r"^\d{1,20}-\d{1,20}$"

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An endless `text/event-stream` of matching rows",
        "content": {"text/event-stream": {}},
    },
    400: {"description": "The filter is not a valid condition"},
    401: {"description": "Missing, unknown, revoked or expired token or grant"},
}


def _start(last_event_id: str | None, since: datetime | None) -> str | None:
    if last_event_id:
        if not _valid_position(last_event_id):
            raise UnprocessableEntity(f"Last-Event-ID {last_event_id!r} is not a live stream position")
        return last_event_id
    return position_at(since) if since is not None else None


def _valid_position(text: str) -> bool:
    ms, sep, seq = text.partition("-")
    return bool(sep) and ms.isdigit() and seq.isdigit() and len(text) <= 41


@router.get(
    "/v2/live",
    summary="Stream new rows matching a filter",
    responses=_RESPONSES,
    response_class=StreamingResponse,
)
async def live(
    grant: ReadGrant,
    api: QueryApiDep,
    where: Annotated[str | None, Query(max_length=10_000, description="A condition, as after WHERE")] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Also replay rows that reached the tail since then")
    ] = None,
    last_event_id: Annotated[
        str | None, Header(description="Resume after this position (EventSource sends it on reconnect)")
    ] = None,
) -> StreamingResponse:
    live_filter = await asyncio.to_thread(LiveFilter.compile, where)  # plans once: not on the loop
    after = _start(last_event_id, since)
    return StreamingResponse(
        live_events(api.live, grant.project_id, live_filter, api.live_options, after=after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
