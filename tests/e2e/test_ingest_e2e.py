"""Ingest end to end: real SDKs → gateway → ingest (WAL, workers) → Parquet in object storage + catalog.

The SDK scenarios run behind a recording relay (``otlp_sdk_scenarios.py``) so each test knows exactly
which bytes reached the stack; the rows read back from the stack's Parquet files must equal, column by
column, what those bytes convert to (the conversion itself is checked against the SDKs' own facts in
``tests/ingest/test_otlp_sdk.py``). Only ``created_at`` and ``project_id`` differ by construction.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
import pytest

from tests.fixtures.stack import Stack
from tests.ingest.sdk_capture import capture

pytestmark = pytest.mark.stack

#: Set at conversion time or by the stack: never equal to a conversion done in the test.
VARYING = {"created_at", "project_id"}
WAIT_SECONDS = 60.0


def stored_rows(stack: Stack, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` in the stack's object storage (local directory in the embedded mode)."""
    rows: list[dict[str, Any]] = []
    for path in sorted((stack.data_dir / "objects" / table).rglob("*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


def wait_for_rows(
    stack: Stack, table: str, match: Callable[[dict[str, Any]], bool], count: int
) -> list[dict[str, Any]]:
    """The matching rows once at least ``count`` are stored (or whatever is there at the deadline)."""
    deadline = time.monotonic() + WAIT_SECONDS
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = [row for row in stored_rows(stack, table) if match(row)]
        if len(found) >= count:
            time.sleep(0.5)  # anything beyond ``count`` (a duplicate) would land in the same flush
            return [row for row in stored_rows(stack, table) if match(row)]
        time.sleep(0.2)
    return found


def comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = [{k: v for k, v in row.items() if k not in VARYING} for row in rows]
    return sorted(cleaned, key=repr)


def test_logfire_sdk_rows_are_stored_exactly_as_sent(stack: Stack, tmp_path: Path) -> None:
    sent = capture(
        "logfire", tmp_path / "out", forward_url=stack.base_url, token=stack.credentials["write_token"]
    )
    assert sent.statuses
    assert set(sent.statuses) == {200}, sent.statuses
    pid = sent.facts["pid"]
    expected_records, expected_metrics = sent.records(), sent.metrics()
    kinds = {row["kind"] for row in expected_records}
    assert {"span", "pending_span", "log", "span_event"} <= kinds

    records = wait_for_rows(stack, "records", lambda r: r["process_pid"] == pid, len(expected_records))
    assert comparable(records) == comparable(expected_records)
    metrics = wait_for_rows(stack, "metrics", lambda r: r["process_pid"] == pid, len(expected_metrics))
    assert comparable(metrics) == comparable(expected_metrics)
    assert {row["metric_name"] for row in metrics} >= {"requests", "inflight", "latency", "temperature"}


def test_plain_opentelemetry_sdk_rows_are_stored_exactly_as_sent(stack: Stack, tmp_path: Path) -> None:
    token = stack.credentials["write_token"]
    sent = capture("otel", tmp_path / "out", forward_url=stack.base_url, token=token)
    assert sent.statuses
    assert set(sent.statuses) == {200}, sent.statuses
    trace_id = sent.facts["trace_id"]
    expected_records = [r for r in sent.records() if r["trace_id"] == trace_id]
    assert len(expected_records) >= 3  # two spans and a span event

    records = wait_for_rows(stack, "records", lambda r: r["trace_id"] == trace_id, len(expected_records))
    assert comparable(records) == comparable(expected_records)
    server = next(r for r in records if r["span_id"] == sent.facts["server_span_id"] and r["kind"] == "span")
    assert server["http_route"] == "/items/{item_id}"
    assert server["http_response_status_code"] == 500


def test_hand_built_otlp_json_through_the_gateway(stack: Stack) -> None:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    now_ns = time.time_ns()
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-app"}}]},
                "scopeSpans": [
                    {
                        "scope": {"name": "hand.built"},
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": span_id,
                                "name": "json span",
                                "kind": 2,
                                "startTimeUnixNano": str(now_ns - 5_000_000),
                                "endTimeUnixNano": str(now_ns),
                                "attributes": [
                                    {"key": "http.route", "value": {"stringValue": "/json"}},
                                    {"key": "answer", "value": {"intValue": "42"}},
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    headers = {"Authorization": f"Bearer {stack.credentials['write_token']}"}
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        response = client.post("/v1/traces", json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.json().get("partialSuccess", {}).get("rejectedSpans", 0) == 0

        refused = client.post("/v1/traces", json=body, headers={"Authorization": "pylf_v1_local_nope"})
        assert refused.status_code == 401

    rows = wait_for_rows(stack, "records", lambda r: r["trace_id"] == trace_id, 1)
    assert len(rows) == 1
    row = rows[0]
    assert (row["span_id"], row["span_name"], row["kind"]) == (span_id, "json span", "span")
    assert row["service_name"] == "json-app"
    assert row["http_route"] == "/json"
    assert row["duration"] == pytest.approx(0.005)
