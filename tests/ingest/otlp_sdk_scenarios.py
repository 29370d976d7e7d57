"""Real OTLP payloads from real SDKs, captured by a tiny local receiver (run as a subprocess).

``python tests/ingest/otlp_sdk_scenarios.py {logfire|otel} OUT_DIR`` starts an HTTP receiver on
127.0.0.1, points the SDK at it, emits one rich scenario, flushes, and writes every request it received
to ``OUT_DIR``: the (decompressed) bodies as ``NNN-<signal>.bin`` and ``manifest.json`` listing them
with their headers, plus facts the tests compare against (pid, span ids, SDK version).

A subprocess because both SDKs configure process-global providers: each scenario gets a clean process.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOKEN = "pylf_v1_local_abc123"
SERVICE_NAME = "hearth-test"
#: Well above the SDK's first batch delay (100 ms): the pending spans are exported before the final ones.
SLOW_SECONDS = 1.2
ENVIRONMENT = "ci"


class Receiver:
    """Stores every POST body (decompressed) with its path and headers; answers like an OTLP server."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                encoding = (self.headers.get("content-encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "content_type": self.headers.get("content-type"),
                            "content_encoding": encoding,
                            "body": body,
                        }
                    )
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:  # the logfire SDK checks its token at /v1/info
                payload = json.dumps({"project_name": "p", "project_url": "http://localhost/o/p"}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def dump(self, out: Path, facts: dict[str, Any]) -> None:
        out.mkdir(parents=True, exist_ok=True)
        manifest: list[dict[str, Any]] = []
        with self.lock:
            for index, request in enumerate(self.requests):
                signal = request["path"].rsplit("/", 1)[-1]
                name = f"{index:03d}-{signal}.bin"
                (out / name).write_bytes(request["body"])
                manifest.append(
                    {
                        "file": name,
                        "signal": signal,
                        "content_type": request["content_type"],
                        "content_encoding": request["content_encoding"],
                    }
                )
        (out / "manifest.json").write_text(json.dumps({"requests": manifest, "facts": facts}, indent=1))


def logfire_scenario(receiver: Receiver) -> dict[str, Any]:
    import logfire  # noqa: PLC0415 - only in the subprocess
    from opentelemetry import trace  # noqa: PLC0415
    from opentelemetry._logs import SeverityNumber, get_logger_provider  # noqa: PLC0415

    logfire.configure(
        send_to_logfire=True,
        token=TOKEN,
        service_name=SERVICE_NAME,
        environment=ENVIRONMENT,
        console=False,
        inspect_arguments=False,
        advanced=logfire.AdvancedOptions(base_url=receiver.url),
    )
    facts: dict[str, Any] = {"pid": os.getpid(), "sdk_version": logfire.VERSION, "slow_seconds": SLOW_SECONDS}

    def span_id_hex() -> str:
        return f"{trace.get_current_span().get_span_context().span_id:016x}"

    with logfire.span("request {user_id}", user_id=42, payload={"items": [1, 2]}, _tags=["api", "v2"]):
        facts["root_span_id"] = span_id_hex()
        with logfire.span("slow child"):
            facts["slow_span_id"] = span_id_hex()
            time.sleep(SLOW_SECONDS)
        for level in ("trace", "debug", "info", "notice", "warn", "error", "fatal"):
            logfire.log(level, "log at {level}", {"level": level})
        with logfire.span("child with event"):
            facts["event_span_id"] = span_id_hex()
            trace.get_current_span().add_event("cache miss", {"key": "user:42"})
        try:
            with logfire.span("risky {n}", n=3):
                raise ValueError("boom")
        except ValueError:
            pass
        logfire.info("unicode {text}", text="héllo ✓")
        # A real OTLP LogRecord inside a span: its parent must be this span.
        get_logger_provider().get_logger("app.logger").emit(
            severity_number=SeverityNumber.ERROR, body="log record in a span", attributes={"k": "v"}
        )

    logger = get_logger_provider().get_logger("app.logger")
    logger.emit(severity_number=SeverityNumber.WARN, body={"event": "structured", "count": 2})
    logger.emit(body="no severity")
    try:
        raise KeyError("missing")
    except KeyError as exc:
        logger.emit(severity_number=SeverityNumber.ERROR, body="caught", exception=exc)

    logfire.metric_counter("requests", unit="1").add(3, {"route": "/a"})
    logfire.metric_up_down_counter("inflight").add(2)
    logfire.metric_histogram("latency", unit="ms").record(12.5)
    logfire.metric_gauge("temperature").set(21.5)
    logfire.force_flush()
    return facts


def otel_scenario(receiver: Receiver) -> dict[str, Any]:
    from opentelemetry._logs import SeverityNumber  # noqa: PLC0415 - only in the subprocess
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter  # noqa: PLC0415
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter  # noqa: PLC0415
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415
    from opentelemetry.sdk._logs import LoggerProvider  # noqa: PLC0415
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor  # noqa: PLC0415
    from opentelemetry.sdk.metrics import MeterProvider  # noqa: PLC0415
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader  # noqa: PLC0415
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode  # noqa: PLC0415

    resource = Resource.create({"service.name": "otel-app", "deployment.environment": "staging"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{receiver.url}/v1/traces"))
    )
    tracer = tracer_provider.get_tracer("third.party.http", "2.0")
    facts: dict[str, Any] = {"pid": os.getpid()}
    with tracer.start_as_current_span("parent") as parent:
        facts["parent_span_id"] = f"{parent.get_span_context().span_id:016x}"
        facts["trace_id"] = f"{parent.get_span_context().trace_id:032x}"
        with tracer.start_as_current_span(
            "GET /items/{item_id}",
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": "GET",
                "http.route": "/items/{item_id}",
                "http.response.status_code": 500,
                "url.full": "http://shop/items/42?verbose=1",
                "url.path": "/items/42",
                "url.query": "verbose=1",
            },
            links=[Link(parent.get_span_context(), {"reason": "retry"})],
        ) as server:
            facts["server_span_id"] = f"{server.get_span_context().span_id:016x}"
            server.add_event("retrying", {"attempt": 2})
            server.set_status(Status(StatusCode.ERROR, "upstream failed"))
    tracer_provider.force_flush()

    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{receiver.url}/v1/logs"))
    )
    logger_provider.get_logger("otel.logger").emit(
        severity_number=SeverityNumber.INFO, body="plain otel log", attributes={"http.method": "POST"}
    )
    logger_provider.force_flush()

    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{receiver.url}/v1/metrics"), export_interval_millis=3_600_000
    )
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    meter = meter_provider.get_meter("otel.meter")
    histogram = meter.create_histogram("request.size", unit="By")
    for value in (5, 50, 500):
        histogram.record(value, {"route": "/items"})
    meter.create_counter("hits").add(7)
    meter_provider.force_flush()
    return facts


def main() -> None:
    scenario, out = sys.argv[1], Path(sys.argv[2])
    receiver = Receiver()
    facts = logfire_scenario(receiver) if scenario == "logfire" else otel_scenario(receiver)
    receiver.dump(out, facts)
    os._exit(0)  # skip exporters' atexit flushing: everything needed was flushed above


if __name__ == "__main__":
    main()
