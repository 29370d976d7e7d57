"""OTLP → records/metrics on payloads captured from the real ``logfire`` SDK and the plain OTel SDK.

Each SDK runs one rich scenario once, in a subprocess (both configure process-global providers), against
a local receiver (``otlp_sdk_scenarios.py``); the tests convert the captured bodies and check the result
column by column.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from google.protobuf import json_format  # type: ignore[import-untyped, unused-ignore]

from hearth_ingest.otlp import decode_request
from hearth_ingest.otlp.records import event_span_id
from tests.ingest.otlp_helpers import PROJECT
from tests.ingest.sdk_capture import Capture, capture

CONSUMED_KEYS = {
    "logfire.msg",
    "logfire.tags",
    "logfire.level_num",
    "logfire.span_type",
    "logfire.json_schema",
}


@pytest.fixture(scope="module")
def logfire_capture(tmp_path_factory: pytest.TempPathFactory) -> Capture:
    return capture("logfire", tmp_path_factory.mktemp("logfire") / "out")


@pytest.fixture(scope="module")
def otel_capture(tmp_path_factory: pytest.TempPathFactory) -> Capture:
    return capture("otel", tmp_path_factory.mktemp("otel") / "out")


# ---------------------------------------------------------------- logfire SDK: traces


def test_logfire_sends_gzipped_protobuf_and_nothing_is_rejected(logfire_capture: Capture) -> None:
    signals = {signal for signal, *_ in logfire_capture.requests}
    assert signals == {"traces", "logs", "metrics"}
    assert {ct for _, _, ct, _ in logfire_capture.requests} == {"application/x-protobuf"}
    assert {enc for *_, enc in logfire_capture.requests} == {"gzip"}
    assert all(r.rejected == 0 and r.error_message == "" for r in logfire_capture.results)
    assert not [row for row in logfire_capture.records() if row["message"] == "logfire ingest error"]


def test_logfire_root_span(logfire_capture: Capture) -> None:
    facts = logfire_capture.facts
    root = logfire_capture.one(kind="span", span_name="request {user_id}")
    assert root["span_id"] == facts["root_span_id"]
    assert root["parent_span_id"] is None
    assert root["message"] == "request 42"
    assert root["level"] == 9
    assert root["tags"] == ["api", "v2"]
    attributes = json.loads(root["attributes"])
    assert attributes["user_id"] == 42
    # The JSON-decode rule: the SDK sent `payload` as JSON text with a non-empty schema.
    assert attributes["payload"] == {"items": [1, 2]}
    assert attributes["logfire.msg_template"] == "request {user_id}"
    assert not CONSUMED_KEYS & attributes.keys()
    schema = json.loads(root["attributes_json_schema"])
    assert set(schema["properties"]) == {"user_id", "payload"}
    assert root["otel_status_code"] == "UNSET"
    assert root["otel_status_message"] is None
    assert root["is_exception"] is False
    assert root["otel_events"] is None
    assert root["otel_links"] is None
    assert root["duration"] == pytest.approx(
        (root["end_timestamp"] - root["start_timestamp"]).total_seconds(), abs=1e-6
    )
    assert root["duration"] >= logfire_capture.facts["slow_seconds"]  # it wrapped that long a sleep
    assert len(root["trace_id"]) == 32
    assert int(root["trace_id"], 16)


def test_logfire_children_share_the_trace_and_point_at_their_parent(logfire_capture: Capture) -> None:
    root = logfire_capture.one(kind="span", span_name="request {user_id}")
    rows = [row for row in logfire_capture.records() if row["kind"] != "pending_span"]
    # Everything of the scenario but the OTel log records outside the root span is in the root's trace.
    in_trace = [row for row in rows if row["trace_id"] == root["trace_id"]]
    assert len(in_trace) == len(rows) - 3
    for row in in_trace:
        if row["span_id"] != root["span_id"] and row["kind"] != "span_event":
            assert row["parent_span_id"] == root["span_id"], row["span_name"]


def test_logfire_pending_spans_are_stored_under_the_real_span_ids(logfire_capture: Capture) -> None:
    facts = logfire_capture.facts
    pending = {row["span_name"]: row for row in logfire_capture.records() if row["kind"] == "pending_span"}
    assert set(pending) == {"request {user_id}", "slow child"}
    root, slow = pending["request {user_id}"], pending["slow child"]
    # span_id := the pending span's parent (the real span); parent := logfire.pending_parent_id.
    assert root["span_id"] == facts["root_span_id"]
    assert root["parent_span_id"] is None  # pending_parent_id was all zeros
    assert slow["span_id"] == facts["slow_span_id"]
    assert slow["parent_span_id"] == facts["root_span_id"]
    final_slow = logfire_capture.one(kind="span", span_name="slow child")
    assert (final_slow["trace_id"], final_slow["span_id"]) == (slow["trace_id"], slow["span_id"])
    assert slow["start_timestamp"] == slow["end_timestamp"] == final_slow["start_timestamp"]
    assert slow["duration"] is None
    assert root["message"] == "request 42"
    assert root["tags"] == ["api", "v2"]
    for row in pending.values():
        attributes = json.loads(row["attributes"])
        assert "logfire.pending_parent_id" not in attributes
        assert not CONSUMED_KEYS & attributes.keys()


def test_logfire_logs_are_zero_duration_records_with_their_level(logfire_capture: Capture) -> None:
    logs = {
        row["message"]: row
        for row in logfire_capture.records()
        if row["kind"] == "log" and row["span_name"] == "log at {level}"
    }
    levels = {"trace": 1, "debug": 5, "info": 9, "notice": 10, "warn": 13, "error": 17, "fatal": 21}
    assert {message: row["level"] for message, row in logs.items()} == {
        f"log at {name}": number for name, number in levels.items()
    }
    for row in logs.values():
        assert row["duration"] is None
        assert row["start_timestamp"] == row["end_timestamp"]
        assert json.loads(row["attributes"])["level"] in levels
    # error and fatal logs carry status ERROR; the level came from logfire.level_num anyway
    assert logs["log at error"]["otel_status_code"] == "ERROR"
    unicode = logfire_capture.one(kind="log", span_name="unicode {text}")
    assert unicode["message"] == "unicode héllo ✓"


def test_logfire_span_event_becomes_a_row_and_stays_in_otel_events(logfire_capture: Capture) -> None:
    facts = logfire_capture.facts
    span = logfire_capture.one(kind="span", span_name="child with event")
    events = json.loads(span["otel_events"])
    assert [e["name"] for e in events] == ["cache miss"]
    assert events[0]["attributes"] == {"key": "user:42"}
    assert events[0]["timestamp"].endswith("Z")
    row = logfire_capture.one(kind="span_event")
    assert row["span_name"] == row["message"] == "cache miss"
    assert row["parent_span_id"] == span["span_id"] == facts["event_span_id"]
    assert row["trace_id"] == span["trace_id"]
    # Deterministic id (replaying the WAL must give identical rows): hash of the span's ids and index 0.
    assert row["span_id"] == event_span_id(bytes.fromhex(span["trace_id"]), bytes.fromhex(span["span_id"]), 0)
    assert json.loads(row["attributes"]) == {"key": "user:42"}
    assert row["duration"] is None
    assert span["start_timestamp"] <= row["start_timestamp"] <= span["end_timestamp"]
    assert row["service_name"] == span["service_name"]


def test_logfire_exception_columns(logfire_capture: Capture) -> None:
    risky = logfire_capture.one(kind="span", span_name="risky {n}")
    assert risky["message"] == "risky 3"
    assert risky["level"] == 17
    assert risky["is_exception"] is True
    assert risky["exception_type"] == "ValueError"
    assert risky["exception_message"] == "boom"
    assert "raise ValueError" in risky["exception_stacktrace"]
    assert risky["otel_status_code"] == "ERROR"
    assert risky["otel_status_message"] == "ValueError: boom"
    assert [e["name"] for e in json.loads(risky["otel_events"])] == ["exception"]
    # The exception event is a column, not a span_event row.
    events = [row for row in logfire_capture.records() if row["kind"] == "span_event"]
    assert [row["span_name"] for row in events] == ["cache miss"]


def test_logfire_resource_and_scope_columns(logfire_capture: Capture) -> None:
    facts = logfire_capture.facts
    for row in logfire_capture.records():
        if row["otel_scope_name"] == "app.logger":
            continue
        assert row["service_name"] == "hearth-test"
        assert row["deployment_environment"] == "ci"
        assert row["otel_scope_name"] == "logfire"
        assert row["otel_scope_version"] == facts["sdk_version"]
        assert row["process_pid"] == facts["pid"]
        assert row["telemetry_sdk_language"] == "python"
        assert row["telemetry_sdk_name"] == "opentelemetry"
        assert row["service_instance_id"]
        assert row["project_id"] == PROJECT
        assert row["created_at"] == logfire_capture.received_at
        assert row["day"] == row["start_timestamp"].date()
        resource = json.loads(row["otel_resource_attributes"])
        assert resource["service.name"] == "hearth-test"
        assert resource["logfire.version"] == facts["sdk_version"]


# ---------------------------------------------------------------- logfire SDK: logs and metrics


def test_logfire_otlp_log_records(logfire_capture: Capture) -> None:
    facts = logfire_capture.facts
    in_span = logfire_capture.one(kind="log", otel_scope_name="app.logger", log_body="log record in a span")
    root = logfire_capture.one(kind="span", span_name="request {user_id}")
    # The record's span id is the span it was emitted in: our parent; its own id is derived.
    assert in_span["parent_span_id"] == facts["root_span_id"]
    assert in_span["trace_id"] == root["trace_id"]
    assert in_span["span_id"] != facts["root_span_id"]
    assert in_span["level"] == 17
    assert in_span["message"] == in_span["span_name"] == "log record in a span"
    assert json.loads(in_span["attributes"]) == {"k": "v"}

    structured = logfire_capture.one(kind="log", otel_scope_name="app.logger", level=13)
    assert json.loads(structured["log_body"]) == {"event": "structured", "count": 2}
    assert structured["message"] == structured["log_body"]
    assert structured["span_name"] == "app.logger"  # no template, event name or string body
    assert structured["parent_span_id"] is None
    assert structured["start_timestamp"] == structured["end_timestamp"]  # observed time only
    assert structured["duration"] is None

    unset = logfire_capture.one(kind="log", log_body="no severity")
    assert unset["level"] == 9  # severity 0 → info

    caught = logfire_capture.one(kind="log", log_body="caught")
    assert caught["is_exception"] is True
    assert caught["exception_type"] == "KeyError"
    assert caught["exception_message"] == "'missing'"
    assert "raise KeyError" in caught["exception_stacktrace"]


def test_logfire_metrics(logfire_capture: Capture) -> None:
    metrics = {row["metric_name"]: row for row in logfire_capture.metrics()}
    assert set(metrics) == {"requests", "inflight", "latency", "temperature"}
    counter = metrics["requests"]
    assert counter["metric_type"] == "sum"
    assert counter["aggregation_temporality"] == "delta"
    assert counter["is_monotonic"] is True
    assert counter["scalar_value"] == 3.0
    assert counter["unit"] == "1"
    assert json.loads(counter["attributes"]) == {"route": "/a"}
    updown = metrics["inflight"]
    assert (updown["metric_type"], updown["aggregation_temporality"], updown["is_monotonic"]) == (
        "sum",
        "cumulative",
        False,
    )
    assert updown["scalar_value"] == 2.0
    histogram = metrics["latency"]
    assert histogram["metric_type"] == "exponential_histogram"
    assert histogram["unit"] == "ms"
    assert histogram["aggregation_temporality"] == "delta"
    assert histogram["is_monotonic"] is None
    assert (histogram["histogram_count"], histogram["histogram_sum"]) == (1, 12.5)
    assert (histogram["histogram_min"], histogram["histogram_max"]) == (12.5, 12.5)
    assert histogram["exp_histogram_scale"] == 20
    assert sum(histogram["exp_histogram_positive_bucket_counts"]) == 1
    assert histogram["exp_histogram_positive_bucket_counts_offset"] > 0
    assert histogram["exp_histogram_zero_count"] == 0
    assert histogram["histogram_bucket_counts"] is None
    gauge = metrics["temperature"]
    assert (gauge["metric_type"], gauge["scalar_value"]) == ("gauge", 21.5)
    assert gauge["aggregation_temporality"] is None
    assert gauge["start_timestamp"] is None  # gauges have no start time
    for row in metrics.values():
        assert row["service_name"] == "hearth-test"
        assert row["otel_scope_name"] == "logfire"
        assert row["day"] == row["recorded_timestamp"].date()
        assert row["created_at"] == logfire_capture.received_at
        assert row["project_id"] == PROJECT
        assert row["metric_description"] is None
        assert row["attributes_json_schema"] is None
    assert counter["start_timestamp"] <= counter["recorded_timestamp"]


def test_logfire_bodies_round_trip_through_otlp_json(logfire_capture: Capture) -> None:
    """The same requests written as OTLP/JSON (hex ids) decode to the same messages."""
    for signal, body, content_type, _ in logfire_capture.requests:
        message = decode_request(signal, body, content_type)  # type: ignore[call-overload]
        document = json_format.MessageToDict(message)
        _ids_to_hex(document)
        again = decode_request(signal, orjson.dumps(document), "application/json")  # type: ignore[call-overload]
        assert again == message


def _ids_to_hex(node: Any) -> None:
    """MessageToDict writes bytes as base64; OTLP/JSON wants trace/span ids as hex."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                import base64  # noqa: PLC0415

                node[key] = base64.b64decode(value).hex()
            else:
                _ids_to_hex(value)
    elif isinstance(node, list):
        for item in node:
            _ids_to_hex(item)


