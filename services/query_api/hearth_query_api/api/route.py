"""Errors of the query routes in the form the client accepts.

``LogfireQueryClient`` 5.x lists ``application/problem+json`` in ``Accept`` and reads ``error_details``
from the problem; 4.x clients and scripts do not, and expect plain JSON ``{"detail": ...}`` (FastAPI's
shape, a list of errors for an invalid request). So: problem+json when accepted (the shared handler),
plain JSON otherwise — same status and Retry-After either way.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from hearth_query_api.formats.media import problem_json_accepted
from hearth_shared.errors import HearthError


def _plain(status: int, detail: Any, retry_after: float | None = None) -> Response:
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after is not None else None
    return Response(
        orjson.dumps({"detail": detail}), status_code=status, media_type="application/json", headers=headers
    )


class QueryRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except HearthError as exc:
                if problem_json_accepted(request.headers.get("accept")) or exc.status >= 500:
                    raise
                return _plain(exc.status, exc.detail, exc.retry_after)
            except RequestValidationError as exc:
                if problem_json_accepted(request.headers.get("accept")):
                    raise
                errors = [
                    {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                    for e in exc.errors()
                ]
                return _plain(422, errors)

        return route
