"""Column lists of the ``records`` table for one request, turned into Arrow arrays once at the end.

Per-row columns are plain lists. Rarely set columns (exceptions, events, links, HTTP attributes, log
bodies) are ``{row: value}`` dicts, so most rows pay nothing for them. Resource and scope columns are
recorded once per run of rows that share them (:class:`~hearth_ingest.otlp.context.Segments`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

from hearth_ingest.otlp.context import ResourceColumns, ScopeColumns, Segments, columns_table, repeat
from hearth_ingest.otlp.result import ConversionResult, Rejections, Signal, unix_nano
from hearth_ingest.otlp.values import (
    MAX_ATTRIBUTES_BYTES,
    MAX_EXCEPTION_BYTES,
    as_int32,
    as_text,
    dumps,
    fit_attributes,
    truncate_utf8,
)
from hearth_shared.schema import METRICS_SCHEMA, RECORDS_SCHEMA

#: message and span_name of the row that reports dropped records to the project.
INGEST_ERROR_MESSAGE = "logfire ingest error"
#: warn: data was lost, but the request itself was answered with success.
INGEST_ERROR_LEVEL = 13

#: column -> value of the rows that did not set it
SPARSE_COLUMNS: dict[str, Any] = {
    "is_exception": False,
    "exception_type": None,
    "exception_message": None,
    "exception_stacktrace": None,
    "otel_status_message": None,
    "otel_events": None,
    "otel_links": None,
    "http_response_status_code": None,
    "http_method": None,
    "http_route": None,
    "url_full": None,
    "url_path": None,
    "url_query": None,
    "log_body": None,
}
#: Columns held as orjson bytes until the end (valid UTF-8 by construction).
_JSON_COLUMNS = frozenset({"attributes", "otel_events", "otel_links"})
_TIMESTAMP = RECORDS_SCHEMA.field("start_timestamp").type
EMPTY_METRICS = METRICS_SCHEMA.empty_table()  # immutable: one for every traces/logs result
_JSON_SCHEMA_CACHE_SIZE = 4096


class RecordsBuilder:
    """The columns of the rows converted so far; :meth:`table` makes each Arrow array once."""

    def __init__(self) -> None:
        self.start: list[int] = []  # µs since the epoch
        self.end: list[int] = []
        self.duration: list[float | None] = []
        self.trace_id: list[str] = []
        self.span_id: list[str] = []
        self.parent_span_id: list[str | None] = []
        self.kind: list[str] = []
        self.level: list[int] = []
        self.span_name: list[str] = []
        self.message: list[str] = []
        self.attributes: list[bytes] = []
        self.json_schema: list[str | None] = []
        self.tags: list[list[str] | None] = []
        self.status_code: list[str | None] = []
        self.sparse: dict[str, dict[int, Any]] = {name: {} for name in SPARSE_COLUMNS}
        self.segments = Segments()

    @property
    def rows(self) -> int:
        return len(self.trace_id)

    def close_segment(self, resource: ResourceColumns, scope: ScopeColumns) -> None:
        """The rows added since the last call share ``resource`` and ``scope``."""
        self.segments.close(self.rows, resource, scope)

    def add_row(
        self,
        *,
        start_us: int,
        end_us: int,
        duration: float | None,
        trace_id: str,
        span_id: str,
        parent_span_id: str | None,
        kind: str,
        level: int,
        span_name: str,
        message: str,
        attributes: bytes,
        json_schema: str | None = None,
        tags: list[str] | None = None,
        status_code: str | None = None,
    ) -> int:
        """Append one row; returns its index (for the sparse columns)."""
        row = self.rows
        self.start.append(start_us)
        self.end.append(end_us)
        self.duration.append(duration)
        self.trace_id.append(trace_id)
        self.span_id.append(span_id)
        self.parent_span_id.append(parent_span_id)
        self.kind.append(kind)
        self.level.append(level)
        self.span_name.append(span_name)
        self.message.append(message)
        self.attributes.append(attributes)
        self.json_schema.append(json_schema)
        self.tags.append(tags)
        self.status_code.append(status_code)
        return row

    def set_promoted(self, row: int, attributes: dict[str, Any]) -> None:
        """The typed http/url columns of ``row`` (semconv names, the old names as fallback)."""
        get = attributes.get
        sparse = self.sparse
        value = get("http.response.status_code")
        if value is None:
            value = get("http.status_code")
        if value is not None and (code := as_int32(value)) is not None:
            sparse["http_response_status_code"][row] = code
        for column, key, fallback in PROMOTED_TEXT:
            value = get(key)
            if value is None and fallback:
                value = get(fallback)
            if value is not None and (text := as_text(value)) is not None:
                sparse[column][row] = text

    def set_exception(self, row: int, exc_type: Any, exc_message: Any, stacktrace: Any) -> None:
        """The exception columns of ``row``; each text capped at 32,000 bytes."""
        sparse = self.sparse
        sparse["is_exception"][row] = True
        for column, value in (
            ("exception_type", exc_type),
            ("exception_message", exc_message),
            ("exception_stacktrace", stacktrace),
        ):
            text = value if value is None or isinstance(value, str) else dumps(value).decode("utf-8")
            if text is not None:
                sparse[column][row] = truncate_utf8(text, MAX_EXCEPTION_BYTES)

    def table(self, *, project_id: str, created_at_us: int) -> pa.Table:
        """The rows as a table of exactly ``RECORDS_SCHEMA``."""
        n = self.rows
        columns: dict[str, Any] = {
            "start_timestamp": pa.array(self.start, type=_TIMESTAMP),
            "end_timestamp": self.end,
            "duration": self.duration,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "kind": self.kind,
            "level": self.level,
            "span_name": self.span_name,
            "message": self.message,
            "attributes": self.attributes,
            "attributes_json_schema": self.json_schema,
            "tags": self.tags,
            "otel_status_code": self.status_code,
        }
        for name, default in SPARSE_COLUMNS.items():
            values = self.sparse[name]
            if values:
                column = [default] * n
                for row, value in values.items():
                    column[row] = value
                columns[name] = column
        return records_table(
            columns, n, project_id=project_id, created_at_us=created_at_us, segments=self.segments
        )


def records_table(
    columns: dict[str, Any], rows: int, *, project_id: str, created_at_us: int, segments: Segments
) -> pa.Table:
    """A table of exactly ``RECORDS_SCHEMA`` from the per-row ``columns`` (arrays, or Python lists; the
    JSON ones as orjson bytes) and ``start_timestamp`` as an array: adds the columns every row of a
    request shares (``created_at``, ``day``, ``project_id``, resource and scope), and the defaults of the
    sparse columns ``columns`` lacks."""
    columns["created_at"] = repeat(created_at_us, rows, _TIMESTAMP)
    columns["day"] = pc.cast(columns["start_timestamp"], pa.date32())
    columns["project_id"] = repeat(project_id, rows, pa.string())
    for name, default in SPARSE_COLUMNS.items():
        if name not in columns:
            columns[name] = repeat(default, rows, RECORDS_SCHEMA.field(name).type)
    columns.update(segments.arrays(RECORDS_SCHEMA))
    return columns_table(columns, RECORDS_SCHEMA, _JSON_COLUMNS)


PROMOTED_TEXT = (
    ("http_method", "http.request.method", "http.method"),
    ("http_route", "http.route", None),
    ("url_full", "url.full", "http.url"),
    ("url_path", "url.path", None),
    ("url_query", "url.query", None),
)


# ---------------------------------------------------------------- attribute helpers


def derived_id(person: bytes, data: bytes, size: int) -> bytes:
    """A deterministic id of ``size`` bytes for rows OTLP gives no id of their own."""
    return hashlib.blake2b(data, digest_size=size, person=person).digest()


_schema_keys_cache: dict[str, tuple[str, ...]] = {}


def json_schema_keys(schema: str) -> tuple[str, ...]:
    """The attribute keys ``logfire.json_schema`` marks as JSON-encoded (a non-empty property schema).

    Cached: a service sends the same few schemas over and over (about one per message template).
    """
    keys = _schema_keys_cache.get(schema)
    if keys is not None:
        return keys
    try:
        parsed = orjson.loads(schema)
    except orjson.JSONDecodeError:
        parsed = None
    properties = parsed.get("properties") if isinstance(parsed, dict) else None
    if isinstance(properties, dict):
        keys = tuple(k for k, v in properties.items() if v and isinstance(v, dict))
    else:
        keys = ()
    if len(_schema_keys_cache) >= _JSON_SCHEMA_CACHE_SIZE:
        _schema_keys_cache.clear()
    _schema_keys_cache[schema] = keys
    return keys


def decode_json_attributes(attributes: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Apply the JSON-decode rule in place: string values of ``keys`` holding JSON become that JSON.

    The text is validated with ``orjson.loads`` and then embedded as it was sent (``orjson.Fragment``):
    no re-serialisation, and JSON nested deeper than orjson writes still round-trips.
    """
    loads = orjson.loads
    fragment = orjson.Fragment
    for key in keys:
        value = attributes.get(key)
        if type(value) is str:
            try:
                loads(value)
            except orjson.JSONDecodeError:
                continue  # not JSON after all: the string stays
            attributes[key] = fragment(value)


