"""``POST /v1/traces``, ``/v1/logs``, ``/v1/metrics``: OTLP/HTTP (protobuf or JSON) into the WAL.

A request goes: token (401 missing/invalid, 403 for a read token) → Content-Type (415) →
Content-Encoding (415) → size (413, before reading when declared) → read and inflate, bounded (413;
400 for a corrupt body) → decode (400 with the reason) → count what the conversion will drop →
append to the WAL (503 + Retry-After when full) → only then 200 with the ``Export*ServiceResponse``
in the request's format, with ``partial_success`` when records were rejected.

The WAL always holds protobuf: a JSON request is re-serialized. A request with no records is
answered 200 without touching the WAL.

Errors: a protobuf request gets a ``google.rpc.Status`` protobuf body (OTLP/HTTP spec, "Failures");
any other request gets the shared problem+json. :class:`OtlpRoute` is that one place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]  # no stubs
from google.rpc import status_pb2  # type: ignore[import-untyped, unused-ignore]  # no stubs
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hearth_ingest.api.body import (
    Encoding,
    check_declared_length,
    content_encoding,
    decode_content,
    is_protobuf,
    read_body,
    request_format,
)
from hearth_ingest.otlp import decode_request
from hearth_ingest.otlp.decode import PROTOBUF
from hearth_ingest.otlp_checks import DoorCount, count_rejections
from hearth_ingest.wal.format import BodyCoding, Signal, WalRecord
from hearth_ingest.wal.writer import WalWriter
from hearth_shared.auth import require_token
from hearth_shared.errors import HearthError
from hearth_shared.token_cache import TokenCache
from hearth_shared.tokens import ResolvedToken

logger = logging.getLogger("hearth.ingest.api")

OtlpSignal = Literal["traces", "logs", "metrics"]


@dataclass(frozen=True, slots=True)
class OtlpIngest:
    """What the routes use, made by the app's lifespan and kept on ``app.state.otlp``."""

    tokens: TokenCache
    wal: WalWriter
    max_request_bytes: int


@dataclass(frozen=True, slots=True)
class _SignalSpec:
    wal_signal: Signal
    response_type: Any
    rejected_field: str


_SIGNALS: dict[OtlpSignal, _SignalSpec] = {
    "traces": _SignalSpec(Signal.TRACES, ExportTraceServiceResponse, "rejected_spans"),
    "logs": _SignalSpec(Signal.LOGS, ExportLogsServiceResponse, "rejected_log_records"),
    "metrics": _SignalSpec(Signal.METRICS, ExportMetricsServiceResponse, "rejected_data_points"),
}

_WAL_CODING: dict[Encoding, BodyCoding] = {
    "identity": BodyCoding.IDENTITY,
    "gzip": BodyCoding.GZIP,
    "deflate": BodyCoding.DEFLATE,
}

# google.rpc.Code for each HTTP status we answer with (the OTLP/HTTP spec leaves the choice to us).
_GRPC_CODES = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    413: 8,  # RESOURCE_EXHAUSTED
    415: 3,  # INVALID_ARGUMENT
    429: 8,  # RESOURCE_EXHAUSTED
    503: 14,  # UNAVAILABLE
    504: 4,  # DEADLINE_EXCEEDED
}
_GRPC_INTERNAL = 13
_GRPC_UNKNOWN = 2


def status_response(exc: HearthError) -> Response:
    """``exc`` as a ``google.rpc.Status`` protobuf, with the status and Retry-After of the problem."""
    code = _GRPC_CODES.get(exc.status, _GRPC_INTERNAL if exc.status >= 500 else _GRPC_UNKNOWN)
    body = status_pb2.Status(code=code, message=exc.detail).SerializeToString()
    headers = {"Retry-After": str(max(1, round(exc.retry_after)))} if exc.retry_after is not None else None
    return Response(body, status_code=exc.status, media_type=PROTOBUF, headers=headers)


