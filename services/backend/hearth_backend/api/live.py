"""``GET /ui-api/orgs/{org}/projects/{project}/live``: the live view's stream (Server-Sent Events).

After the session user's project role is checked (read+), the request goes to the query API's
``/v2/live`` with an internal grant for the project, and its event stream is relayed as it comes
(``where``, ``since`` and ``Last-Event-ID`` pass through). Filtering in the query dialect, resuming and
the event format are the query API's (:mod:`hearth_query_api.live`). A bad filter is a 400 problem
before any event.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hearth_backend.auth.deps import ProjectReader
from hearth_backend.state import BackendDep
from hearth_shared.internal_auth import issue_project_grant

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}", tags=["live"])


@router.get(
    "/live",
    summary="Stream the project's new rows matching a filter (read+)",
    response_class=Response,
    responses={
        200: {"description": "`text/event-stream` of matching rows", "content": {"text/event-stream": {}}},
        400: {"description": "The filter is not a valid condition"},
    },
)
async def live(ctx: ProjectReader, request: Request, backend: BackendDep) -> Response:
    # The grant is checked once, when the stream opens; a view open for longer than its lifetime keeps
    # streaming, and a reconnect checks the user's role again.
    grant = issue_project_grant(backend.secret_key, ctx.project.id)
    return await backend.query.forward(request, "/v2/live", authorization=grant)
