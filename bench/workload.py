"""Logfire-shaped OTLP load shared by the benchmarks: what the ``logfire`` SDK sends.

reference/measured.md: 1000 spans per request, 16 attributes per span, ~826 B/span of protobuf:
code.*, logfire.msg/msg_template/json_schema/span_type, a JSON-encoded object attribute, HTTP
attributes, some logs with level_num, some tags.
"""

from __future__ import annotations

import random
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

SPANS_PER_REQUEST = 1000
ROUTES = ["/users/{id}", "/orders/{id}", "/items", "/health", "/search", "/carts/{cart_id}/items"]
TEMPLATES = [
    ("handle {method} {route}", "span"),
    ("db query {table}", "span"),
    ("cache lookup {key}", "span"),
    ("user {user_id} logged in", "log"),
    ("payment failed for order {order_id}", "log"),
]


RESOURCE = [
    ("service.name", "shop-api"),
    ("service.version", "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"),
    ("service.instance.id", "8b0e1f3c-2a4d-4e6f-9a1b-3c5d7e9f1a2b"),
    ("deployment.environment.name", "production"),
    ("telemetry.sdk.language", "python"),
    ("telemetry.sdk.name", "opentelemetry"),
    ("telemetry.sdk.version", "1.45.2"),
    ("logfire.version", "5.4.0"),
    ("host.name", "api-7d9f8b6c5-x2k4p"),
    ("process.runtime.name", "cpython"),
]
JSON_SCHEMA = (
    '{"type":"object","properties":{"method":{},"route":{},"user_id":{},'
    '"user":{"type":"object","title":"User","x-python-datatype":"dataclass"}}}'
)


def build_request(rng: random.Random, now_ns: int) -> bytes:
    """One export request of SPANS_PER_REQUEST Logfire-shaped spans (traces of 20 spans)."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    for key, value in RESOURCE:
        resource_spans.resource.attributes.add(key=key).value.string_value = value
    resource_spans.resource.attributes.add(key="process.pid").value.int_value = 4242
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name, scope_spans.scope.version = "logfire", "5.4.0"
    trace_id, root = rng.randbytes(16), rng.randbytes(8)
    for i in range(SPANS_PER_REQUEST):
        if i % 20 == 0:
            trace_id, root = rng.randbytes(16), rng.randbytes(8)
        add_span(scope_spans.spans.add(), i, rng, now_ns, (trace_id, root))
    body: bytes = request.SerializeToString()
    return body


def add_span(span: Any, i: int, rng: random.Random, now_ns: int, ids: tuple[bytes, bytes]) -> None:
    """Fill ``span`` like the SDK would: ~16 attributes, a JSON-encoded object, sometimes tags."""
    template, span_type = TEMPLATES[i % len(TEMPLATES)]
    route = ROUTES[i % len(ROUTES)]
    user_id = rng.randrange(1, 100_000)
    span.trace_id, span.parent_span_id = ids
    span.span_id = rng.randbytes(8)
    span.name, span.kind, span.flags = template, 1, 256
    start = now_ns - rng.randrange(0, 60_000_000_000)
    span.start_time_unix_nano = start
    span.end_time_unix_nano = start if span_type == "log" else start + rng.randrange(100_000, 90_000_000)
    attributes: list[tuple[str, str, Any]] = [
        ("code.filepath", "string_value", "app/handlers/users.py"),
        ("code.function", "string_value", "handle_request"),
        ("code.lineno", "int_value", 100 + i % 50),
        ("logfire.msg_template", "string_value", template),
        ("logfire.msg", "string_value", template.split("{")[0] + f"{user_id} {route}"),
        ("logfire.json_schema", "string_value", JSON_SCHEMA),
        ("logfire.span_type", "string_value", span_type),
        ("method", "string_value", "GET"),
        ("route", "string_value", route),
        ("user_id", "int_value", user_id),
        ("user", "string_value", f'{{"id":{user_id},"name":"Alice Example","signup":"2024-01-02"}}'),
        ("http.request.method", "string_value", "GET"),
        ("http.route", "string_value", route),
        ("http.response.status_code", "int_value", 200 if i % 17 else 500),
        ("url.full", "string_value", f"https://shop.example.com{route}?page={i % 7}"),
    ]
    if span_type == "log":
        attributes.append(("logfire.level_num", "int_value", 9 if i % 2 else 13))
    else:
        attributes.append(("duration_ms", "double_value", rng.random() * 90))
    for key, field_name, value in attributes:
        setattr(span.attributes.add(key=key).value, field_name, value)
    if i % 4 == 0:
        tags = span.attributes.add(key="logfire.tags").value.array_value.values
        tags.add().string_value = "api"
        tags.add().string_value = "v2"