def encode_attributes(attributes: dict[str, Any]) -> bytes:
    """The ``attributes`` JSON, within the 10 MB record limit."""
    encoded = dumps(attributes)
    if len(encoded) > MAX_ATTRIBUTES_BYTES:
        encoded = fit_attributes(attributes, encoded)
    return encoded


def as_tags(value: Any) -> list[str] | None:
    """``logfire.tags`` as a list of strings (non-strings as their JSON text); NULL when unusable."""
    if isinstance(value, list):
        return [t if type(t) is str else dumps(t).decode("utf-8") for t in value]
    if isinstance(value, str):
        return [value]
    return None


# ---------------------------------------------------------------- finishing a request


_HEARTH_RESOURCE = ResourceColumns(
    attributes=b'{"service.name":"hearth"}',
    service_name="hearth",
    service_version=None,
    service_namespace=None,
    service_instance_id=None,
    process_pid=None,
    deployment_environment=None,
    telemetry_sdk_name=None,
    telemetry_sdk_language=None,
    telemetry_sdk_version=None,
)
_HEARTH_SCOPE = ScopeColumns(name="hearth.ingest", version=None, attributes=b"{}")


def add_ingest_error(
    builder: RecordsBuilder,
    rejections: Rejections,
    *,
    signal: Signal,
    error_message: str,
    project_id: str,
    received_ns: int,
) -> None:
    """Append the one ``logfire ingest error`` row that tells the project what was dropped and why."""
    digest = derived_id(b"hearth-ingesterr", f"{project_id}\x00{signal}\x00{received_ns}".encode(), 24)
    at_us = received_ns // 1000
    attributes = {
        "signal": signal,
        "rejected": rejections.total,
        "reasons": dict(sorted(rejections.reasons.items())),
        "detail": error_message,
    }
    builder.add_row(
        start_us=at_us,
        end_us=at_us,
        duration=None,
        trace_id=digest[:16].hex(),
        span_id=digest[16:].hex(),
        parent_span_id=None,
        kind="log",
        level=INGEST_ERROR_LEVEL,
        span_name=INGEST_ERROR_MESSAGE,
        message=INGEST_ERROR_MESSAGE,
        attributes=dumps(attributes),
    )
    builder.close_segment(_HEARTH_RESOURCE, _HEARTH_SCOPE)


def finish_request(
    builder: RecordsBuilder,
    rejections: Rejections,
    *,
    accepted: int,
    signal: Signal,
    project_id: str,
    received_at: datetime,
    metrics: pa.Table | None = None,
) -> ConversionResult:
    """The result of a request: its tables, plus the ingest error row when anything was dropped."""
    received_ns = unix_nano(received_at)
    error_message = rejections.message(accepted)
    if rejections.total:
        add_ingest_error(
            builder,
            rejections,
            signal=signal,
            error_message=error_message,
            project_id=project_id,
            received_ns=received_ns,
        )
    return ConversionResult(
        records=builder.table(project_id=project_id, created_at_us=received_ns // 1000),
        metrics=metrics if metrics is not None else EMPTY_METRICS,
        rejected=rejections.total,
        error_message=error_message,
    )
