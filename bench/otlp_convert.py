"""OTLP → Arrow conversion throughput, on Logfire-shaped trace requests.

Builds export requests like the ``logfire`` SDK sends (reference/measured.md: 1000 spans per request,
16 attributes per span, ~826 B/span of protobuf: code.*, logfire.msg/msg_template/json_schema/span_type,
a JSON-encoded object attribute, HTTP attributes, some logs with level_num, some tags), then prints
spans/s per core for decode alone and for decode + conversion to a ``records`` table (best of N loops).
Compare with measured.md: decode ~700k spans/s, decode + pure-Python walk ~74k spans/s; absolute
figures move with the machine's load, the decode/convert ratio much less.

Run: ``UV_PYTHON_DOWNLOADS=never uv run python bench/otlp_convert.py [--requests 5] [--loops 7]``
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hearth_ingest.otlp import decode_request, spans_to_records
from hearth_shared.schema import validate_table

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


def reference_walk(body: bytes) -> pa.Table:
    """measured.md's reference: decode, then the minimal pure-Python walk into Arrow columns (ids, name,
    times, attributes as orjson JSON) with none of the mapping rules: the same-machine yardstick."""
    request = ExportTraceServiceRequest.FromString(body)
    trace_ids: list[str] = []
    span_ids: list[str] = []
    names: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    attributes: list[bytes] = []
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                trace_ids.append(span.trace_id.hex())
                span_ids.append(span.span_id.hex())
                names.append(span.name)
                starts.append(span.start_time_unix_nano // 1000)
                ends.append(span.end_time_unix_nano // 1000)
                values: dict[str, Any] = {}
                for kv in span.attributes:
                    value = kv.value
                    item = value.string_value  # the same attribute loop as spans_to_records
                    if not item:
                        item = value.int_value
                        if not item:
                            which = value.WhichOneof("value")
                            item = getattr(value, which) if which in SCALARS else None
                    values[kv.key] = item
                attributes.append(orjson.dumps(values))
    timestamp = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "trace_id": pa.array(trace_ids, pa.string()),
            "span_id": pa.array(span_ids, pa.string()),
            "span_name": pa.array(names, pa.string()),
            "start_timestamp": pa.array(starts, timestamp),
            "end_timestamp": pa.array(ends, timestamp),
            "attributes": pa.array(attributes, pa.binary()).view(pa.string()),
        }
    )


SCALARS = frozenset({"string_value", "int_value", "double_value", "bool_value"})


def best_rates(runs: dict[str, Callable[[], object]], spans: int, loops: int) -> dict[str, float]:
    """spans/s of each run, best of ``loops``; the runs interleave so machine noise hits all alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(loops):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: spans / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5, help="requests per loop (1000 spans each)")
    parser.add_argument("--loops", type=int, default=15, help="loops; the best one is reported")
    args = parser.parse_args()

    pa.set_cpu_count(1)  # one core, like one ingest worker process
    now = datetime.now(UTC)
    now_ns = time.time_ns()
    rng = random.Random(20260501)
    bodies = [build_request(rng, now_ns) for _ in range(args.requests)]
    spans = args.requests * SPANS_PER_REQUEST
    size = sum(map(len, bodies))

    def decode() -> None:
        for body in bodies:
            decode_request("traces", body, "application/x-protobuf")

    def walk() -> None:
        for body in bodies:
            reference_walk(body)

    def convert() -> None:
        for body in bodies:
            request = decode_request("traces", body, "application/x-protobuf")
            spans_to_records(request, project_id="bench", received_at=now, now=now)

    check = spans_to_records(
        decode_request("traces", bodies[0], "application/x-protobuf"),
        project_id="bench",
        received_at=now,
        now=now,
    )
    validate_table("records", check.records)
    assert check.rejected == 0, check.error_message

    rates = best_rates({"decode": decode, "walk": walk, "convert": convert}, spans, args.loops)
    print(f"requests: {args.requests} x {SPANS_PER_REQUEST} spans, {size / spans:.0f} B/span protobuf")
    print(f"decode:                      {rates['decode']:>10,.0f} spans/s  (measured.md: ~700k)")
    print(f"decode + reference walk:     {rates['walk']:>10,.0f} spans/s  (measured.md: ~74k)")
    print(f"decode + spans_to_records:   {rates['convert']:>10,.0f} spans/s")
    print(f"convert / reference walk:    {rates['convert'] / rates['walk']:.2f}")


if __name__ == "__main__":
    main()
