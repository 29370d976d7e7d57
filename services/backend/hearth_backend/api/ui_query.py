"""The web UI's queries: ``POST /ui-api/orgs/{org}/projects/{project}/query`` and ``GET .../schema``.

After the session user's project role is checked (read+), the query goes to the query API's
``/v2/query`` with a short-lived internal grant for that project
(:func:`hearth_shared.internal_auth.issue_project_grant`) instead of a read token. The body is
``/v2/query``'s and so are errors (relayed unchanged). Answers:

- ``Accept: application/json`` (or none, ``*/*``): column-oriented
  ``{"columns": [{"name", "datatype", "nullable", "values": [...]}]}``, or with ``?row_oriented=true``
  ``{"columns": [{"name", "datatype", "nullable"}], "rows": [{...}]}`` — the shapes of ``/v1/query``,
  which charts and tables consume directly. The rows are bounded by the query's ``limit``.
- any other ``Accept`` (``application/x-ndjson``, ``text/csv``, ``application/vnd.apache.arrow.stream``):
  the query API's answer streamed through unchanged.

A JSON query without ``min_timestamp`` covers all time (the web UI opens a shared trace link, which has
no time range, by ``trace_id``; the query API's trace index keeps that fast).
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from fastapi import APIRouter, Request, Response

from hearth_backend.auth.deps import ProjectReader
from hearth_backend.errors import QueryApiUnavailable
from hearth_backend.state import BackendDep
from hearth_shared.errors import UnprocessableEntity
from hearth_shared.internal_auth import issue_project_grant
from hearth_shared.schema import schemas_document

router = APIRouter(prefix="/ui-api/orgs/{org}/projects/{project}", tags=["query"])

_JSON_ACCEPTS: Final = frozenset({"", "*/*", "application/*", "application/json"})
_SCHEMAS: Final = orjson.dumps(schemas_document())
ALL_TIME: Final = "1970-01-01T00:00:00Z"
#: Request headers sent along with the reshaped JSON query.
_PASSED: Final = frozenset({b"user-agent", b"traceparent", b"tracestate", b"x-request-id"})


def wants_json(accept: str | None) -> bool:
    first = (accept or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    return first in _JSON_ACCEPTS


def columns_body(answer: dict[str, Any], *, row_oriented: bool) -> dict[str, Any]:
    """``/v2/query``'s ``{"schema": {"fields"}, "data": [rows]}`` in ``/v1/query``'s shapes."""
    fields = answer["schema"]["fields"]
    rows: list[dict[str, Any]] = answer["data"]
    extra = {key: value for key, value in answer.items() if key not in {"schema", "data"}}
    described = [{"name": f["name"], "datatype": f["data_type"], "nullable": f["nullable"]} for f in fields]
    if row_oriented:
        return {"columns": described, "rows": rows, **extra}
    columns = [{**field, "values": [row.get(field["name"]) for row in rows]} for field in described]
    return {"columns": columns, **extra}


@router.post(
    "/query",
    summary="Run a SQL query on the project (read+)",
    response_class=Response,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    },
)
async def query(
    ctx: ProjectReader, request: Request, backend: BackendDep, row_oriented: bool = False
) -> Response:
    grant = issue_project_grant(backend.secret_key, ctx.project.id)
    if not wants_json(request.headers.get("accept")):
        return await backend.query.forward(request, "/v2/query", authorization=grant)
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise UnprocessableEntity(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise UnprocessableEntity("the body must be a JSON object (the /v2/query body)")
    headers = [(n, v) for n, v in request.headers.raw if n in _PASSED]
    headers += [
        (b"authorization", grant.encode()),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json, application/problem+json;q=0.9"),
    ]
    body.setdefault("min_timestamp", ALL_TIME)
    answer = await backend.query.post("/v2/query", orjson.dumps({**body, "include_schema": True}), headers)
    if answer.status_code != 200:
        return answer  # the query API's problem, unchanged
    try:
        reshaped = columns_body(orjson.loads(answer.body), row_oriented=row_oriented)
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise QueryApiUnavailable(f"the query API answered JSON of an unexpected shape ({exc})") from exc
    return Response(orjson.dumps(reshaped), media_type="application/json")


@router.get(
    "/schema", summary="The tables and columns the project's queries can use (read+)", response_class=Response
)
async def schema(ctx: ProjectReader) -> Response:
    del ctx  # checked (project read+), not used: every project has the same tables
    return Response(_SCHEMAS, media_type="application/json")
