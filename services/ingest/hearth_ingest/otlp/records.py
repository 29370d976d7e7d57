"""OTLP spans and log records → Arrow tables of the ``records`` schema (pure functions, no I/O).

The mapping is ``reference/data-model.md``; where it is silent we decided as follows (keep these and the
tests in step):

Ids
  - ``span_event`` rows get ``span_id = blake2b(trace_id ‖ span_id ‖ event index as u32 big-endian,
    8 bytes, person "hearth-event").hex()`` (raw id bytes of the span; the index counts every event of
    the span, ``exception`` ones included). Deterministic, so a WAL replay produces identical rows.
  - OTLP log records get ``span_id`` (and ``trace_id`` when they carry none) from
    ``blake2b(deterministic serialization of the LogRecord, 24 bytes, person "hearth-log")``: trace id =
    first 16 bytes, span id = last 8. A log record's own ``span_id`` is the span it was emitted in, so it
    becomes ``parent_span_id`` (a log is a child of its span, never a duplicate of its ids). Resent
    duplicates of a request get the same ids, so query-time or compaction dedup catches them.
  - Spans with a trace id that is not 16 bytes or a span id that is not 8 bytes (or all zeros) are
    rejected and counted. A parent span id that is not 8 non-zero bytes is NULL.
Times
  - Spans are kept or dropped by ``start_timestamp`` (the column every time filter uses); a kept span
    keeps all its events. ``end < start`` is stored as ``end = start``.
  - ``log`` and ``pending_span`` rows have ``end_timestamp = start_timestamp`` and ``duration`` NULL
    (a pending span's duration is unknown, not zero).
  - A span event keeps its own time when that time is inside the accepted window, else it takes the
    span's start (so a zero or absurd event time cannot create a 1970 partition).
  - An OTLP log record with neither time nor observed time takes ``received_at``.
Columns
  - ``kind``: ``logfire.span_type`` ``span``/``log``/``pending_span``; any other value (e.g.
    ``annotation``) gives ``span`` and the attribute stays in ``attributes``. A ``logfire.*`` key is
    removed from ``attributes`` only when its value went into a column (a malformed ``level_num`` stays).
  - ``logfire.pending_parent_id`` is removed from pending spans (it became ``parent_span_id``).
  - ``level``: ``logfire.level_num`` when it is an int in 1..24, else 17 for status ERROR, else 9.
    Span events: 9 unless the event has a valid ``logfire.level_num``. OTLP logs: ``severity_number``
    when in 1..24, else 9.
  - JSON-decode rule (logfire-sdk-contract.md §4.3): a string attribute whose entry in
    ``logfire.json_schema``'s ``properties`` is non-empty is stored as the JSON it holds (so
    ``attributes->'user'->>'name'`` works); text that is not JSON stays a string.
  - ``attributes``, ``otel_scope_attributes``, ``otel_resource_attributes`` are JSON objects, ``{}`` when
    empty. ``otel_events`` / ``otel_links`` are NULL when the span has none; ``tags`` is NULL when
    ``logfire.tags`` is absent. ``is_exception`` is never NULL (false when there is no exception).
  - ``otel_events`` items: ``{"name", "timestamp": "…Z" (µs, UTC; null when 0), "attributes"}`` plus
    ``dropped_attributes_count`` when non-zero. ``otel_links`` items: ``{"trace_id", "span_id",
    "attributes"}`` plus ``trace_state`` / ``dropped_attributes_count`` when set.
  - ``otel_status_code``: ``UNSET``, ``OK`` or ``ERROR`` for spans (NULL for logs and events);
    ``otel_status_message`` NULL when empty.
  - ``span_event`` rows: ``span_name`` = ``message`` = the event name, ``attributes`` = the event's
    attributes; no tags, status or exception columns; scope/resource columns of their span.
  - OTLP logs: ``span_name`` = ``logfire.msg_template``, else ``event_name``, else a string body, else the
    scope (logger) name, else ``log``; ``message`` = ``logfire.msg``, else the body (string, or JSON text),
    else ``event_name``, else ``span_name``. ``exception.type``/``.message``/``.stacktrace`` attributes
    (OTel log semantic conventions) fill the exception columns.
  - Text limits cut on a UTF-8 character boundary, without a marker; ``exception_type`` shares the
    32,000-byte cap of message and stack trace; ``log_body`` is capped at 10 MB. The 10 MB record limit
    applies to ``attributes`` (largest values cut first, their keys listed in ``logfire.truncated``,
    at most 1,000 keys) and to ``otel_events``, whose events then share it.
Rejections
  - Every dropped record is counted in ``ConversionResult.rejected`` and explained in
    ``ConversionResult.error_message`` (OTLP ``partial_success``), and ONE row is added per request:
    ``kind='log'``, ``level=13`` (warn: data was lost, but the request itself succeeded),
    ``span_name = message = 'logfire ingest error'``, ``service_name='hearth'``, scope
    ``hearth.ingest``, timestamps = ``received_at``, attributes
    ``{"signal", "rejected", "reasons": {reason: count}, "detail": <error_message>}``.
  - Replaying a WAL record must give identical rows: pass the same ``now`` as the first time (the
    simplest is ``now=received_at``, which the WAL stores).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeGuard

import orjson
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hearth_ingest.otlp.builder import (
    RecordsBuilder,
    as_tags,
    decode_json_attributes,
    derived_id,
    encode_attributes,
    finish_request,
    json_schema_keys,
)
from hearth_ingest.otlp.context import ScopeColumns, resource_columns, scope_columns
from hearth_ingest.otlp.result import ConversionResult, Rejections, unix_nano
from hearth_ingest.otlp.values import (
    MAX_ATTRIBUTES_BYTES,
    MAX_NAME_BYTES,
    any_value,
    as_text,
    attributes_dict,
    dumps,
    fit_attributes,
    iso_timestamp,
    truncate_utf8,
)

_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
_STATUS_NAMES = {0: "UNSET", 1: "OK", 2: "ERROR"}
_STATUS_ERROR = 2
_LEVEL_ERROR, _LEVEL_INFO = 17, 9
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
# Below this many characters a text cannot exceed 512 UTF-8 bytes (4 bytes per character at most).
_SHORT_NAME = MAX_NAME_BYTES // 4


def _valid_level(value: object) -> TypeGuard[int]:
    return type(value) is int and 1 <= value <= 24


def _pending_parent(value: Any) -> str | None:
    """``logfire.pending_parent_id`` as a parent span id: 16 hex characters, NULL for zeros/garbage."""
    if type(value) is not str or len(value) != 16:
        return None
    try:
        raw = bytes.fromhex(value)  # (int(value, 16) would accept "0x…", "+…" and underscores)
    except ValueError:
        return None
    return raw.hex() if len(raw) == 8 and raw != _ZERO_SPAN else None


# ---------------------------------------------------------------- spans


def spans_to_records(
    request: ExportTraceServiceRequest, *, project_id: str, received_at: datetime, now: datetime
) -> ConversionResult:
    """An ``ExportTraceServiceRequest`` as ``records`` rows (see the module docstring for the rules).

    ``received_at`` becomes ``created_at``; spans starting outside ``[now - 24h, now + 1h]`` are dropped
    and reported. Pure and deterministic: the same arguments always give the same table.
    """
    rejections = Rejections.for_window("spans", now)
    builder = RecordsBuilder()
    accepted = 0
    for resource_spans in request.resource_spans:
        resource = resource_columns(resource_spans.resource)
        for scope_spans in resource_spans.scope_spans:
            scope = scope_columns(scope_spans.scope)
            accepted += convert_spans_into(scope_spans.spans, builder, rejections)
            builder.close_segment(resource, scope)
    return finish_request(
        builder,
        rejections,
        accepted=accepted,
        signal="traces",
        project_id=project_id,
        received_at=received_at,
    )


def convert_spans_into(spans: Any, builder: RecordsBuilder, rejections: Rejections) -> int:  # noqa: PLR0912, PLR0915 - the hot loop, flat on purpose
    """Append the rows of one ``ScopeSpans``; returns how many spans were accepted.

    This loop is the ingest ceiling (reference/measured.md), so it trades style for speed: list appends
    are bound to locals, the common attribute types and the promoted columns are inlined.
    """
    lo, hi = rejections.window_start, rejections.window_end
    start_append = builder.start.append
    end_append = builder.end.append
    duration_append = builder.duration.append
    trace_append = builder.trace_id.append
    span_append = builder.span_id.append
    parent_append = builder.parent_span_id.append
    kind_append = builder.kind.append
    level_append = builder.level.append
    name_append = builder.span_name.append
    message_append = builder.message.append
    attributes_append = builder.attributes.append
    schema_append = builder.json_schema.append
    tags_append = builder.tags.append
    status_append = builder.status_code.append
    sparse = builder.sparse
    status_messages = sparse["otel_status_message"]
    links_column = sparse["otel_links"]
    http_status = sparse["http_response_status_code"]
    http_method = sparse["http_method"]
    http_route = sparse["http_route"]
    url_full = sparse["url_full"]
    url_path = sparse["url_path"]
    url_query = sparse["url_query"]
    orjson_dumps = orjson.dumps
    status_names = _STATUS_NAMES
    zero_trace, zero_span = _ZERO_TRACE, _ZERO_SPAN
    schema_keys, decode_json = json_schema_keys, decode_json_attributes
    max_attributes, short_name = MAX_ATTRIBUTES_BYTES, _SHORT_NAME
    row = builder.rows
    accepted = 0
    for span in spans:
        start_ns = span.start_time_unix_nano
        if start_ns < lo or start_ns > hi:
            rejections.out_of_window(start_ns)
            continue
        trace_id = span.trace_id
        span_id = span.span_id
        if len(trace_id) != 16 or len(span_id) != 8 or trace_id == zero_trace or span_id == zero_span:
            rejections.reasons["invalid_ids"] += 1
            continue
        accepted += 1

        attributes: dict[str, Any] = {}
        for kv in span.attributes:
            value = kv.value
            # Most values are non-empty strings, then non-zero ints: reading those fields directly
            # beats WhichOneof + read (an unset oneof field reads as "" / 0, hence the fallback).
            item = value.string_value
            if not item:
                item = value.int_value
                if not item:
                    item = any_value(value)
            attributes[kv.key] = item

        # logfire.* keys that become columns; a value that cannot be used stays an attribute.
        pop = attributes.pop
        span_type = pop("logfire.span_type", None)
        if span_type is None or span_type == "span":
            kind = "span"
        elif span_type == "log" or span_type == "pending_span":  # noqa: PLR1714 - faster than `in`
            kind = span_type
        else:
            attributes["logfire.span_type"] = span_type
            kind = "span"
        message = pop("logfire.msg", None)
        if message is not None and type(message) is not str:
            attributes["logfire.msg"] = message
            message = None
        tags = pop("logfire.tags", None)
        if tags is not None and (tags := as_tags(original := tags)) is None:
            attributes["logfire.tags"] = original
        json_schema = pop("logfire.json_schema", None)
        if json_schema is not None:
            if type(json_schema) is str:
                keys = schema_keys(json_schema)
                if keys:
                    decode_json(attributes, keys)
            else:
                attributes["logfire.json_schema"] = json_schema
                json_schema = None
        status = span.status
        status_code = status.code
        level = pop("logfire.level_num", None)
        if level is None or not (type(level) is int and 1 <= level <= 24):
            if level is not None:
                attributes["logfire.level_num"] = level
            level = _LEVEL_ERROR if status_code == _STATUS_ERROR else _LEVEL_INFO

        parent = span.parent_span_id
        if kind == "pending_span":
            # Stored under the real span's ids: its id is our parent, its parent was sent aside.
            if len(parent) == 8 and parent != zero_span:
                real_span_id = parent
                parent_hex = _pending_parent(pop("logfire.pending_parent_id", None))
            else:
                real_span_id = span_id
                parent_hex = None
            end_ns = start_ns
            duration = None
        else:
            real_span_id = span_id
            parent_hex = parent.hex() if len(parent) == 8 and parent != zero_span else None
            if kind == "log":
                end_ns = start_ns
                duration = None
            else:
                end_ns = span.end_time_unix_nano
                if end_ns < start_ns:  # noqa: PLR1730 - cheaper than a max() call here
                    end_ns = start_ns
                duration = (end_ns - start_ns) / 1e9

        encoded = orjson_dumps(attributes)  # cannot fail: protobuf values nest < 100 levels
        if len(encoded) > max_attributes:
            encoded = encode_attributes(attributes)

        name = span.name
        if len(name) > short_name:
            name = truncate_utf8(name, MAX_NAME_BYTES)
        if message is None:
            message = name
        elif len(message) > short_name:
            message = truncate_utf8(message, MAX_NAME_BYTES)

        trace_hex = trace_id.hex()
        span_hex = real_span_id.hex()
        start_append(start_ns // 1000)
        end_append(end_ns // 1000)
        duration_append(duration)
        trace_append(trace_hex)
        span_append(span_hex)
        parent_append(parent_hex)
        kind_append(kind)
        level_append(level)
        name_append(name)
        message_append(message)
        attributes_append(encoded)
        schema_append(json_schema)
        tags_append(tags)
        status_append(status_names.get(status_code))
        if status.message:
            status_messages[row] = status.message

        # Promoted columns: semconv names first, the pre-1.21 names as fallback (RecordsBuilder.set_promoted).
        get = attributes.get
        value = get("http.response.status_code")
        if value is None:
            value = get("http.status_code")
        if type(value) is int and _INT32_MIN <= value <= _INT32_MAX:
            http_status[row] = value
        value = get("http.request.method")
        if value is None:
            value = get("http.method")
        if value is not None and (type(value) is str or (value := as_text(value)) is not None):
            http_method[row] = value
        value = get("http.route")
        if value is not None and (type(value) is str or (value := as_text(value)) is not None):
            http_route[row] = value
        value = get("url.full")
        if value is None:
            value = get("http.url")
        if value is not None and (type(value) is str or (value := as_text(value)) is not None):
            url_full[row] = value
        value = get("url.path")
        if value is not None and (type(value) is str or (value := as_text(value)) is not None):
            url_path[row] = value
        value = get("url.query")
        if value is not None and (type(value) is str or (value := as_text(value)) is not None):
            url_query[row] = value

        links = span.links
        if links:
            links_column[row] = _links(links)
        events = span.events
        if events:
            _span_events(
                events,
                builder,
                row,
                trace_id=trace_id,
                span_id=real_span_id,
                span_start_ns=start_ns,
                window=(lo, hi),
                emit_rows=kind != "pending_span",
            )
            row = builder.rows  # the event rows came after this span's row
        else:
            row += 1
    return accepted


def _span_events(
    events: Any,
    builder: RecordsBuilder,
    row: int,
    *,
    trace_id: bytes,
    span_id: bytes,
    span_start_ns: int,
    window: tuple[int, int],
    emit_rows: bool,
) -> None:
    """``otel_events`` and the exception columns of the span at ``row``, and its ``span_event`` rows."""
    lo, hi = window
    trace_hex, span_hex = trace_id.hex(), span_id.hex()
    items: list[dict[str, Any]] = []
    seen_exception = False
    for index, event in enumerate(events):
        name = event.name
        attributes = attributes_dict(event.attributes)
        when = event.time_unix_nano
        item: dict[str, Any] = {
            "name": name,
            "timestamp": iso_timestamp(when) if when else None,
            "attributes": attributes,
        }
        if event.dropped_attributes_count:
            item["dropped_attributes_count"] = event.dropped_attributes_count
        items.append(item)
        if name == "exception":
            if not seen_exception:
                seen_exception = True
                get = attributes.get
                builder.set_exception(
                    row, get("exception.type"), get("exception.message"), get("exception.stacktrace")
                )
            continue
        if not emit_rows:
            continue  # a pending span's events come again with the final span
        at_us = (when if lo <= when <= hi else span_start_ns) // 1000
        level = attributes.get("logfire.level_num")
        event_name = truncate_utf8(name, MAX_NAME_BYTES)
        builder.add_row(
            start_us=at_us,
            end_us=at_us,
            duration=None,
            trace_id=trace_hex,
            span_id=event_span_id(trace_id, span_id, index),
            parent_span_id=span_hex,
            kind="span_event",
            level=level if _valid_level(level) else _LEVEL_INFO,
            span_name=event_name,
            message=event_name,
            attributes=encode_attributes(attributes),
        )
    encoded = dumps(items)
    if len(encoded) > MAX_ATTRIBUTES_BYTES:
        # Share the record limit between the events' attributes.
        share = MAX_ATTRIBUTES_BYTES // len(items)
        for item in items:
            attrs = item["attributes"]
            item["attributes"] = orjson.loads(fit_attributes(attrs, dumps(attrs), limit=share))
        encoded = dumps(items)
    builder.sparse["otel_events"][row] = encoded


def event_span_id(trace_id: bytes, span_id: bytes, index: int) -> str:
    """The span id of a ``span_event`` row: its span's raw ids and its index among the span's events."""
    return derived_id(b"hearth-event", trace_id + span_id + index.to_bytes(4, "big"), 8).hex()


def _links(links: Any) -> bytes:
    items: list[dict[str, Any]] = []
    for link in links:
        item: dict[str, Any] = {
            "trace_id": link.trace_id.hex(),
            "span_id": link.span_id.hex(),
            "attributes": attributes_dict(link.attributes),
        }
        if link.trace_state:
            item["trace_state"] = link.trace_state
        if link.dropped_attributes_count:
            item["dropped_attributes_count"] = link.dropped_attributes_count
        items.append(item)
    return dumps(items)


# ---------------------------------------------------------------- logs


def logs_to_records(
    request: ExportLogsServiceRequest, *, project_id: str, received_at: datetime, now: datetime
) -> ConversionResult:
    """An ``ExportLogsServiceRequest`` as ``records`` rows of ``kind='log'`` (rules: module docstring)."""
    rejections = Rejections.for_window("log records", now)
    builder = RecordsBuilder()
    received_ns = unix_nano(received_at)
    accepted = 0
    for resource_logs in request.resource_logs:
        resource = resource_columns(resource_logs.resource)
        for scope_logs in resource_logs.scope_logs:
            scope = scope_columns(scope_logs.scope)
            for record in scope_logs.log_records:
                if _convert_log(record, builder, rejections, scope, received_ns):
                    accepted += 1
            builder.close_segment(resource, scope)
    return finish_request(
        builder,
        rejections,
        accepted=accepted,
        signal="logs",
        project_id=project_id,
        received_at=received_at,
    )


def _convert_log(  # noqa: PLR0912 - one branch per fallback of the data model
    record: Any, builder: RecordsBuilder, rejections: Rejections, scope: ScopeColumns, received_ns: int
) -> bool:
    at_ns = record.time_unix_nano or record.observed_time_unix_nano or received_ns
    if at_ns < rejections.window_start or at_ns > rejections.window_end:
        rejections.out_of_window(at_ns)
        return False
    attributes = attributes_dict(record.attributes)
    pop = attributes.pop
    template = attributes.get("logfire.msg_template")
    message = pop("logfire.msg", None)
    if message is not None and type(message) is not str:
        attributes["logfire.msg"] = message
        message = None
    tags = pop("logfire.tags", None)
    if tags is not None and (tags := as_tags(original := tags)) is None:
        attributes["logfire.tags"] = original
    json_schema = pop("logfire.json_schema", None)
    if json_schema is not None:
        if type(json_schema) is str:
            decode_json_attributes(attributes, json_schema_keys(json_schema))
        else:
            attributes["logfire.json_schema"] = json_schema
            json_schema = None

    body = any_value(record.body) if record.HasField("body") else None
    body_text = body if body is None or isinstance(body, str) else dumps(body).decode("utf-8")
    event_name = record.event_name or None
    if isinstance(template, str) and template:
        span_name = template
    elif event_name:
        span_name = event_name
    elif isinstance(body, str) and body:
        span_name = body
    else:
        span_name = scope.name or "log"
    if message is None:
        message = body_text or event_name or span_name

    # The record's own span id is the span it was logged in: our parent. Our ids derive from content.
    digest = derived_id(b"hearth-log", record.SerializeToString(deterministic=True), 24)
    trace_id = record.trace_id
    trace_hex = trace_id.hex() if len(trace_id) == 16 and trace_id != _ZERO_TRACE else digest[:16].hex()
    parent = record.span_id
    severity = record.severity_number
    row = builder.add_row(
        start_us=at_ns // 1000,
        end_us=at_ns // 1000,
        duration=None,
        trace_id=trace_hex,
        span_id=digest[16:].hex(),
        parent_span_id=parent.hex() if len(parent) == 8 and parent != _ZERO_SPAN else None,
        kind="log",
        level=severity if _valid_level(severity) else _LEVEL_INFO,
        span_name=truncate_utf8(span_name, MAX_NAME_BYTES),
        message=truncate_utf8(message, MAX_NAME_BYTES),
        attributes=encode_attributes(attributes),
        json_schema=json_schema,
        tags=tags,
    )
    if body_text is not None:
        builder.sparse["log_body"][row] = truncate_utf8(body_text, MAX_ATTRIBUTES_BYTES)
    get = attributes.get
    if get("exception.type") is not None or get("exception.message") is not None:
        builder.set_exception(
            row, get("exception.type"), get("exception.message"), get("exception.stacktrace")
        )
    builder.set_promoted(row, attributes)
    return True
