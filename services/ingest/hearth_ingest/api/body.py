"""Request bodies of the OTLP routes: media type, content coding, and bounded reading and inflating.

Every limit applies before the bytes it guards are held: a declared ``Content-Length`` over the limit
is refused before reading, an undeclared (chunked) body is counted as it streams in, and inflating
stops as soon as the output passes the limit (a zip bomb costs at most ``limit`` bytes of memory).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from starlette.requests import ClientDisconnect, Request

from hearth_ingest.content_coding import inflate
from hearth_ingest.otlp.decode import JSON, PROTOBUF, PROTOBUF_TYPES
from hearth_shared.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

Format = Literal["protobuf", "json"]
Encoding = Literal["gzip", "deflate", "identity"]

ACCEPTED_TYPES = (PROTOBUF, "application/protobuf", JSON)
ACCEPTED_ENCODINGS = ("gzip", "deflate", "identity")
_ENCODING_ALIASES: dict[str, Encoding] = {
    "gzip": "gzip",
    "x-gzip": "gzip",  # RFC 9110 §8.4.1.3: the same coding
    "deflate": "deflate",
    "identity": "identity",
}
#: Bodies larger than this are inflated in a thread (zlib releases the GIL), not in the event loop.
THREAD_INFLATE_BYTES = 256 * 1024


def media_type(request: Request) -> str:
    """The Content-Type without parameters, lower case ("" when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_protobuf(request: Request) -> bool:
    return media_type(request) in PROTOBUF_TYPES


def request_format(request: Request) -> Format:
    """Protobuf or JSON, from Content-Type; 415 for anything else."""
    kind = media_type(request)
    if kind in PROTOBUF_TYPES:
        return "protobuf"
    if kind == JSON:
        return "json"
    accepted = ", ".join(ACCEPTED_TYPES)
    if not kind:
        detail = f"missing Content-Type: OTLP/HTTP takes {accepted}"
    else:
        shown = request.headers["content-type"][:100]
        detail = f"unsupported Content-Type {shown!r}: OTLP/HTTP takes {accepted}"
    raise UnsupportedMediaType(detail, accepted=list(ACCEPTED_TYPES))


def content_encoding(request: Request) -> Encoding:
    """The body's one content coding (none or ``identity`` = as is); 415 for anything else."""
    header = request.headers.get("content-encoding", "")
    codings = [part.strip().lower() for part in header.split(",") if part.strip()]
    codings = [coding for coding in codings if coding != "identity"]
    if not codings:
        return "identity"
    known = _ENCODING_ALIASES.get(codings[0])
    if len(codings) == 1 and known is not None:
        return known
    raise UnsupportedMediaType(
        f"unsupported Content-Encoding {header[:100]!r}: accepted are gzip, deflate and identity "
        "(one coding, or none)",
        accepted_encodings=list(ACCEPTED_ENCODINGS),
    )


def check_declared_length(request: Request, limit: int) -> None:
    """413 before reading when ``Content-Length`` already says the body is too large."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    try:
        length = int(declared)
    except ValueError:
        raise BadRequest(f"invalid Content-Length {declared[:40]!r}") from None
    if length > limit:
        raise PayloadTooLarge(
            f"request body of {length} bytes is over the limit of {limit} bytes; send smaller batches",
            limit=limit,
        )


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) as soon as more than ``limit`` bytes have arrived."""
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(
                    f"request body is over the limit of {limit} bytes; send smaller batches", limit=limit
                )
            parts.append(chunk)
    except ClientDisconnect:
        raise BadRequest("the client disconnected before sending the whole body") from None
    return b"".join(parts)


async def decode_content(body: bytes, encoding: Encoding, limit: int) -> bytes:
    """``body`` without its content coding, at most ``limit`` bytes (413 beyond, 400 if corrupt)."""
    if encoding == "identity" or not body:
        return body
    if len(body) > THREAD_INFLATE_BYTES:
        return await asyncio.to_thread(inflate, body, encoding, limit)
    return inflate(body, encoding, limit)