class OtlpRoute(APIRoute):
    """Errors of a protobuf request become ``google.rpc.Status``; other requests keep problem+json
    (the exception goes on to the shared handler)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except StarletteHTTPException:
                raise
            except HearthError as exc:
                if not is_protobuf(request):
                    raise
                if exc.status >= 500:
                    logger.warning(
                        "request failed: %s",
                        exc.detail,
                        extra={"path": request.url.path, "status": exc.status},
                    )
                return status_response(exc)
            except Exception:
                if not is_protobuf(request):
                    raise
                logger.exception("unhandled error", extra={"path": request.url.path})
                return status_response(HearthError("an unexpected error occurred; see the service logs"))

        return route


def _ingest(request: Request) -> OtlpIngest:
    ingest: OtlpIngest = request.app.state.otlp
    return ingest


async def authenticate(request: Request, tokens: TokenCache) -> ResolvedToken:
    """The write grant of the request's token: 401 when missing or invalid, 403 for a read token."""
    return await require_token(tokens, request.headers.get("authorization"), "write", purpose="sending data")


async def export(request: Request, signal: OtlpSignal) -> Response:
    ingest = _ingest(request)
    grant = await authenticate(request, ingest.tokens)
    form = request_format(request)
    encoding = content_encoding(request)
    limit = ingest.max_request_bytes
    check_declared_length(request, limit)
    raw = await read_body(request, limit)
    body = await decode_content(raw, encoding, limit)
    message = decode_request(signal, body, request.headers["content-type"])
    received_at_ns = time.time_ns()
    count = count_rejections(
        signal, message, received_at_ns, protobuf_body=body if form == "protobuf" else None
    )
    spec = _SIGNALS[signal]
    if count.total:
        project = str(grant.project_id)
        if form == "protobuf":
            # The body as it came: the converters inflate it again (wal/format.py: why).
            record = WalRecord(project, spec.wal_signal, received_at_ns, raw, _WAL_CODING[encoding])
        else:
            record = WalRecord(project, spec.wal_signal, received_at_ns, message.SerializeToString())
        del raw, body, message
        await ingest.wal.append(record)
    return export_response(spec, form, count)


def export_response(spec: _SignalSpec, form: Literal["protobuf", "json"], count: DoorCount) -> Response:
    response = spec.response_type()
    if count.rejected:
        setattr(response.partial_success, spec.rejected_field, count.rejected)
        response.partial_success.error_message = count.error_message
    if form == "json":
        return Response(orjson.dumps(json_format.MessageToDict(response)), media_type="application/json")
    return Response(response.SerializeToString(), media_type=PROTOBUF)


_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "An OTLP export request; Content-Encoding gzip, deflate or none.",
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Durably accepted (in the write-ahead log); partial_success lists rejected records"},
    400: {"description": "The body does not decode (the message says why)"},
    401: {"description": "Missing, unknown, revoked or expired token"},
    403: {"description": "A read token: sending needs a write token"},
    413: {"description": "Body (or its decompressed form) over the limit"},
    415: {"description": "Unsupported Content-Type or Content-Encoding"},
    503: {"description": "The write-ahead log is full or unavailable; retry after Retry-After"},
}

router = APIRouter(route_class=OtlpRoute, tags=["otlp"])


@router.post(
    "/v1/traces",
    summary="OTLP/HTTP traces (ExportTraceServiceRequest)",
    openapi_extra=_REQUEST_BODY,
    responses=_RESPONSES,
    response_class=Response,
)
async def export_traces(request: Request) -> Response:
    return await export(request, "traces")


@router.post(
    "/v1/logs",
    summary="OTLP/HTTP logs (ExportLogsServiceRequest)",
    openapi_extra=_REQUEST_BODY,
    responses=_RESPONSES,
    response_class=Response,
)
async def export_logs(request: Request) -> Response:
    return await export(request, "logs")


@router.post(
    "/v1/metrics",
    summary="OTLP/HTTP metrics (ExportMetricsServiceRequest)",
    openapi_extra=_REQUEST_BODY,
    responses=_RESPONSES,
    response_class=Response,
)
async def export_metrics(request: Request) -> Response:
    return await export(request, "metrics")
