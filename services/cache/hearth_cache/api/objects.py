"""``GET``/``HEAD /objects/<key>``: an object store over HTTP, as object_store's ``HttpStore`` reads it.

``HttpStore`` (what ``datafusion.object_store.Http`` builds) sends ``HEAD`` for an object's metadata
and ``GET`` with ``Range: bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` for its bytes, and refuses a 200
answer to a range request: ranges are answered 206 with ``Content-Range``. Every answer about an
object carries ``Content-Length``, ``Last-Modified``, ``ETag`` and ``Accept-Ranges``. Listing
(WebDAV ``PROPFIND``) is not offered: readers get their file lists from the catalog.

``X-Hearth-No-Cache: 1`` reads through without keeping anything (for bulk readers).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Final

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from hearth_cache.api.deps import CacheDep, PeersDep
from hearth_cache.peers import FORWARDED_HEADER, NO_CACHE_HEADER
from hearth_cache.ranges import ByteRange, parse_range
from hearth_shared.http_headers import HOP_BY_HOP_NAMES

logger = logging.getLogger("hearth.cache.api")

router = APIRouter(tags=["objects"])

#: Owner response headers not relayed: they describe the owner's connection, not the object.
_NOT_RELAYED: Final = HOP_BY_HOP_NAMES | {"date", "server"}
_TRUTHY: Final = frozenset({"1", "true", "yes"})


@router.api_route(
    "/objects/{key:path}",
    methods=["GET", "HEAD"],
    summary="Read an object, or a byte range of it, through the cache",
    response_class=Response,
)
async def read_object(key: str, request: Request, cache: CacheDep, peers: PeersDep) -> Response:
    store = request.headers.get(NO_CACHE_HEADER, "").strip().lower() not in _TRUTHY
    if FORWARDED_HEADER not in request.headers:
        owner = peers.owner(key)
        if owner is not None:
            answer = await peers.forward(owner, request.method, _raw_path(request), request.headers)
            if answer is not None:
                cache.stats.forwarded += 1
                return _relay(answer)
            # The owner failed: serve it here, but the object is not ours to keep.
            cache.stats.peer_fallbacks += 1
            store = False

    info = await cache.info(key, store=store)
    headers = info.http_headers()
    if request.method == "HEAD":
        headers["content-length"] = str(info.size)
        return Response(status_code=200, headers=headers)
    range_header = request.headers.get("range")
    if range_header is None:
        wanted, status = ByteRange(0, info.size, info.size), 200
    else:
        wanted, status = parse_range(range_header, info.size), 206
        headers["content-range"] = wanted.content_range
    headers["content-length"] = str(wanted.length)
    if wanted.length == 0:
        return Response(status_code=status, headers=headers)
    body = cache.read(info, wanted.start, wanted.end, store=store)
    # The first piece is read before answering, so a missing object or an unreachable store becomes a
    # proper 404/503 rather than a broken-off 200.
    first = await anext(body)
    return StreamingResponse(_chain(first, body), status_code=status, headers=headers)


async def _chain(first: bytes, rest: AsyncGenerator[bytes, None]) -> AsyncIterator[bytes]:
    try:
        yield first
        async for piece in rest:
            yield piece
    finally:
        await rest.aclose()  # cancels the readahead if the client hung up


def _raw_path(request: Request) -> str:
    """The path exactly as the client sent it (still percent-encoded), with its query string."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query = request.url.query
    return raw.decode("latin-1") + (f"?{query}" if query else "")


def _relay(answer: httpx.Response) -> Response:
    headers = {name: value for name, value in answer.headers.items() if name.lower() not in _NOT_RELAYED}
    return StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        headers=headers,
        background=BackgroundTask(answer.aclose),
    )
