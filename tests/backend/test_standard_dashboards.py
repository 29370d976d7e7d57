"""Every panel of every standard dashboard runs on a real query API (through the backend's
``/ui-api/.../query``, as the web UI sends it: ``$resolution`` replaced by a quoted interval) over
records and metrics of the shapes the SDK and OTel instrumentations send, and answers the columns the
panel's chart expects, with rows."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from hearth_backend.workspace.standard import STANDARD_NAMES, standard_dashboards
from hearth_shared.catalog import FileCatalog
from hearth_shared.db import DatabasePool
from hearth_shared.settings import StorageSettings
from hearth_shared.storage import open_storage
from tests.backend.conftest import make_tenant
from tests.backend.people import join_org, make_user, sign_in
from tests.backend.relay import backend_with_query_api
from tests.query_api.query_helpers import T0, Data, metric, record

RESOLUTION = "'1 minute'"
WINDOW = {
    "min_timestamp": (T0 - timedelta(hours=1)).isoformat(),
    "max_timestamp": (T0 + timedelta(hours=1)).isoformat(),
}

#: dashboard → panel id → the columns it answers
EXPECTED_COLUMNS: dict[str, dict[str, list[str]]] = {
    "overview": {
        "requests": ["x", "requests"],
        "errors": ["x", "errors", "exceptions"],
        "latency": ["x", "p50", "p95", "p99"],
        "error-rate": ["error_percent"],
        "records": ["records"],
        "levels": ["level", "records"],
        "services": ["service_name", "records"],
        "slowest": ["span_name", "spans", "avg_ms", "p95_ms", "errors"],
    },
    "exceptions": {
        "exceptions": ["x", "exceptions"],
        "total": ["exceptions"],
        "types-count": ["types"],
        "by-type-over-time": ["x", "exception_type", "exceptions"],
        "by-type": ["exception_type", "exceptions"],
        "by-message": [
            "exception_type",
            "exception_message",
            "exceptions",
            "services",
            "first_seen",
            "last_seen",
        ],
    },
    "web-server-metrics": {
        "requests": ["x", "requests"],
        "latency": ["x", "avg_ms", "p50_ms", "p95_ms"],
        "server-errors": ["x", "errors"],
        "status-codes": ["status_code", "requests"],
        "routes": ["route", "method", "requests", "avg_ms", "p95_ms", "max_ms"],
    },
    "system-metrics": {
        "cpu": ["x", "service_name", "cpu_percent"],
        "process-cpu": ["x", "service_name", "cpu_percent"],
        "memory": ["x", "service_name", "memory_used_percent"],
        "swap": ["x", "service_name", "swap_used_percent"],
        "load": ["x", "service_name", "load_1m"],
        "processes": ["x", "service_name", "processes"],
        "hosts": ["service_name", "last_seen", "cpu_percent", "process_cpu_percent", "max_load_1m"],
    },
}


def records_of(project_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = []
    for i in range(20):
        at = T0 + timedelta(seconds=7 * i)
        trace = uuid.uuid4().hex
        root = record(
            project_id,
            at,
            trace_id=trace,
            span_name="GET /items/{id}",
            message=f"GET /items/{i}",
            duration=0.01 * (i + 1),
            level=17 if i % 5 == 0 else 9,
            service_name="web" if i % 2 else "api",
        )
        child = record(project_id, at, trace_id=trace, parent_span_id=root["span_id"], span_name="db query")
        rows += [root, child]
        if i % 4 == 0:
            rows.append(
                record(
                    project_id,
                    at,
                    trace_id=trace,
                    kind="log",
                    level=17,
                    is_exception=True,
                    exception_type="ValueError" if i % 8 else "KeyError",
                    exception_message=f"bad item {i % 3}",
                    message="failed",
                )
            )
    return rows


def metrics_of(project_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = []
    for i in range(10):
        at = T0 + timedelta(seconds=30 * i)
        status = 500 if i % 4 == 0 else 200
        rows.append(
            metric(
                project_id,
                at,
                metric_name="http.server.duration",
                metric_type="histogram",
                unit="ms",
                aggregation_temporality="delta",
                scalar_value=None,
                histogram_count=4,
                histogram_sum=40.0 + i,
                histogram_min=2.0,
                histogram_max=20.0,
                histogram_bucket_counts=[0, 1, 2, 1, 0],
                histogram_explicit_bounds=[0.0, 5.0, 10.0, 25.0],
                attributes=json.dumps(
                    {"http.method": "GET", "http.route": "/items/{id}", "http.status_code": status}
                ),
            )
        )
        for name, value, attributes in (
            ("system.cpu.simple_utilization", 0.25, None),
            ("process.cpu.utilization", 0.05, None),
            ("system.memory.utilization", 0.6, {"state": "available"}),
            ("system.swap.utilization", 0.1, {"state": "used"}),
            ("system.cpu.load_average.1m", 1.5, None),
            ("system.process.count", 321.0, None),
        ):
            rows.append(
                metric(
                    project_id,
                    at,
                    metric_name=name,
                    metric_type="sum" if name == "system.process.count" else "gauge",
                    unit="1",
                    scalar_value=value,
                    attributes=json.dumps(attributes) if attributes else None,
                    otel_scope_name="logfire",
                )
            )
    return rows


def substituted(sql: str) -> str:
    return sql.replace("$resolution", RESOLUTION)


async def test_every_standard_panel_runs_on_the_query_api(
    tmp_path: Path, database_url: str, redis_url: str, db_pool: DatabasePool
) -> None:
    assert set(EXPECTED_COLUMNS) == set(STANDARD_NAMES)
    acme = await make_tenant(db_pool, "acme", "web")
    ada = await make_user(db_pool, "ada@example.com")
    await join_org(db_pool, acme.organization_id, ada, "member")
    storage = open_storage(StorageSettings(storage_url=f"file://{tmp_path / 'objects'}"))
    try:
        await Data(storage, FileCatalog(db_pool)).add("metrics", acme.project_id, metrics_of(acme.project_id))
    finally:
        await storage.close()
    records = {acme.project_id: records_of(acme.project_id)}
    failures: dict[str, Any] = {}
    async with (
        backend_with_query_api(tmp_path, database_url, redis_url, db_pool, records) as relay,
        httpx.AsyncClient(base_url=relay.backend, timeout=60) as browser,
    ):
        await sign_in(browser, "ada@example.com")
        listed = await browser.get("/ui-api/orgs/acme/projects/web/dashboards")
        assert {item["slug"] for item in listed.json()} == set(STANDARD_NAMES)
        for name, expected in EXPECTED_COLUMNS.items():
            installed = (await browser.get(f"/ui-api/orgs/acme/projects/web/dashboards/{name}")).json()
            assert installed["definition"] == standard_dashboards()[name].definition.model_dump(
                mode="json", exclude_none=True
            )
            panels = {p["id"]: p for p in installed["definition"]["panels"]}
            assert set(panels) == set(expected), name
            for panel_id, columns in expected.items():
                body = {"sql": substituted(panels[panel_id]["sql"]), **WINDOW}
                answer = await browser.post(
                    "/ui-api/orgs/acme/projects/web/query", json=body, params={"row_oriented": "true"}
                )
                if answer.status_code != 200:
                    failures[f"{name}/{panel_id}"] = answer.text[:300]
                    continue
                result = answer.json()
                got = [column["name"] for column in result["columns"]]
                numbers = [v for row in result["rows"] for v in row.values() if isinstance(v, int | float)]
                if got != columns or not result["rows"] or not numbers:
                    failures[f"{name}/{panel_id}"] = (got, result["rows"][:3])
    assert not failures, failures
