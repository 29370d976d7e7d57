"""The ``records`` table (and ``records_all``): spans, logs, span events and pending spans.

Columns, order, types and nullability follow ``reference/data-model.md`` exactly; descriptions come from
its "meaning / derivation" column. Changing this schema changes what users' SQL sees and what every Parquet
file holds: do it deliberately (the test transcribes the column list on purpose).

Integer widths (data-model.md only says "int"):

- ``level`` is ``int32``: severity numbers are 1 to 24; ``int8``/``int16`` would save nothing after Parquet
  encoding and would show up as unusual types in query responses (the hosted ``/v1/schemas`` says
  ``INTEGER``, which is what ``int32`` renders as).
- ``process_pid`` is ``int64``: OTLP carries integer attributes as int64, so every value that arrives
  fits without a range check (the same type is used in ``metrics``).
- ``http_response_status_code`` is ``int32``: HTTP status codes are three digits; an attribute that is
  not an integer (or does not fit) becomes NULL at ingest, never an error.
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

from hearth_shared.schema.fields import TEXT, TIMESTAMP, column

_EXCEPTION_EVENT = "from the first `exception` span event"

RECORDS_SCHEMA: pa.Schema = pa.schema(
    [
        column(
            "start_timestamp",
            TIMESTAMP,
            nullable=False,
            description="Span start (log time for logs); the time-range filter of every view applies to it.",
        ),
        column(
            "end_timestamp",
            TIMESTAMP,
            nullable=False,
            description="Span end; equal to start_timestamp for logs.",
        ),
        column(
            "duration", pa.float64(), nullable=True, description="Span duration in seconds; NULL for logs."
        ),
        column(
            "created_at",
            TIMESTAMP,
            nullable=False,
            description="Ingest time of the record (for stable pagination of fresh data).",
        ),
        column(
            "day",
            pa.date32(),
            nullable=False,
            description="Partition column: the UTC day of start_timestamp.",
        ),
        column(
            "project_id",
            TEXT,
            nullable=False,
            description="Tenant column: the project the record belongs to.",
        ),
        column("trace_id", TEXT, nullable=False, description="Trace id: 32 lowercase hex characters."),
        column("span_id", TEXT, nullable=False, description="Span id: 16 lowercase hex characters."),
        column("parent_span_id", TEXT, nullable=True, description="Parent span id; NULL for root spans."),
        column(
            "kind",
            TEXT,
            nullable=False,
            description="Record kind: `span`, `log`, `span_event` or `pending_span`.",
        ),
        column(
            "level",
            pa.int32(),
            nullable=False,
            description=(
                "Severity number: trace 1, debug 5, info 9, notice 10, warn 13, error 17, fatal 21 "
                "(`level > 'info'` and `level_name(level)` work with the names)."
            ),
        ),
        column(
            "span_name",
            TEXT,
            nullable=False,
            description="Low-cardinality span name or message template; at most 512 bytes.",
        ),
        column(
            "message",
            TEXT,
            nullable=False,
            description="Formatted message (`logfire.msg`, else the span name); at most 512 bytes.",
        ),
        column(
            "attributes",
            TEXT,
            nullable=True,
            description=(
                "Span attributes as JSON text, minus the `logfire.*` keys that became columns; "
                "query with `attributes->>'key'`, `->` and `?`."
            ),
        ),
        column(
            "attributes_json_schema",
            TEXT,
            nullable=True,
            description="JSON schema of the attributes, from `logfire.json_schema`.",
        ),
        column("tags", pa.list_(TEXT), nullable=True, description="Tags, from `logfire.tags`."),
        column(
            "is_exception",
            pa.bool_(),
            nullable=True,
            description="True when the span has an event named `exception`.",
        ),
        column("exception_type", TEXT, nullable=True, description=f"Exception type, {_EXCEPTION_EVENT}."),
        column(
            "exception_message",
            TEXT,
            nullable=True,
            description=f"Exception message, {_EXCEPTION_EVENT}; at most 32,000 bytes.",
        ),
        column(
            "exception_stacktrace",
            TEXT,
            nullable=True,
            description=f"Exception stack trace, {_EXCEPTION_EVENT}; at most 32,000 bytes.",
        ),
        column("otel_status_code", TEXT, nullable=True, description="OpenTelemetry status code of the span."),
        column(
            "otel_status_message",
            TEXT,
            nullable=True,
            description="OpenTelemetry status message of the span.",
        ),
        column(
            "otel_events",
            TEXT,
            nullable=True,
            description="All span events, as a JSON array (text).",
        ),
        column("otel_links", TEXT, nullable=True, description="All span links, as a JSON array (text)."),
        column("otel_scope_name", TEXT, nullable=True, description="Instrumentation scope name."),
        column("otel_scope_version", TEXT, nullable=True, description="Instrumentation scope version."),
        column(
            "otel_scope_attributes",
            TEXT,
            nullable=True,
            description="Instrumentation scope attributes, as JSON text.",
        ),
        column(
            "otel_resource_attributes",
            TEXT,
            nullable=True,
            description="All resource attributes, as JSON text.",
        ),
        column(
            "service_name",
            TEXT,
            nullable=False,
            description="Resource attribute `service.name`, default `unknown_service`; at most 512 bytes.",
        ),
        column("service_version", TEXT, nullable=True, description="Resource attribute `service.version`."),
        column(
            "service_namespace", TEXT, nullable=True, description="Resource attribute `service.namespace`."
        ),
        column(
            "service_instance_id",
            TEXT,
            nullable=True,
            description="Resource attribute `service.instance.id`.",
        ),
        column("process_pid", pa.int64(), nullable=True, description="Resource attribute `process.pid`."),
        column(
            "deployment_environment",
            TEXT,
            nullable=True,
            description="`deployment.environment.name`, falling back to `deployment.environment`.",
        ),
        column(
            "telemetry_sdk_name", TEXT, nullable=True, description="Resource attribute `telemetry.sdk.name`."
        ),
        column(
            "telemetry_sdk_language",
            TEXT,
            nullable=True,
            description="Resource attribute `telemetry.sdk.language`.",
        ),
        column(
            "telemetry_sdk_version",
            TEXT,
            nullable=True,
            description="Resource attribute `telemetry.sdk.version`.",
        ),
        column(
            "http_response_status_code",
            pa.int32(),
            nullable=True,
            description=(
                "`http.response.status_code`, falling back to `http.status_code`; NULL when not an integer."
            ),
        ),
        column(
            "http_method",
            TEXT,
            nullable=True,
            description="`http.request.method`, falling back to `http.method`.",
        ),
        column("http_route", TEXT, nullable=True, description="`http.route`."),
        column("url_full", TEXT, nullable=True, description="`url.full`, falling back to `http.url`."),
        column("url_path", TEXT, nullable=True, description="`url.path`."),
        column("url_query", TEXT, nullable=True, description="`url.query`."),
        column(
            "log_body",
            TEXT,
            nullable=True,
            description="OTLP log record body: the string, or JSON text of a structured body.",
        ),
    ]
)
