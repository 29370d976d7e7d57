"""The C fast path of span conversion (``native/otlp``) against the Python converter.

``otlp_helpers.convert`` already runs every traces case of ``test_otlp_rules`` through both paths. Here:
random requests (hypothesis) mixing every attribute type and every ``logfire.*`` oddity, the proof that
Logfire-shaped spans really take the C path (not the fallback), and wire-format oddities that the C
code declines.
"""

from __future__ import annotations

import random
import string
from datetime import timedelta
from typing import Any

import orjson
from google.protobuf.message import DecodeError  # type: ignore[import-untyped, unused-ignore]
from hearth_otlp_native import convert_spans
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from bench.workload import build_request
from hearth_ingest.otlp.native import spans_body_to_records
from hearth_ingest.otlp.result import Rejections
from tests.ingest.otlp_helpers import (
    NOW,
    PROJECT,
    RECEIVED,
    any_value,
    assert_same_records,
    convert,
    ns,
    wire_field,
    wire_varint,
)

WINDOW = Rejections.for_window("spans", NOW)

# ---------------------------------------------------------------- strategies


def _one_in(n: int) -> st.SearchStrategy[bool]:
    """True once in ``n`` draws (st.integers would favour its bounds), shrinking to False."""
    return st.sampled_from([False] * (n - 1) + [True])


_text = st.text(max_size=40)  # every code point but surrogates, control characters included
_long_text = st.text(alphabet='aé€😀\x01"\\', min_size=120, max_size=400)  # past 512 bytes
_scalar = st.one_of(
    st.none(),
    _text,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
)
_simple_value = st.one_of(
    _scalar,
    _long_text,
    st.lists(_scalar, max_size=4),
    st.lists(_text, max_size=4),
    st.sampled_from(['{"a": [1, 2]}', "[1, 2", "17", '"x"', "null", "0123456789abcdef"]),
)
_complex_value = st.one_of(
    st.lists(st.lists(_scalar, max_size=2), max_size=2),
    st.dictionaries(_text, _scalar, max_size=3),
    st.binary(max_size=8),
)
# Mostly what the C path handles (so most random spans exercise it), now and then what it leaves to Python.
_value = _one_in(30).flatmap(lambda rare: _complex_value if rare else _simple_value)
_keys = st.one_of(
    _text,
    st.sampled_from(
        [
            "logfire.span_type",
            "logfire.msg",
            "logfire.tags",
            "logfire.json_schema",
            "logfire.level_num",
            "logfire.pending_parent_id",
            "logfire.msg_template",
            "http.response.status_code",
            "http.status_code",
            "http.request.method",
            "http.method",
            "http.route",
            "url.full",
            "http.url",
            "url.path",
            "url.query",
            "user",
        ]
    ),
)
_special_values: dict[str, st.SearchStrategy[Any]] = {
    "logfire.span_type": st.sampled_from(["span", "log", "pending_span", "annotation", 3, None]),
    "logfire.tags": st.one_of(st.lists(_text, max_size=3), _text, st.just([1, "a"]), st.just(7)),
    "logfire.level_num": st.one_of(st.integers(min_value=-2, max_value=30), st.just("9"), st.just(True)),
    "logfire.pending_parent_id": st.sampled_from(
        ["00f067aa0ba902b7", "00F067AA0BA902B7", "0000000000000000", "xyz", "00f067aa 0ba902b", 5]
    ),
    "logfire.json_schema": st.builds(
        lambda keys, raw: (
            raw
            or orjson.dumps({"type": "object", "properties": {k: {"type": "object"} for k in keys}}).decode()
        ),
        st.lists(_keys, max_size=4),
        st.sampled_from([None, None, "not json", '{"properties": []}', "{}"]),
    ),
}


@st.composite
def _attributes(draw: st.DrawFn) -> list[tuple[str, Any]]:
    out = []
    unique = not draw(_one_in(10))  # duplicate keys now and then (the C path leaves them to Python)
    for key in draw(st.lists(_keys, max_size=12, unique=unique)):
        special = _special_values.get(key)
        out.append((key, draw(special if special is not None and draw(st.booleans()) else _value)))
    return out


_ids = (
    st.one_of(st.binary(min_size=16, max_size=16), st.just(bytes(16)), st.binary(max_size=17)),
    st.one_of(st.binary(min_size=8, max_size=8), st.just(bytes(8)), st.binary(max_size=9)),
)