# ---------------------------------------------------------------- plain OpenTelemetry SDK


def test_otel_sdk_uncompressed_protobuf(otel_capture: Capture) -> None:
    assert {enc for *_, enc in otel_capture.requests} == {""}
    assert all(r.rejected == 0 for r in otel_capture.results)


def test_otel_server_span(otel_capture: Capture) -> None:
    facts = otel_capture.facts
    server = otel_capture.one(kind="span", span_name="GET /items/{item_id}")
    assert server["span_id"] == facts["server_span_id"]
    assert server["parent_span_id"] == facts["parent_span_id"]
    assert server["trace_id"] == facts["trace_id"]
    assert server["message"] == "GET /items/{item_id}"  # no logfire.msg: the span name
    assert server["level"] == 17  # status ERROR, no logfire.level_num
    assert server["otel_status_code"] == "ERROR"
    assert server["otel_status_message"] == "upstream failed"
    assert server["http_response_status_code"] == 500
    assert server["http_method"] == "GET"
    assert server["http_route"] == "/items/{item_id}"
    assert server["url_full"] == "http://shop/items/42?verbose=1"
    assert server["url_path"] == "/items/42"
    assert server["url_query"] == "verbose=1"
    assert server["tags"] is None
    assert server["attributes_json_schema"] is None
    assert server["service_name"] == "otel-app"
    assert server["deployment_environment"] == "staging"  # the old deployment.environment key
    assert server["otel_scope_name"] == "third.party.http"
    assert server["otel_scope_version"] == "2.0"
    assert server["process_pid"] is None  # Resource.create() does not add process.pid
    assert server["telemetry_sdk_name"] == "opentelemetry"
    links = json.loads(server["otel_links"])
    assert links == [
        {"trace_id": facts["trace_id"], "span_id": facts["parent_span_id"], "attributes": {"reason": "retry"}}
    ]
    event = otel_capture.one(kind="span_event")
    assert event["span_name"] == "retrying"
    assert event["parent_span_id"] == server["span_id"]
    assert json.loads(event["attributes"]) == {"attempt": 2}
    parent = otel_capture.one(kind="span", span_name="parent")
    assert parent["parent_span_id"] is None
    assert parent["level"] == 9
    assert parent["otel_status_code"] == "UNSET"


