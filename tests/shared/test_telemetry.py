"""Self-telemetry: off by default; when on, spans and metrics really reach an OTLP/HTTP endpoint.

The endpoint is a real HTTP server on 127.0.0.1 that records what it receives and decodes the protobuf.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from pydantic import SecretStr

from hearth_shared.settings import HearthSettings
from hearth_shared.telemetry import TelemetryHandle, instrument_app, setup_telemetry

TOKEN = "pylf_v1_local_selftelemetrytoken"


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names lowercased
    body: bytes  # decompressed


@dataclass
class Receiver:
    """A tiny OTLP/HTTP endpoint: answers 200 to every POST and keeps what it got."""

    url: str
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if got := self.received(path):
                return got
            time.sleep(0.02)
        raise AssertionError(f"nothing POSTed to {path}; got {[r.path for r in self.requests]}")

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) for every span received on /v1/traces."""
        out: list[tuple[dict[str, Any], Any]] = []
        for request in self.received("/v1/traces"):
            message = ExportTraceServiceRequest.FromString(request.body)
            for resource_spans in message.resource_spans:
                resource = _attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    out.extend((resource, span) for span in scope_spans.spans)
        return out

    def metric_names(self) -> set[str]:
        names: set[str] = set()
        for request in self.received("/v1/metrics"):
            message = ExportMetricsServiceRequest.FromString(request.body)
            for resource_metrics in message.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    names.update(metric.name for metric in scope_metrics.metrics)
        return names


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in pairs:
        kind = kv.value.WhichOneof("value")
        out[kv.key] = None if kind is None else getattr(kv.value, kind)
    return out


def _run_python(code: str, **env: str) -> None:
    """Run ``code`` in a fresh interpreter (OpenTelemetry's global providers can be set once per process)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_OTEL_", "OTEL_"))}
    # the logfire SDK (a test dependency) registers a pydantic plugin that imports the OTel SDK in any
    # process that imports pydantic; Hearth's own code is what these tests are about
    clean["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            with holder[0].lock:
                holder[0].requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def test_disabled_by_default_builds_nothing() -> None:
    global_provider = trace.get_tracer_provider()
    settings = HearthSettings(otel_exporter_endpoint=None, otel_exporter_token=SecretStr(TOKEN))
    handle = setup_telemetry(settings, "backend")

    assert isinstance(handle, TelemetryHandle)
    assert handle.enabled is False
    assert handle.tracer_provider is None
    assert handle.meter_provider is None
    assert handle.service_name == "hearth-backend"
    assert trace.get_tracer_provider() is global_provider  # nothing installed

    app = _app()
    instrument_app(app, handle)
    assert app.user_middleware == []
    handle.shutdown()
    handle.shutdown()


def test_disabled_does_not_even_import_the_sdk() -> None:
    code = """
        import sys
        from hearth_shared.settings import HearthSettings
        from hearth_shared.telemetry import setup_telemetry
        handle = setup_telemetry(HearthSettings(), "ingest")
        assert not handle.enabled
        prefixes = ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation")
        loaded = sorted(m for m in sys.modules if m.startswith(prefixes))
        assert not loaded, loaded
        """
    _run_python(code)


async def test_enabled_app_spans_and_metrics_reach_the_endpoint(receiver: Receiver) -> None:
    settings = HearthSettings(otel_exporter_endpoint=receiver.url + "/", otel_exporter_token=SecretStr(TOKEN))
    handle = setup_telemetry(settings, "backend", install_global=False)
    assert handle.enabled
    assert handle.tracer_provider is not None
    try:
        app = _app()
        instrument_app(app, handle)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/items/7")).json() == {"item_id": 7}
            assert (await client.get("/items/8")).status_code == 200
            assert (await client.get("/health")).status_code == 200
        with handle.tracer_provider.get_tracer("tests").start_as_current_span("manual work"):
            pass
    finally:
        handle.shutdown()
    handle.shutdown()  # idempotent

    traces = receiver.wait_for("/v1/traces")
    for request in traces:
        assert request.headers["authorization"] == TOKEN
        assert request.headers["content-type"] == "application/x-protobuf"
    spans = receiver.spans()
    names = [span.name for _, span in spans]
    assert names.count("GET /items/{item_id}") == 2  # route template, not the raw path
    assert "manual work" in names
    assert not [n for n in names if "health" in n]  # probes are excluded
    assert not [n for n in names if "http send" in n or "http receive" in n]
    resource, server_span = next((r, s) for r, s in spans if s.name == "GET /items/{item_id}")
    assert resource["service.name"] == "hearth-backend"
    assert resource["deployment.environment.name"] == "dev"
    assert server_span.kind == server_span.SPAN_KIND_SERVER
    assert _attributes(server_span.attributes)["http.route"] == "/items/{item_id}"

    metrics = receiver.wait_for("/v1/metrics")
    assert all(r.headers["authorization"] == TOKEN for r in metrics)
    assert any(name.startswith("http.server.") for name in receiver.metric_names())


def test_enabled_installs_global_providers(receiver: Receiver) -> None:
    """In a fresh process (globals can be set once): plain `trace.get_tracer()` spans are exported."""
    code = """
        from opentelemetry import metrics, trace
        from hearth_shared.settings import HearthSettings
        from hearth_shared.telemetry import setup_telemetry

        handle = setup_telemetry(HearthSettings(), "worker")
        assert trace.get_tracer_provider() is handle.tracer_provider
        assert metrics.get_meter_provider() is handle.meter_provider
        with trace.get_tracer("job").start_as_current_span("from global tracer"):
            metrics.get_meter("job").create_counter("jobs.done").add(1)
        handle.shutdown()
        """
    _run_python(code, HEARTH_OTEL_EXPORTER_ENDPOINT=receiver.url, HEARTH_OTEL_EXPORTER_TOKEN=TOKEN)

    traces = receiver.wait_for("/v1/traces")
    assert traces[0].headers["authorization"] == TOKEN
    [(resource, span)] = receiver.spans()
    assert span.name == "from global tracer"
    assert resource["service.name"] == "hearth-worker"
    receiver.wait_for("/v1/metrics")
    assert "jobs.done" in receiver.metric_names()
