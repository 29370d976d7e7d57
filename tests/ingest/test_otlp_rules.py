"""The mapping rules of data-model.md (and the decisions where it is silent) on hand-built requests."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from hearth_ingest.otlp.builder import INGEST_ERROR_LEVEL, INGEST_ERROR_MESSAGE
from hearth_ingest.otlp.records import event_span_id
from hearth_ingest.otlp.values import MAX_ATTRIBUTES_BYTES, truncate_utf8
from tests.ingest.otlp_helpers import (
    NOW,
    PARENT_ID,
    PROJECT,
    RECEIVED,
    SPAN_ID,
    TRACE_ID,
    convert,
    key_value,
    logs_request,
    ns,
    rows,
    trace_request,
)


def one_span(**fields: Any) -> dict[str, Any]:
    result = convert("traces", trace_request(fields))
    assert result.rejected == 0, result.error_message
    [row] = rows(result)
    return row


# ---------------------------------------------------------------- time window


def test_time_window_drops_and_reports_once() -> None:
    def at(delta: timedelta, span_id: int) -> dict[str, Any]:
        start = ns(NOW + delta)
        return {
            "span_id": span_id.to_bytes(8, "big"),
            "start_time_unix_nano": start,
            "end_time_unix_nano": start,
        }

    request = trace_request(
        at(-timedelta(hours=25), 1),  # too old
        at(-timedelta(hours=24), 2),  # the boundary is kept
        at(-timedelta(hours=23), 3),
        at(timedelta(minutes=59), 4),
        at(timedelta(hours=1), 5),  # the boundary is kept
        at(timedelta(hours=1, seconds=1), 6),  # too far in the future
        {"span_id": (7).to_bytes(8, "big"), "start_time_unix_nano": 0},  # 1970
    )
    result = convert("traces", request)
    assert result.rejected == 3
    assert result.error_message.startswith("rejected 3 of 7 spans: 3 outside the accepted time window [")
    assert "(2 older than 24 hours, 1 more than 1 hour in the future)" in result.error_message
    kept = sorted(int(row["span_id"], 16) for row in rows(result, kind="span"))
    assert kept == [2, 3, 4, 5]
    [error] = [row for row in rows(result) if row["message"] == INGEST_ERROR_MESSAGE]
    assert error["kind"] == "log"
    assert error["span_name"] == INGEST_ERROR_MESSAGE
    assert error["level"] == INGEST_ERROR_LEVEL == 13
    assert error["start_timestamp"] == error["end_timestamp"] == RECEIVED
    assert error["service_name"] == "hearth"
    assert error["otel_scope_name"] == "hearth.ingest"
    assert error["project_id"] == PROJECT
    assert json.loads(error["attributes"]) == {
        "signal": "traces",
        "rejected": 3,
        "reasons": {"too_new": 1, "too_old": 2},
        "detail": result.error_message,
    }
    # The error row's ids are deterministic too (replays must produce identical rows).
    assert convert("traces", request).records.equals(result.records)


def test_logs_time_window_uses_observed_time_and_received_at() -> None:
    old = ns(NOW - timedelta(days=2))
    request = logs_request(
        {"time_unix_nano": old, "observed_time_unix_nano": ns(NOW), "body": "old time wins"},
        {"observed_time_unix_nano": ns(NOW - timedelta(minutes=1)), "body": "observed only"},
        {"body": "no time at all"},
    )
    result = convert("logs", request)
    assert result.rejected == 1
    assert "rejected 1 of 3 log records" in result.error_message
    logs = {row["log_body"]: row for row in rows(result, kind="log") if row["log_body"]}
    assert set(logs) == {"observed only", "no time at all"}
    assert ns(logs["observed only"]["start_timestamp"]) == ns(NOW - timedelta(minutes=1))
    assert logs["no time at all"]["start_timestamp"] == RECEIVED


def test_metrics_window_and_summary() -> None:
    request = ExportMetricsServiceRequest()
    scope = request.resource_metrics.add().scope_metrics.add()
    gauge = scope.metrics.add(name="g")
    gauge.gauge.data_points.add(time_unix_nano=ns(NOW), as_int=5)
    gauge.gauge.data_points.add(time_unix_nano=ns(NOW - timedelta(days=3)), as_int=6)
    summary = scope.metrics.add(name="s")
    summary.summary.data_points.add(time_unix_nano=ns(NOW), count=1, sum=1.0)
    scope.metrics.add(name="no data")  # neither gauge nor sum…: nothing to store, nothing rejected
    result = convert("metrics", request)
    [point] = result.metrics.to_pylist()
    assert (point["metric_name"], point["scalar_value"]) == ("g", 5.0)
    assert point["service_name"] == "unknown_service"
    assert point["start_timestamp"] is None
    assert result.rejected == 2
    assert "rejected 2 of 3 data points" in result.error_message
    assert "1 of Summary metrics" in result.error_message
    [error] = rows(result)
    assert json.loads(error["attributes"])["reasons"] == {"summary": 1, "too_old": 1}
    assert json.loads(error["attributes"])["signal"] == "metrics"


def test_invalid_ids_are_rejected() -> None:
    request = trace_request(
        {"trace_id": b"\x01" * 8},
        {"span_id": b""},
        {"trace_id": bytes(16)},
        {"span_id": bytes(8)},
        {"name": "fine"},
    )
    result = convert("traces", request)
    assert result.rejected == 4
    assert "4 with an invalid trace or span id" in result.error_message
    assert [row["span_name"] for row in rows(result, kind="span")] == ["fine"]


# ---------------------------------------------------------------- text limits


def test_names_are_cut_at_512_bytes_on_a_character_boundary() -> None:
    name = "a" + "é" * 300  # 601 bytes; byte 512 is in the middle of an "é"
    row = one_span(
        name=name,
        attributes={"logfire.msg": "€" * 200},  # 600 bytes, 3-byte characters
    )
    assert row["span_name"] == "a" + "é" * 255
    assert len(row["span_name"].encode()) == 511
    assert row["message"] == "€" * 170
    assert len(row["message"].encode()) == 510
    result = convert("traces", trace_request({}, resource={"service.name": "ß" * 300}))
    assert rows(result)[0]["service_name"] == "ß" * 256


def test_message_defaults_to_the_span_name_and_short_names_are_untouched() -> None:
    row = one_span(name="x" * 512)
    assert row["span_name"] == row["message"] == "x" * 512


def test_exception_texts_are_cut_at_32000_bytes() -> None:
    stacktrace = "€" * 20_000  # 60,000 bytes
    row = one_span(
        events=[
            {
                "name": "exception",
                "time": ns(NOW),
                "attributes": {
                    "exception.type": "E",
                    "exception.message": "m" * 40_000,
                    "exception.stacktrace": stacktrace,
                },
            },
            {"name": "exception", "attributes": {"exception.type": "Second"}},
        ]
    )
    assert row["is_exception"] is True
    assert row["exception_type"] == "E"  # the first exception event
    assert row["exception_message"] == "m" * 32_000
    assert row["exception_stacktrace"] == "€" * 10_666
    assert len(row["exception_stacktrace"].encode()) == 31_998
    assert len(json.loads(row["otel_events"])) == 2  # all events stay in otel_events, uncut


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("", 5, ""),
        ("abc", 3, "abc"),
        ("abcd", 3, "abc"),
        ("é", 1, ""),
        ("aé", 2, "a"),
        ("𝄞x", 4, "𝄞"),
        ("𝄞", 3, ""),
    ],
)
def test_truncate_utf8(text: str, limit: int, expected: str) -> None:
    assert truncate_utf8(text, limit) == expected


def test_attributes_over_10_mb_are_cut_and_listed() -> None:
    big = "x" * (MAX_ATTRIBUTES_BYTES + 1_000_000)
    row = one_span(attributes={"big": big, "medium": "y" * 1000, "small": 1, "logfire.msg": "kept"})
    assert len(row["attributes"].encode()) <= MAX_ATTRIBUTES_BYTES
    attributes = json.loads(row["attributes"])
    assert attributes["logfire.truncated"] == ["big"]
    assert big.startswith(attributes["big"])
    assert len(attributes["big"]) > MAX_ATTRIBUTES_BYTES - 100_000  # cut only as much as needed
    assert attributes["medium"] == "y" * 1000
    assert attributes["small"] == 1
    assert row["message"] == "kept"


def test_attributes_over_10_mb_in_many_values() -> None:
    values = {f"k{i}": "v" * 3_000_000 for i in range(5)}  # 15 MB in five values
    attributes = json.loads(one_span(attributes=values)["attributes"])
    # Largest first (ties by key, descending, so the choice is deterministic), each cut only as needed.
    assert attributes["logfire.truncated"] == ["k4", "k3"]
    assert attributes["k4"] == ""
    assert 0 < len(attributes["k3"]) < 3_000_000
    assert all(attributes[k] == values[k] for k in ("k0", "k1", "k2"))
    assert sum(len(v) for k, v in attributes.items() if k != "logfire.truncated") <= MAX_ATTRIBUTES_BYTES


def test_attribute_values_as_json() -> None:
    row = one_span(
        attributes={
            "empty": "",
            "zero": 0,
            "false": False,
            "nan": float("nan"),
            "inf": float("inf"),
            "min": -(2**63),
            "bytes": b"\x00\x01",
            "nested": {"a.b": [{"c": None}, 1.25]},
        }
    )
    assert json.loads(row["attributes"]) == {
        "empty": "",
        "zero": 0,
        "false": False,
        "nan": None,  # JSON has no NaN/Infinity
        "inf": None,
        "min": -(2**63),
        "bytes": "AAE=",
        "nested": {"a.b": [{"c": None}, 1.25]},
    }


# ---------------------------------------------------------------- logfire.* attributes


def test_logfire_keys_become_columns_and_leave_attributes() -> None:
    row = one_span(
        name="hello {name}",
        attributes={
            "logfire.msg_template": "hello {name}",
            "logfire.msg": "hello world",
            "logfire.tags": ["a", "b"],
            "logfire.level_num": 13,
            "logfire.span_type": "span",
            "logfire.json_schema": '{"type":"object","properties":{"name":{}}}',
            "name": "world",
            "logfire.sample_rate": 0.5,
        },
    )
    assert (row["span_name"], row["message"], row["tags"], row["level"]) == (
        "hello {name}",
        "hello world",
        ["a", "b"],
        13,
    )
    assert row["attributes_json_schema"] == '{"type":"object","properties":{"name":{}}}'
    assert json.loads(row["attributes"]) == {
        "logfire.msg_template": "hello {name}",
        "name": "world",
        "logfire.sample_rate": 0.5,
    }


def test_unusable_logfire_values_stay_attributes() -> None:
    row = one_span(
        attributes={
            "logfire.level_num": "loud",
            "logfire.msg": 42,
            "logfire.span_type": "annotation",
            "logfire.tags": {"not": "a list"},
            "logfire.json_schema": 7,
        }
    )
    assert row["kind"] == "span"
    assert row["level"] == 9
    assert row["message"] == "span"
    assert row["tags"] is None
    assert row["attributes_json_schema"] is None
    assert json.loads(row["attributes"]) == {
        "logfire.level_num": "loud",
        "logfire.msg": 42,
        "logfire.span_type": "annotation",
        "logfire.tags": {"not": "a list"},
        "logfire.json_schema": 7,
    }


@pytest.mark.parametrize(
    ("status", "level_num", "expected"),
    [
        ((0, ""), None, 9),
        ((1, ""), None, 9),
        ((2, "x"), None, 17),
        ((2, "x"), 5, 5),
        ((0, ""), 0, 9),
        ((0, ""), 99, 9),
    ],
)
def test_level(status: tuple[int, str], level_num: int | None, expected: int) -> None:
    attributes = {} if level_num is None else {"logfire.level_num": level_num}
    assert one_span(status=status, attributes=attributes)["level"] == expected


def test_tags_variants() -> None:
    assert one_span(attributes={"logfire.tags": "single"})["tags"] == ["single"]
    assert one_span(attributes={"logfire.tags": []})["tags"] == []
    assert one_span(attributes={"logfire.tags": ["a", 1, True]})["tags"] == ["a", "1", "true"]
    assert one_span()["tags"] is None


def test_json_schema_decode_rule() -> None:
    schema = {
        "type": "object",
        "properties": {
            "obj": {"type": "object"},
            "when": {"type": "string", "format": "date-time"},
            "plain": {},
            "broken": {"type": "array"},
            "number": {"type": "integer"},
        },
    }
    row = one_span(
        attributes={
            "logfire.json_schema": json.dumps(schema),
            "obj": '{"id": 1, "tags": ["x"]}',
            "when": '"2024-01-02T03:04:05+00:00"',
            "plain": '{"looks": "like json"}',
            "broken": "[1, 2",
            "number": 7,  # not a string: nothing to decode
            "absent_from_schema": "[1]",
        }
    )
    assert json.loads(row["attributes"]) == {
        "obj": {"id": 1, "tags": ["x"]},
        "when": "2024-01-02T03:04:05+00:00",
        "plain": '{"looks": "like json"}',
        "broken": "[1, 2",
        "number": 7,
        "absent_from_schema": "[1]",
    }


def test_json_schema_decode_rule_keeps_very_deep_json() -> None:
    deep = "[" * 500 + "]" * 500  # valid JSON deeper than orjson writes
    row = one_span(
        attributes={"logfire.json_schema": '{"properties":{"deep":{"type":"array"}}}', "deep": deep}
    )
    assert json.loads(row["attributes"])["deep"] == json.loads(deep)


# ---------------------------------------------------------------- pending spans, events, links


def test_pending_span_maps_to_the_real_ids() -> None:
    pending_id = bytes.fromhex("1111111111111111")
    row = one_span(
        span_id=pending_id,
        parent_span_id=SPAN_ID,
        attributes={
            "logfire.span_type": "pending_span",
            "logfire.pending_parent_id": PARENT_ID.hex().upper(),
        },
        events=[{"name": "early event", "time": ns(NOW)}],
    )
    assert row["kind"] == "pending_span"
    assert row["span_id"] == SPAN_ID.hex()
    assert row["parent_span_id"] == PARENT_ID.hex()
    assert row["duration"] is None
    assert row["end_timestamp"] == row["start_timestamp"]
    assert json.loads(row["otel_events"])[0]["name"] == "early event"  # events kept, but no span_event row
    assert json.loads(row["attributes"]) == {}


@pytest.mark.parametrize("pending_parent", ["0000000000000000", "not-hex-at-all!!", "abc", None])
def test_pending_span_without_a_real_parent(pending_parent: str | None) -> None:
    attributes: dict[str, Any] = {"logfire.span_type": "pending_span"}
    if pending_parent is not None:
        attributes["logfire.pending_parent_id"] = pending_parent
    row = one_span(parent_span_id=SPAN_ID, attributes=attributes)
    assert row["span_id"] == SPAN_ID.hex()
    assert row["parent_span_id"] is None


def test_pending_span_without_parent_keeps_its_own_id() -> None:
    row = one_span(attributes={"logfire.span_type": "pending_span"})
    assert (row["kind"], row["span_id"], row["parent_span_id"]) == ("pending_span", SPAN_ID.hex(), None)


def test_span_events_rows_are_deterministic() -> None:
    start = ns(NOW - timedelta(seconds=1))
    request = trace_request(
        {
            "parent_span_id": PARENT_ID,
            "start_time_unix_nano": start,
            "events": [
                {"name": "first", "time": start + 10, "attributes": {"n": 1, "logfire.level_num": 13}},
                {"name": "exception", "time": start + 20, "attributes": {"exception.type": "E"}},
                {"name": "third", "time": 0},  # no time: the span's start
                {"name": "fourth", "time": ns(NOW + timedelta(days=400))},  # absurd time: the span's start
            ],
        }
    )
    result = convert("traces", request)
    events = rows(result, kind="span_event")
    assert [row["span_name"] for row in events] == ["first", "third", "fourth"]
    assert [row["span_id"] for row in events] == [event_span_id(TRACE_ID, SPAN_ID, i) for i in (0, 2, 3)]
    assert len({row["span_id"] for row in events}) == 3
    assert all(row["parent_span_id"] == SPAN_ID.hex() and row["trace_id"] == TRACE_ID.hex() for row in events)
    assert [row["level"] for row in events] == [13, 9, 9]
    assert ns(events[0]["start_timestamp"]) == (start + 10) // 1000 * 1000
    assert ns(events[1]["start_timestamp"]) == ns(events[2]["start_timestamp"]) == start // 1000 * 1000
    assert all(row["is_exception"] is False and row["otel_events"] is None for row in events)
    [span] = rows(result, kind="span")
    otel_events = json.loads(span["otel_events"])
    assert [e["name"] for e in otel_events] == ["first", "exception", "third", "fourth"]
    assert otel_events[2]["timestamp"] is None
    again = convert("traces", request)
    assert again.records.equals(result.records)


def test_links() -> None:
    request = trace_request({})
    span = request.resource_spans[0].scope_spans[0].spans[0]
    link = span.links.add(trace_id=TRACE_ID, span_id=PARENT_ID, trace_state="a=b", dropped_attributes_count=2)
    link.attributes.append(key_value("k", [1, 2]))
    [row] = rows(convert("traces", request))
    assert json.loads(row["otel_links"]) == [
        {
            "trace_id": TRACE_ID.hex(),
            "span_id": PARENT_ID.hex(),
            "attributes": {"k": [1, 2]},
            "trace_state": "a=b",
            "dropped_attributes_count": 2,
        }
    ]


# ---------------------------------------------------------------- columns


def test_timestamps_and_duration() -> None:
    start = ns(NOW - timedelta(seconds=3)) + 123_456  # sub-microsecond digits are dropped
    row = one_span(start_time_unix_nano=start, end_time_unix_nano=start + 2_500_000_789)
    assert ns(row["start_timestamp"]) == start // 1000 * 1000
    assert row["duration"] == 2.500000789
    assert row["created_at"] == RECEIVED
    assert row["day"] == row["start_timestamp"].date()
    assert row["project_id"] == PROJECT
    backwards = one_span(start_time_unix_nano=start, end_time_unix_nano=start - 10)
    assert backwards["end_timestamp"] == backwards["start_timestamp"]
    assert backwards["duration"] == 0.0
    log = one_span(
        attributes={"logfire.span_type": "log"}, start_time_unix_nano=start, end_time_unix_nano=start + 5
    )
    assert (log["kind"], log["duration"], log["end_timestamp"]) == ("log", None, log["start_timestamp"])


def test_day_is_the_utc_date_of_the_start() -> None:
    just_before_midnight = NOW.replace(hour=23, minute=59, second=59) - timedelta(days=1)
    row = one_span(start_time_unix_nano=ns(just_before_midnight), end_time_unix_nano=ns(NOW))
    assert row["day"] == just_before_midnight.date()


def test_promoted_http_columns() -> None:
    row = one_span(
        attributes={
            "http.status_code": 404,
            "http.method": "PUT",
            "http.url": "http://old/style",
            "http.route": "/r",
            "url.path": "/p",
            "url.query": "q=1",
        }
    )
    assert (row["http_response_status_code"], row["http_method"], row["url_full"]) == (
        404,
        "PUT",
        "http://old/style",
    )
    assert (row["http_route"], row["url_path"], row["url_query"]) == ("/r", "/p", "q=1")
    new = one_span(
        attributes={
            "http.response.status_code": 201,
            "http.status_code": 500,
            "http.request.method": "GET",
            "http.method": "PUT",
            "url.full": "http://new",
            "http.url": "http://old",
        }
    )
    assert (new["http_response_status_code"], new["http_method"], new["url_full"]) == (
        201,
        "GET",
        "http://new",
    )
    for odd in ("200", 2**40, True, 1.5):
        assert one_span(attributes={"http.response.status_code": odd})["http_response_status_code"] is None
    assert one_span(attributes={"http.route": 5})["http_route"] == "5"
    assert one_span(attributes={"http.route": ["a"]})["http_route"] is None
    plain = one_span()
    assert all(
        plain[c] is None for c in ("http_response_status_code", "http_method", "http_route", "url_full")
    )


def test_resource_columns() -> None:
    resource = {
        "service.name": "api",
        "service.version": 3,
        "service.namespace": "shop",
        "service.instance.id": "i-1",
        "process.pid": "123",  # not an int: NULL
        "deployment.environment": "old",
        "deployment.environment.name": "new",
        "telemetry.sdk.name": "opentelemetry",
        "telemetry.sdk.language": "rust",
        "telemetry.sdk.version": "0.30",
    }
    [row] = rows(convert("traces", trace_request({}, resource=resource, scope=("", ""))))
    assert row["service_name"] == "api"
    assert row["service_version"] == "3"
    assert row["service_namespace"] == "shop"
    assert row["service_instance_id"] == "i-1"
    assert row["process_pid"] is None
    assert row["deployment_environment"] == "new"
    assert (row["telemetry_sdk_name"], row["telemetry_sdk_language"], row["telemetry_sdk_version"]) == (
        "opentelemetry",
        "rust",
        "0.30",
    )
    assert json.loads(row["otel_resource_attributes"])["process.pid"] == "123"
    assert (row["otel_scope_name"], row["otel_scope_version"], row["otel_scope_attributes"]) == (
        None,
        None,
        "{}",
    )
    [bare] = rows(convert("traces", trace_request({}, resource={})))
    assert bare["service_name"] == "unknown_service"
    assert bare["otel_resource_attributes"] == "{}"
    assert bare["deployment_environment"] is None


def test_several_resources_and_scopes() -> None:
    request = trace_request({"name": "a"}, resource={"service.name": "one"})
    second = request.resource_spans.add()
    second.resource.attributes.append(key_value("service.name", "two"))
    for scope_name in ("s1", "s2"):
        scope = second.scope_spans.add()
        scope.scope.name = scope_name
        scope.spans.add().CopyFrom(request.resource_spans[0].scope_spans[0].spans[0])
        scope.spans[0].name = scope_name
    second.scope_spans.add()  # an empty scope: no rows
    result = convert("traces", request)
    assert [(r["span_name"], r["service_name"], r["otel_scope_name"]) for r in rows(result)] == [
        ("a", "one", "logfire"),
        ("s1", "two", "s1"),
        ("s2", "two", "s2"),
    ]


def test_empty_requests() -> None:
    for signal in ("traces", "logs", "metrics"):
        result = convert(
            signal, {"traces": trace_request, "logs": logs_request}.get(signal, ExportMetricsServiceRequest)()
        )
        assert (result.records.num_rows, result.metrics.num_rows, result.rejected, result.error_message) == (
            0,
            0,
            0,
            "",
        )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        convert("traces", trace_request(), now=NOW.replace(tzinfo=None))


# ---------------------------------------------------------------- logs


def test_log_record_columns() -> None:
    request = logs_request(
        {
            "time_unix_nano": ns(NOW),
            "severity_number": 21,
            "trace_id": TRACE_ID,
            "span_id": SPAN_ID,
            "body": ["a", 1],
            "attributes": {
                "logfire.msg_template": "template {x}",
                "logfire.msg": "formatted",
                "logfire.tags": ["t"],
                "exception.type": "ValueError",
                "exception.message": "bad",
                "http.response.status_code": 503,
            },
        },
        {"time_unix_nano": ns(NOW), "severity_number": 99, "event_name": "my.event"},
    )
    first, second = rows(convert("logs", request))
    assert (first["span_name"], first["message"], first["tags"], first["level"]) == (
        "template {x}",
        "formatted",
        ["t"],
        21,
    )
    assert json.loads(first["log_body"]) == ["a", 1]
    assert (first["trace_id"], first["parent_span_id"]) == (TRACE_ID.hex(), SPAN_ID.hex())
    assert first["is_exception"] is True
    assert (first["exception_type"], first["exception_message"], first["exception_stacktrace"]) == (
        "ValueError",
        "bad",
        None,
    )
    assert first["http_response_status_code"] == 503
    assert first["otel_status_code"] is None
    assert json.loads(first["attributes"])["logfire.msg_template"] == "template {x}"
    assert (second["span_name"], second["message"], second["level"]) == ("my.event", "my.event", 9)
    # Ids derive from the record's content: the same record always gets the same ids.
    again = rows(convert("logs", request))
    assert [(r["trace_id"], r["span_id"]) for r in again] == [
        (r["trace_id"], r["span_id"]) for r in (first, second)
    ]
    assert first["span_id"] != second["span_id"]