def test_otel_log_record(otel_capture: Capture) -> None:
    log = otel_capture.one(kind="log")
    assert log["message"] == log["span_name"] == log["log_body"] == "plain otel log"
    assert log["level"] == 9
    assert log["otel_scope_name"] == "otel.logger"
    assert log["http_method"] == "POST"  # promoted from the old http.method key
    assert log["service_name"] == "otel-app"


def test_otel_explicit_bucket_histogram(otel_capture: Capture) -> None:
    metrics = {row["metric_name"]: row for row in otel_capture.metrics()}
    histogram = metrics["request.size"]
    assert histogram["metric_type"] == "histogram"
    assert histogram["unit"] == "By"
    assert histogram["aggregation_temporality"] == "cumulative"
    assert histogram["histogram_count"] == 3
    assert histogram["histogram_sum"] == 555.0
    assert (histogram["histogram_min"], histogram["histogram_max"]) == (5.0, 500.0)
    bounds, counts = histogram["histogram_explicit_bounds"], histogram["histogram_bucket_counts"]
    assert len(counts) == len(bounds) + 1
    assert sum(counts) == 3
    assert counts[bounds.index(5.0)] == 1  # 5 falls in (0, 5]
    assert histogram["exp_histogram_scale"] is None
    assert json.loads(histogram["attributes"]) == {"route": "/items"}
    hits = metrics["hits"]
    assert (hits["metric_type"], hits["scalar_value"], hits["is_monotonic"]) == ("sum", 7.0, True)
    assert histogram["service_name"] == "otel-app"
    assert histogram["otel_scope_name"] == "otel.meter"
