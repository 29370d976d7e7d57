"""OTLP/JSON bodies written by hand, as the spec encodes them: hex ids, string nanos, camelCase keys."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from hearth_ingest.otlp import decode_request
from tests.ingest.otlp_helpers import NOW, convert, ns, rows

TRACE = "5b8efff798038103d269b633813fc60c"
SPAN = "eee19b7ec3c1b174"
PARENT = "eee19b7ec3c1b173"
LINKED_TRACE = "5b8efff798038103d269b633813fc700"
START = ns(NOW - timedelta(seconds=2))
END = START + 1_500_000_000


def traces_json() -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "json-svc"}},
                        {"key": "process.pid", "value": {"intValue": "1234"}},
                    ]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "my.library", "version": "1.0.0"},
                        "spans": [
                            {
                                "traceId": TRACE,
                                "spanId": SPAN,
                                "parentSpanId": PARENT,
                                "name": "I'm a server span",
                                "kind": 2,
                                "startTimeUnixNano": str(START),
                                "endTimeUnixNano": END,  # numbers are accepted too
                                "attributes": [
                                    {"key": "my.string", "value": {"stringValue": "some text"}},
                                    {"key": "my.int", "value": {"intValue": "9223372036854775807"}},
                                    {"key": "my.double", "value": {"doubleValue": 1.5}},
                                    {"key": "my.bool", "value": {"boolValue": True}},
                                    {
                                        "key": "my.bytes",
                                        "value": {"bytesValue": base64.b64encode(b"\x00\xff").decode()},
                                    },
                                    {
                                        "key": "my.array",
                                        "value": {
                                            "arrayValue": {"values": [{"intValue": 1}, {"stringValue": "a"}]}
                                        },
                                    },
                                    {
                                        "key": "my.map",
                                        "value": {
                                            "kvlistValue": {
                                                "values": [
                                                    {"key": "nested.key", "value": {"boolValue": False}}
                                                ]
                                            }
                                        },
                                    },
                                    {"key": "my.empty", "value": {}},
                                    {"key": "http.request.method", "value": {"stringValue": "POST"}},
                                ],
                                "events": [
                                    {
                                        "timeUnixNano": str(START + 1000),
                                        "name": "my event",
                                        "attributes": [{"key": "e", "value": {"intValue": "7"}}],
                                    }
                                ],
                                "links": [
                                    {"traceId": LINKED_TRACE.upper(), "spanId": PARENT, "traceState": "k=v"}
                                ],
                                "status": {"code": "STATUS_CODE_ERROR", "message": "bad"},
                                "someFutureField": {"ignored": True},
                            }
                        ],
                    }
                ],
            }
        ]
    }


def test_traces_json_decodes_hex_ids_and_string_nanos() -> None:
    request = decode_request("traces", orjson.dumps(traces_json()), "application/json; charset=utf-8")
    assert isinstance(request, ExportTraceServiceRequest)
    span = request.resource_spans[0].scope_spans[0].spans[0]
    assert span.trace_id == bytes.fromhex(TRACE)
    assert span.span_id == bytes.fromhex(SPAN)
    assert span.parent_span_id == bytes.fromhex(PARENT)
    assert span.links[0].trace_id == bytes.fromhex(LINKED_TRACE)  # hex is case-insensitive
    assert (span.start_time_unix_nano, span.end_time_unix_nano) == (START, END)
    assert span.kind == 2
    assert span.status.code == 2


def test_traces_json_converts_every_value_type() -> None:
    request = decode_request("traces", orjson.dumps(traces_json()), "application/json")
    result = convert("traces", request)
    [span] = rows(result, kind="span")
    assert (span["trace_id"], span["span_id"], span["parent_span_id"]) == (TRACE, SPAN, PARENT)
    assert span["duration"] == 1.5
    assert span["level"] == 17  # status ERROR
    assert (span["otel_status_code"], span["otel_status_message"]) == ("ERROR", "bad")
    assert span["service_name"] == "json-svc"
    assert span["process_pid"] == 1234
    assert span["http_method"] == "POST"
    assert (span["otel_scope_name"], span["otel_scope_version"]) == ("my.library", "1.0.0")
    assert json.loads(span["attributes"]) == {
        "my.string": "some text",
        "my.int": 9223372036854775807,  # int64 as a JSON number
        "my.double": 1.5,
        "my.bool": True,
        "my.bytes": base64.b64encode(b"\x00\xff").decode(),
        "my.array": [1, "a"],
        "my.map": {"nested.key": False},  # keys with dots stay literal
        "my.empty": None,
        "http.request.method": "POST",
    }
    assert json.loads(span["otel_links"]) == [
        {"trace_id": LINKED_TRACE, "span_id": PARENT, "trace_state": "k=v", "attributes": {}}
    ]
    [event] = rows(result, kind="span_event")
    assert event["parent_span_id"] == SPAN
    assert json.loads(event["attributes"]) == {"e": 7}


def test_logs_json() -> None:
    body = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "deployment.environment.name", "value": {"stringValue": "prod"}}]
                },
                "scopeLogs": [
                    {
                        "scope": {"name": "browser"},
                        "logRecords": [
                            {
                                "observedTimeUnixNano": str(START),
                                "severityNumber": "SEVERITY_NUMBER_WARN",
                                "severityText": "WARN",
                                "traceId": TRACE,
                                "spanId": SPAN,
                                "body": {
                                    "kvlistValue": {"values": [{"key": "a", "value": {"intValue": "1"}}]}
                                },
                                "attributes": [
                                    {"key": "url.full", "value": {"stringValue": "https://x/y?z=1"}}
                                ],
                                "eventName": "browser.click",
                            },
                            {
                                "timeUnixNano": START + 5,
                                "severityNumber": 17,
                                "body": {"stringValue": "text body"},
                            },
                            {"timeUnixNano": str(START), "traceId": "", "spanId": ""},
                        ],
                    }
                ],
            }
        ]
    }
    result = convert("logs", decode_request("logs", orjson.dumps(body), "application/json"))
    first, second, third = rows(result)
    assert first["kind"] == "log"
    assert first["level"] == 13
    assert first["trace_id"] == TRACE
    assert first["parent_span_id"] == SPAN
    assert first["span_id"] not in (SPAN, "")
    assert first["start_timestamp"] == first["end_timestamp"]
    assert ns(first["start_timestamp"]) == START // 1000 * 1000
    assert json.loads(first["log_body"]) == {"a": 1}
    assert first["span_name"] == "browser.click"  # the event name, before a structured body
    assert first["url_full"] == "https://x/y?z=1"
    assert first["service_name"] == "unknown_service"
    assert first["deployment_environment"] == "prod"
    assert (second["level"], second["message"], second["log_body"]) == (17, "text body", "text body")
    assert second["parent_span_id"] is None
    assert len(second["trace_id"]) == 32  # derived: the record has no trace context
    assert third["log_body"] is None
    assert third["message"] == third["span_name"] == "browser"  # nothing else: the scope (logger) name


def test_metrics_json() -> None:
    t = str(ns(NOW - timedelta(seconds=1)))
    start = str(ns(NOW - timedelta(seconds=61)))
    point = {"startTimeUnixNano": start, "timeUnixNano": t}
    body = {
        "resourceMetrics": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "m"}}]},
                "scopeMetrics": [
                    {
                        "scope": {"name": "meter"},
                        "metrics": [
                            {
                                "name": "g",
                                "unit": "1",
                                "description": "a gauge",
                                "gauge": {
                                    "dataPoints": [
                                        {
                                            "timeUnixNano": t,
                                            "asDouble": 0.5,
                                            "exemplars": [
                                                {
                                                    "timeUnixNano": t,
                                                    "asDouble": 0.5,
                                                    "traceId": TRACE,
                                                    "spanId": SPAN,
                                                }
                                            ],
                                        }
                                    ]
                                },
                            },
                            {
                                "name": "s",
                                "sum": {
                                    "aggregationTemporality": "AGGREGATION_TEMPORALITY_CUMULATIVE",
                                    "isMonotonic": True,
                                    "dataPoints": [{**point, "asInt": "42"}],
                                },
                            },
                            {
                                "name": "h",
                                "histogram": {
                                    "aggregationTemporality": 1,
                                    "dataPoints": [
                                        {
                                            **point,
                                            "count": "3",
                                            "sum": 6.0,
                                            "bucketCounts": ["1", "2", "0"],
                                            "explicitBounds": [1.0, 10.0],
                                            "min": 1.0,
                                            "max": 3.0,
                                        }
                                    ],
                                },
                            },
                            {
                                "name": "e",
                                "exponentialHistogram": {
                                    "aggregationTemporality": 1,
                                    "dataPoints": [
                                        {
                                            **point,
                                            "count": "4",
                                            "scale": -1,
                                            "zeroCount": "1",
                                            "zeroThreshold": 0.001,
                                            "positive": {"offset": -2, "bucketCounts": ["1", "1"]},
                                            "negative": {"offset": 3, "bucketCounts": ["1"]},
                                        }
                                    ],
                                },
                            },
                            {
                                "name": "summary",
                                "summary": {
                                    "dataPoints": [
                                        {
                                            **point,
                                            "count": "1",
                                            "sum": 1.0,
                                            "quantileValues": [{"quantile": 0.5, "value": 1}],
                                        },
                                        {**point, "count": "2", "sum": 2.0},
                                    ]
                                },
                            },
                        ],
                    }
                ],
            }
        ]
    }
    result = convert("metrics", decode_request("metrics", orjson.dumps(body), "application/json"))
    metrics = {row["metric_name"]: row for row in result.metrics.to_pylist()}
    assert set(metrics) == {"g", "s", "h", "e"}
    g = metrics["g"]
    assert (g["metric_type"], g["scalar_value"], g["metric_description"], g["unit"]) == (
        "gauge",
        0.5,
        "a gauge",
        "1",
    )
    [exemplar] = json.loads(g["exemplars"])
    assert exemplar["trace_id"] == TRACE
    assert exemplar["span_id"] == SPAN
    assert exemplar["value"] == 0.5
    assert exemplar["timestamp"].endswith("Z")
    s = metrics["s"]
    assert (s["scalar_value"], s["aggregation_temporality"], s["is_monotonic"]) == (42.0, "cumulative", True)
    assert ns(s["start_timestamp"]) == int(start)
    assert ns(s["recorded_timestamp"]) == int(t)
    h = metrics["h"]
    assert h["histogram_bucket_counts"] == [1, 2, 0]
    assert h["histogram_explicit_bounds"] == [1.0, 10.0]
    assert (h["histogram_count"], h["histogram_sum"], h["histogram_min"], h["histogram_max"]) == (
        3,
        6.0,
        1.0,
        3.0,
    )
    assert h["aggregation_temporality"] == "delta"
    e = metrics["e"]
    assert (e["exp_histogram_scale"], e["exp_histogram_zero_count"], e["exp_histogram_zero_threshold"]) == (
        -1,
        1,
        0.001,
    )
    assert e["exp_histogram_positive_bucket_counts"] == [1, 1]
    assert e["exp_histogram_positive_bucket_counts_offset"] == -2
    assert e["exp_histogram_negative_bucket_counts"] == [1]
    assert e["exp_histogram_negative_bucket_counts_offset"] == 3
    assert e["histogram_sum"] is None  # optional field not sent
    # Summary points are dropped and reported (partial success + one ingest error row).
    assert result.rejected == 2
    assert "2 of Summary metrics" in result.error_message
    [error] = rows(result)
    assert error["message"] == "logfire ingest error"
    assert json.loads(error["attributes"])["reasons"] == {"summary": 2}


@pytest.mark.parametrize("signal", ["traces", "logs", "metrics"])
def test_empty_json_object_is_an_empty_request(signal: str) -> None:
    result = convert(signal, decode_request(signal, b"{}", "application/json"))  # type: ignore[call-overload]
    assert result.records.num_rows == result.metrics.num_rows == result.rejected == 0
    assert result.error_message == ""


def test_snake_case_keys_are_accepted_with_hex_ids() -> None:
    body = {
        "resource_spans": [{"scope_spans": [{"spans": [{"trace_id": TRACE, "span_id": SPAN, "name": "x"}]}]}]
    }
    request = decode_request("traces", orjson.dumps(body), "application/json")
    assert request.resource_spans[0].scope_spans[0].spans[0].trace_id == bytes.fromhex(TRACE)
