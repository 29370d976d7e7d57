"""Decode an OTLP/HTTP export request body (protobuf or JSON) into its protobuf message.

Decompression is the HTTP layer's job: ``body`` is the raw, uncompressed request body.

OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) is the protobuf JSON
mapping with these differences, handled here:

- ``traceId`` / ``spanId`` / ``parentSpanId`` are hex strings (case-insensitive), not base64. We check
  and convert them to base64 before protobuf's JSON parser sees them. Empty strings mean "no id".
- Keys are lowerCamelCase; unknown fields MUST be ignored. Enums may be integers or names; 64-bit
  integers may be strings or numbers. The protobuf parser accepts all of these.

Every failure raises :class:`~hearth_ingest.errors.InvalidOtlp` (a 400) whose message names what is
wrong and where; no other exception escapes for any input.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any, Literal, overload

import orjson
from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]  # no stubs
from google.protobuf.message import DecodeError  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hearth_ingest.errors import InvalidOtlp
from hearth_shared.errors import UnsupportedMediaType

Signal = Literal["traces", "logs", "metrics"]
ExportRequest = ExportTraceServiceRequest | ExportLogsServiceRequest | ExportMetricsServiceRequest

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
#: Media types accepted for protobuf bodies (``application/protobuf`` is sent by some collectors).
PROTOBUF_TYPES = frozenset({PROTOBUF, "application/protobuf"})

_MESSAGES: dict[str, type[Any]] = {
    "traces": ExportTraceServiceRequest,
    "logs": ExportLogsServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
# Nesting depth protobuf's JSON parser accepts (its own default; a real request needs ~40 at most).
_MAX_JSON_DEPTH = 100
_ID_HEX_LENGTH = {"traceId": 32, "spanId": 16, "parentSpanId": 16}
_SNAKE = {"traceId": "trace_id", "spanId": "span_id", "parentSpanId": "parent_span_id"}


@overload
def decode_request(
    signal: Literal["traces"], body: bytes, content_type: str
) -> ExportTraceServiceRequest: ...
@overload
def decode_request(signal: Literal["logs"], body: bytes, content_type: str) -> ExportLogsServiceRequest: ...
@overload
def decode_request(
    signal: Literal["metrics"], body: bytes, content_type: str
) -> ExportMetricsServiceRequest: ...
@overload
def decode_request(signal: Signal, body: bytes, content_type: str) -> ExportRequest: ...
def decode_request(signal: Signal, body: bytes, content_type: str) -> ExportRequest:
    """The ``Export*ServiceRequest`` of ``signal`` in ``body``.

    ``content_type`` is the request's Content-Type header (parameters such as ``charset`` are
    ignored). Raises :class:`InvalidOtlp` for a body that does not decode, and
    ``UnsupportedMediaType`` (415) for a content type that is neither protobuf nor JSON.
    """
    message_type = _MESSAGES.get(signal)
    if message_type is None:
        raise ValueError(f"unknown OTLP signal {signal!r}; expected one of {', '.join(_MESSAGES)}")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in PROTOBUF_TYPES:
        return _decode_protobuf(message_type, body)
    if media_type == JSON:
        return _decode_json(signal, message_type, body)
    raise UnsupportedMediaType(
        f"unsupported content type {content_type!r}: OTLP/HTTP takes {PROTOBUF} or {JSON}"
    )


def _decode_protobuf(message_type: type[Any], body: bytes) -> ExportRequest:
    try:
        message: ExportRequest = message_type.FromString(body)
    except DecodeError as exc:
        raise InvalidOtlp(f"protobuf decode failed: {_reason(exc)}") from None
    except Exception as exc:  # untrusted input: whatever the parser raises is the client's 400
        raise InvalidOtlp(f"protobuf decode failed: {type(exc).__name__}: {exc}") from None
    return message


def _reason(exc: DecodeError) -> str:
    # upb says "Error parsing message with type '<full name>': <reason>"; the type is implied.
    text = str(exc)
    _, sep, reason = text.partition("': ")
    return reason if sep else text


def _decode_json(signal: Signal, message_type: type[Any], body: bytes) -> ExportRequest:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidOtlp(f"JSON: not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidOtlp(f"JSON: the request must be a JSON object, got {_json_type(document)}")
    _ID_WALKERS[signal](document)
    message: ExportRequest = message_type()
    try:
        json_format.ParseDict(
            document, message, ignore_unknown_fields=True, max_recursion_depth=_MAX_JSON_DEPTH
        )
    except json_format.ParseError as exc:
        raise InvalidOtlp(f"JSON: {_parse_error(str(exc))}") from None
    except RecursionError:
        raise InvalidOtlp(f"JSON: nested deeper than {_MAX_JSON_DEPTH} levels") from None
    except Exception as exc:  # untrusted input: whatever the parser raises is the client's 400
        raise InvalidOtlp(f"JSON: {type(exc).__name__}: {exc}") from None
    return message


_FAILED_FIELD = re.compile(r"Failed to parse (\w+) field: ")
_MAX_REASON = 500


def _parse_error(text: str) -> str:
    """protobuf's nested "Failed to parse a field: Failed to parse b field: why" as "a.b: why"."""
    fields: list[str] = []
    position = 0
    while match := _FAILED_FIELD.match(text, position):
        fields.append(match.group(1))
        position = match.end()
    reason = text[position:].rstrip(".") or text
    path = ".".join(fields)
    if len(path) > _MAX_REASON // 2:
        path = path[: _MAX_REASON // 4] + "…" + path[-_MAX_REASON // 4 :]
    message = f"{path}: {reason}" if path else reason
    return message if len(message) <= _MAX_REASON else message[:_MAX_REASON] + "…"


# ---------------------------------------------------------------- hex ids → base64


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _items(parent: Any, key: str, snake: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the array ``parent[key]`` with their paths; anything else is left to the parser.

    Structure errors (an array where an object belongs…) are reported by protobuf's parser, which names
    the field; this walk only needs to find every id.
    """
    if not isinstance(parent, dict):
        return []
    name = key if key in parent else snake
    values = parent.get(name)
    if not isinstance(values, list):
        return []
    return [(f"{path}{name}[{i}]", v) for i, v in enumerate(values) if isinstance(v, dict)]


def _convert_ids(obj: dict[str, Any], path: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        for name in (key, _SNAKE[key]):
            if name in obj:
                obj[name] = _hex_to_base64(obj[name], key, _ID_HEX_LENGTH[key], path)


def _hex_to_base64(value: Any, key: str, length: int, path: str) -> Any:
    if value is None or value == "":
        return value
    where = f" (at {path})"
    if not isinstance(value, str):
        raise InvalidOtlp(f"JSON: {key} must be a hex string, got {_json_type(value)}{where}")
    raw = None
    if len(value) == length:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = None
    # fromhex skips spaces: a 32-character string with spaces decodes to fewer than 16 bytes.
    if raw is None or len(raw) * 2 != length:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InvalidOtlp(f"JSON: {key} must be {length} hex characters, got {shown!r}{where}")
    return base64.b64encode(raw).decode("ascii")


def _walk_traces(document: dict[str, Any]) -> None:
    for rpath, resource in _items(document, "resourceSpans", "resource_spans", ""):
        for spath, scope in _items(resource, "scopeSpans", "scope_spans", rpath + "."):
            for path, span in _items(scope, "spans", "spans", spath + "."):
                _convert_ids(span, path, ("traceId", "spanId", "parentSpanId"))
                for lpath, link in _items(span, "links", "links", path + "."):
                    _convert_ids(link, lpath, ("traceId", "spanId"))


def _walk_logs(document: dict[str, Any]) -> None:
    for rpath, resource in _items(document, "resourceLogs", "resource_logs", ""):
        for spath, scope in _items(resource, "scopeLogs", "scope_logs", rpath + "."):
            for path, record in _items(scope, "logRecords", "log_records", spath + "."):
                _convert_ids(record, path, ("traceId", "spanId"))


_METRIC_DATA = (
    ("gauge", "gauge"),
    ("sum", "sum"),
    ("histogram", "histogram"),
    ("exponentialHistogram", "exponential_histogram"),
    ("summary", "summary"),
)


def _walk_metrics(document: dict[str, Any]) -> None:
    for rpath, resource in _items(document, "resourceMetrics", "resource_metrics", ""):
        for spath, scope in _items(resource, "scopeMetrics", "scope_metrics", rpath + "."):
            for mpath, metric in _items(scope, "metrics", "metrics", spath + "."):
                for camel, snake in _METRIC_DATA:
                    name = camel if camel in metric else snake
                    data = metric.get(name)
                    for ppath, point in _items(data, "dataPoints", "data_points", f"{mpath}.{name}."):
                        for epath, exemplar in _items(point, "exemplars", "exemplars", ppath + "."):
                            _convert_ids(exemplar, epath, ("traceId", "spanId"))


_ID_WALKERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "traces": _walk_traces,
    "logs": _walk_logs,
    "metrics": _walk_metrics,
}