@st.composite
def _span(draw: st.DrawFn, span: Any) -> None:
    trace_ids, span_ids = _ids
    span.trace_id = draw(trace_ids) if draw(_one_in(10)) else random.Random(draw(st.integers())).randbytes(16)
    span.span_id = draw(span_ids) if draw(_one_in(10)) else random.Random(draw(st.integers())).randbytes(8)
    span.parent_span_id = draw(st.sampled_from([b"", bytes(8), b"\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", b"abcd"]))
    span.name = draw(st.one_of(_text, _long_text))
    start = (
        ns(NOW)
        + draw(st.integers(min_value=-25 * 3600, max_value=2 * 3600)) * 10**9
        + draw(st.integers(0, 999))
    )
    span.start_time_unix_nano = max(0, start)
    span.end_time_unix_nano = max(0, start + draw(st.integers(min_value=-(10**9), max_value=10**10)))
    for key, value in draw(_attributes()):
        span.attributes.add(key=key).value.CopyFrom(
            any_value(value)
        ) if value is not None else span.attributes.add(key=key)
    span.status.code = draw(st.sampled_from([0, 1, 2]))
    span.status.message = draw(st.sampled_from(["", "boom", "é\n"]))
    if draw(_one_in(10)):
        event = span.events.add(name=draw(st.sampled_from(["exception", "retry"])), time_unix_nano=start)
        event.attributes.add(key="exception.type").value.string_value = "ValueError"
    if draw(_one_in(15)):
        span.links.add(trace_id=bytes(range(16)), span_id=bytes(range(8)))


@st.composite
def _requests(draw: st.DrawFn) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    for _ in range(draw(st.integers(1, 2))):
        resource_spans = request.resource_spans.add()
        for key, value in draw(
            st.lists(st.tuples(st.sampled_from(["service.name", "x"]), _scalar), max_size=2)
        ):
            resource_spans.resource.attributes.add(key=key).value.CopyFrom(any_value(value))
        for _ in range(draw(st.integers(1, 2))):
            scope_spans = resource_spans.scope_spans.add()
            scope_spans.scope.name = draw(st.sampled_from(["", "logfire", "app"]))
            for _ in range(draw(st.integers(0, 6))):
                draw(_span(scope_spans.spans.add()))
    return request


# ---------------------------------------------------------------- tests


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_requests())
def test_random_requests_give_the_rows_of_the_python_converter(request: ExportTraceServiceRequest) -> None:
    convert("traces", request)  # asserts both paths agree, rejections and error message included


def test_logfire_shaped_spans_take_the_c_path() -> None:
    body = build_request(random.Random(7), ns(NOW))
    converted = convert_spans(body, WINDOW.window_start, WINDOW.window_end)
    assert converted is not None
    rows, _, runs, resources, scopes, complex_spans = converted
    assert (rows, complex_spans) == (1000, [])
    assert runs == [(1000, 0, 0)]
    assert len(resources) == len(scopes) == 1
    convert("traces", ExportTraceServiceRequest.FromString(body))


def test_only_the_spans_with_events_go_to_python() -> None:
    request = ExportTraceServiceRequest.FromString(build_request(random.Random(8), ns(NOW)))
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[3].events.add(name="exception").attributes.add(key="exception.type").value.string_value = "KeyError"
    spans[500].start_time_unix_nano = ns(NOW - timedelta(days=2))  # rejected, counted in Python
    body = request.SerializeToString()
    converted = convert_spans(body, WINDOW.window_start, WINDOW.window_end)
    assert converted is not None
    assert (converted[0], converted[5]) == (998, [(0, 0, 3), (0, 0, 500)])
    result = convert("traces", request)
    assert result.rejected == 1
    assert result.records.num_rows == 999 + 1  # the kept spans (an exception makes no row), the ingest error


def _request_with_span(extra_span_fields: bytes) -> bytes:
    span = (
        wire_field(1, 2, bytes(range(1, 17)))
        + wire_field(2, 2, bytes(range(1, 9)))
        + wire_field(5, 2, b"name")
    )
    span += wire_field(7, 1, ns(NOW).to_bytes(8, "little")) + extra_span_fields
    return wire_field(1, 2, wire_field(2, 2, wire_field(2, 2, span)))


def test_wire_format_oddities_are_left_to_the_python_converter() -> None:
    oddities = {
        "end time sent as a varint (protobuf keeps it as an unknown field)": wire_field(8, 0, wire_varint(5)),
        "the status message sent twice (protobuf merges them)": wire_field(15, 2, wire_field(3, 0, b"\x02"))
        * 2,
        "a group": wire_varint(20 << 3 | 3) + wire_varint(20 << 3 | 4),
    }
    for reason, extra in oddities.items():
        body = _request_with_span(extra)
        assert convert_spans(body, WINDOW.window_start, WINDOW.window_end) is None, reason
        convert("traces", ExportTraceServiceRequest.FromString(body))


