"""Malformed bodies: every failure is an ``InvalidOtlp`` (400) with a precise reason, never another error.

hypothesis is not a dependency, so the fuzzing is a deterministic corpus (seeded random bytes, every
truncation of a real body, seeded mutations of a valid JSON document). Whatever decodes must also
convert without an error.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import timedelta
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hearth_ingest.errors import InvalidOtlp
from hearth_ingest.otlp import decode_request
from hearth_shared.errors import BadRequest, UnsupportedMediaType
from tests.ingest.otlp_helpers import NOW, convert, ns, trace_request

SIGNALS = ("traces", "logs", "metrics")
PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def decode_or_invalid(signal: str, body: bytes, content_type: str) -> Any:
    """Decode; an InvalidOtlp is fine, anything else fails the test. What decodes must convert."""
    error: InvalidOtlp | None = None
    try:
        request = decode_request(signal, body, content_type)  # type: ignore[call-overload]
    except InvalidOtlp as exc:
        error = exc
    if error is not None:
        assert error.status == 400
        assert error.detail.startswith("protobuf decode failed: " if content_type == PROTOBUF else "JSON: ")
        return None
    convert(signal, request)
    return request


def real_body() -> bytes:
    request = trace_request(
        {"name": "a span", "attributes": {"s": "text", "i": 1, "nested": {"k": [1.5, True, b"\x01"]}}},
        {"name": "another", "span_id": bytes(range(1, 9)), "events": [{"name": "e", "time": ns(NOW)}]},
    )
    body: bytes = request.SerializeToString()
    return body


def test_invalid_otlp_is_a_bad_request() -> None:
    with pytest.raises(BadRequest) as caught:
        decode_request("traces", b"\xff", PROTOBUF)
    assert isinstance(caught.value, InvalidOtlp)
    assert caught.value.status == 400
    assert caught.value.code == "invalid-otlp"


@pytest.mark.parametrize("signal", SIGNALS)
def test_random_bytes(signal: str) -> None:
    rng = random.Random(f"random-bytes-{signal}")
    rejected = 0
    for size in list(range(1, 64)) + [128, 1024, 4096] * 20:
        body = rng.randbytes(size)
        if decode_or_invalid(signal, body, PROTOBUF) is None:
            rejected += 1
        decode_or_invalid(signal, body, JSON)
    assert rejected > 50  # most random bytes are not protobuf


def test_every_truncation_of_a_real_body() -> None:
    body = real_body()
    outcomes = [decode_or_invalid("traces", body[:cut], PROTOBUF) is None for cut in range(len(body))]
    assert any(outcomes)
    assert decode_or_invalid("traces", body, PROTOBUF) is not None


def test_truncated_protobuf_message() -> None:
    body = real_body()
    with pytest.raises(InvalidOtlp, match=r"^protobuf decode failed: .+"):
        decode_request("traces", body[: len(body) // 2], PROTOBUF)


def test_invalid_utf8_in_a_protobuf_string() -> None:
    body = trace_request({"name": "AAAA"}).SerializeToString().replace(b"AAAA", b"A\xffAA")
    with pytest.raises(InvalidOtlp, match=r"^protobuf decode failed: .*UTF-8"):
        decode_request("traces", body, PROTOBUF)


def test_protobuf_nested_too_deep() -> None:
    request = ExportTraceServiceRequest()
    value = request.resource_spans.add().scope_spans.add().spans.add().attributes.add(key="deep").value
    for _ in range(120):
        value = value.array_value.values.add()
    value.string_value = "bottom"
    with pytest.raises(InvalidOtlp, match=r"^protobuf decode failed: .*[Dd]epth"):
        decode_request("traces", request.SerializeToString(), PROTOBUF)


def dump(document: Any) -> bytes:
    """JSON bytes (the stdlib: it also writes integers past 64 bits, which orjson refuses)."""
    return json.dumps(document).encode()


def spans_doc(**span: Any) -> bytes:
    return dump({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", r"^JSON: not valid JSON: "),
        (b"{", r"^JSON: not valid JSON: "),
        (b"[1, 2]", r"^JSON: the request must be a JSON object, got an array$"),
        (b'"text"', r"^JSON: the request must be a JSON object, got a string$"),
        (b"null", r"^JSON: the request must be a JSON object, got null$"),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "\xff"}]}]}]}',
            r"^JSON: not valid JSON: .*UTF-8",
        ),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "\\ud800"}]}]}]}',
            r"^JSON: not valid JSON: .*surrogate",
        ),
        (
            spans_doc(traceId="abc"),
            r"^JSON: traceId must be 32 hex characters, got 'abc' "
            r"\(at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\)$",
        ),
        (spans_doc(traceId="g" * 32), r"^JSON: traceId must be 32 hex characters, got 'g{32}'"),
        (spans_doc(traceId="ab " * 10 + "ab"), r"^JSON: traceId must be 32 hex characters"),
        (spans_doc(spanId="00" * 16), r"^JSON: spanId must be 16 hex characters"),
        (spans_doc(parentSpanId=12345), r"^JSON: parentSpanId must be a hex string, got a number"),
        (spans_doc(spanId=["ab"]), r"^JSON: spanId must be a hex string, got an array"),
        (
            spans_doc(links=[{"traceId": "0" * 32, "spanId": "xyz"}]),
            r"^JSON: spanId must be 16 hex characters, got 'xyz' "
            r"\(at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.links\[0\]\)$",
        ),
        (spans_doc(startTimeUnixNano={}), r"^JSON: resourceSpans\.scopeSpans\.spans\.startTimeUnixNano: "),
        (
            spans_doc(startTimeUnixNano="soon"),
            r"^JSON: resourceSpans\.scopeSpans\.spans\.startTimeUnixNano: ",
        ),
        (spans_doc(startTimeUnixNano=-1), r"^JSON: resourceSpans\.scopeSpans\.spans\.startTimeUnixNano: "),
        (spans_doc(startTimeUnixNano=2**64), r"^JSON: resourceSpans\.scopeSpans\.spans\.startTimeUnixNano: "),
        (spans_doc(name=5), r"^JSON: resourceSpans\.scopeSpans\.spans\.name: "),
        (spans_doc(attributes={"k": "v"}), r"^JSON: resourceSpans\.scopeSpans\.spans\.attributes: "),
        (spans_doc(status={"code": "NOT_A_CODE"}), None),  # unknown enum names are ignored (OTLP/JSON rule)
        (b'{"resourceSpans": "x"}', r"^JSON: resourceSpans: "),
        (b'{"resourceSpans": [{"scopeSpans": 3}]}', r"^JSON: resourceSpans\.scopeSpans: "),
    ],
)
def test_malformed_json(body: bytes, reason: str | None) -> None:
    if reason is None:
        decode_request("traces", body, JSON)
        return
    with pytest.raises(InvalidOtlp, match=reason):
        decode_request("traces", body, JSON)


def test_json_ids_in_logs_and_exemplars_are_checked() -> None:
    logs = dump({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"spanId": "123"}]}]}]})
    with pytest.raises(
        InvalidOtlp, match=r"spanId must be 16 hex characters, got '123' \(at resourceLogs\[0\]"
    ):
        decode_request("logs", logs, JSON)
    point = {"timeUnixNano": "1", "exemplars": [{"traceId": "nothex" * 5 + "ab"}]}
    metrics = dump(
        {
            "resourceMetrics": [
                {"scopeMetrics": [{"metrics": [{"name": "m", "gauge": {"dataPoints": [point]}}]}]}
            ]
        }
    )
    with pytest.raises(
        InvalidOtlp, match=r"traceId must be 32 hex .*metrics\[0\]\.gauge\.dataPoints\[0\]\.exemplars\[0\]"
    ):
        decode_request("metrics", metrics, JSON)


def test_json_nested_too_deep() -> None:
    value: dict[str, Any] = {"stringValue": "bottom"}
    for _ in range(200):
        value = {"arrayValue": {"values": [value]}}
    body = spans_doc(attributes=[{"key": "deep", "value": value}])
    with pytest.raises(InvalidOtlp, match=r"^JSON: resourceSpans\.scopeSpans\.spans\.attributes\..*too deep"):
        decode_request("traces", body, JSON)
    # Deeper than orjson itself reads:
    with pytest.raises(InvalidOtlp, match=r"^JSON: not valid JSON: .*depth"):
        decode_request("traces", b"[" * 2000 + b"]" * 2000, JSON)


def valid_json_document() -> dict[str, Any]:
    start = ns(NOW - timedelta(seconds=1))
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "s"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "x"},
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "name": "n",
                                "startTimeUnixNano": str(start),
                                "endTimeUnixNano": str(start + 10),
                                "attributes": [
                                    {"key": "a", "value": {"intValue": "1"}},
                                    {"key": "b", "value": {"arrayValue": {"values": [{"doubleValue": 2.5}]}}},
                                ],
                                "events": [{"name": "ev", "timeUnixNano": str(start + 1)}],
                                "status": {"code": 2},
                            }
                        ],
                    }
                ],
            }
        ]
    }


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*path, index))
    return out


def test_json_mutations_never_raise_anything_but_invalid_otlp() -> None:
    document = valid_json_document()
    assert decode_or_invalid("traces", dump(document), JSON) is not None
    replacements: list[Any] = [None, 0, -1, 2**70, 1.5, "", "zz", "0" * 32, True, [], {}, [{}], {"x": 1}]
    rng = random.Random("json-mutations")
    paths = [p for p in _paths(document) if p]
    for path in paths:
        for replacement in replacements:
            mutated = copy.deepcopy(document)
            parent = mutated
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = replacement
            decode_or_invalid("traces", dump(mutated), JSON)
    for _ in range(200):  # a few random multi-point mutations too
        mutated = copy.deepcopy(document)
        for path in rng.sample(paths, 3):
            try:
                parent = mutated
                for step in path[:-1]:
                    parent = parent[step]
                parent[path[-1]] = rng.choice(replacements)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation replaced this path's parent
        decode_or_invalid("traces", dump(mutated), JSON)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "", "application/grpc"])
def test_unsupported_content_type(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType, match="unsupported content type"):
        decode_request("traces", b"", content_type)


@pytest.mark.parametrize(
    "content_type",
    ["application/x-protobuf", "Application/X-Protobuf; charset=binary", "application/protobuf"],
)
def test_protobuf_content_types(content_type: str) -> None:
    assert decode_request("traces", real_body(), content_type).resource_spans


def test_unknown_signal_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown OTLP signal"):
        decode_request("profiles", b"", PROTOBUF)  # type: ignore[call-overload]