def test_unknown_fields_are_skipped_by_the_c_path() -> None:
    body = _request_with_span(
        wire_field(99, 2, b"future") + wire_field(98, 0, wire_varint(1)) + wire_field(97, 5, b"abcd")
    )
    body += wire_field(50, 2, b"unknown top-level field")
    converted = convert_spans(body, WINDOW.window_start, WINDOW.window_end)
    assert converted is not None
    assert converted[0] == 1
    convert("traces", ExportTraceServiceRequest.FromString(body))


def test_every_character_is_escaped_as_orjson_does() -> None:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = bytes(range(1, 17)), bytes(range(1, 9)), "escapes"
    span.start_time_unix_nano = span.end_time_unix_nano = ns(NOW)
    every_ascii = "".join(map(chr, range(128)))
    span.attributes.add(key=every_ascii).value.string_value = every_ascii + "é€😀\u2028"
    body = request.SerializeToString()
    native = spans_body_to_records(body, project_id=PROJECT, received_at=RECEIVED, now=NOW)
    assert native.records.column("attributes").to_pylist() == [
        orjson.dumps({every_ascii: every_ascii + "é€😀\u2028"}).decode()
    ]
    assert convert_spans(body, WINDOW.window_start, WINDOW.window_end) is not None
    assert_same_records(native.records, convert("traces", request).records)


def test_doubles_and_promoted_numbers_are_spelled_like_python() -> None:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = bytes(range(1, 17)), bytes(range(1, 9)), "numbers"
    span.start_time_unix_nano = span.end_time_unix_nano = ns(NOW)
    for key, value in [
        ("a", 1e16),
        ("b", 1e-5),
        ("c", float("nan")),
        ("http.route", 0.1),
        ("url.path", 1e22),
    ]:
        span.attributes.add(key=key).value.double_value = value
    span.attributes.add(key="http.method").value.int_value = -(2**63)
    result = convert("traces", request)
    row = result.records.to_pylist()[0]
    assert (row["http_route"], row["url_path"], row["http_method"]) == ("0.1", "1e+22", str(-(2**63)))
    assert (
        row["attributes"] == '{"a":1e+16,"b":0.00001,"c":null,"http.route":0.1,"url.path":1e+22,'
        '"http.method":-9223372036854775808}'
    )


def test_names_of_any_length_are_cut_the_same_way() -> None:
    rng = random.Random(3)
    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add().scope_spans.add()
    for length in range(500, 530):
        span = scope.spans.add()
        span.trace_id, span.span_id = rng.randbytes(16), rng.randbytes(8)
        span.start_time_unix_nano = span.end_time_unix_nano = ns(NOW)
        span.name = "".join(rng.choice("ab€😀" + string.ascii_letters) for _ in range(length))
        span.attributes.add(key="logfire.msg").value.string_value = span.name[::-1]
    result = convert("traces", request)
    assert all(len(name.encode()) <= 512 for name in result.records.column("span_name").to_pylist())


_SEED_REQUEST = ExportTraceServiceRequest.FromString(build_request(random.Random(11), ns(NOW)))
del _SEED_REQUEST.resource_spans[0].scope_spans[0].spans[6:]  # small: mutations land everywhere
_SEED_REQUEST.resource_spans[0].scope_spans[0].spans[2].events.add(name="retry")
_SEED_BODY = _SEED_REQUEST.SerializeToString()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(_SEED_BODY) - 1),
            st.one_of(st.integers(0x20, 0x7E), st.integers(0, 255)),  # text stays valid UTF-8 half the time
            st.sampled_from(["set", "insert", "delete"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_bytes_that_protobuf_accepts_convert_alike(mutations: list[tuple[int, int, str]]) -> None:
    """Whatever bytes protobuf's parser accepts (non-canonical varints, repeated fields, unknown or
    mistyped fields...), the C path gives the Python converter's rows or declines."""
    body = bytearray(_SEED_BODY)
    for wanted, value, how in mutations:
        position = min(wanted, len(body) - 1)
        if how == "set":
            body[position] = value
        elif how == "insert":
            body.insert(position, value)
        elif len(body) > 1:
            del body[position]
    try:
        request = ExportTraceServiceRequest.FromString(bytes(body))
    except DecodeError:
        request = None  # the door answers 400: nothing reaches the converters
    # only decodable bodies count as examples (hypothesis fails the test if too few are)
    assume(request is not None)
    assert request is not None
    python = convert("traces", request)  # the request re-serialised: canonical bytes, both paths
    native = spans_body_to_records(bytes(body), project_id=PROJECT, received_at=RECEIVED, now=NOW)
    assert_same_records(native.records, python.records)  # the bytes as sent: what the WAL holds
    assert (native.rejected, native.error_message) == (python.rejected, python.error_message)
