"""Real OTLP payloads from real SDKs, captured by a tiny local receiver (run as a subprocess).

``python tests/ingest/otlp_sdk_scenarios.py {logfire|otel} OUT_DIR [FORWARD_URL TOKEN]`` starts an HTTP
receiver on 127.0.0.1, points the SDK at it, emits one rich scenario, flushes, and writes every request it
received to ``OUT_DIR``: the (decompressed) bodies as ``NNN-<signal>.bin`` and ``manifest.json`` listing
them with their headers, plus facts the tests compare against (pid, span ids, SDK version).

With ``FORWARD_URL`` and ``TOKEN`` the receiver is a recording relay: it passes each request on, as
sent, to that server with ``Authorization: TOKEN`` and answers with the server's reply. End-to-end tests
use it to know exactly what the SDK sent to a running stack.

A subprocess because both SDKs configure process-global providers: each scenario gets a clean process.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
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

    def __init__(self, forward_url: str | None = None, token: str | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []  # the forward server's answers, when relaying
        self.in_flight = 0
        self.closed = False  # set by the dump: an SDK may still export (a late metrics export was seen)
        self.last_request = time.monotonic()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with receiver.lock:
                    receiver.in_flight += 1
                try:
                    self.receive()
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1
                        receiver.last_request = time.monotonic()

            def receive(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                encoding = (self.headers.get("content-encoding") or "").lower()
                sent = body
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                with receiver.lock:
                    if receiver.closed:  # after the dump: neither recorded nor relayed
                        self.send_error(503)
                        return
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "content_type": self.headers.get("content-type"),
                            "content_encoding": encoding,
                            "body": body,
                        }
                    )
                # Recorded before relaying: once the stack has it, it must be in the dump, even if
                # the SDK gives up on the reply.
                if forward_url is not None:
                    self.relay(sent)
                else:
                    self.send_response(200)
                    self.send_header("content-type", "application/x-protobuf")
                    self.send_header("content-length", "0")
                    self.end_headers()

            def relay(self, body: bytes) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower().startswith("content-")}
                headers["Authorization"] = token or ""
                url = f"{forward_url}{self.path}"  # http(s) only: the test passes the stack's URL
                request = urllib.request.Request(url, body, headers, method="POST")  # noqa: S310
                try:
                    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
                        status, reply_headers, reply_body = reply.status, reply.headers, reply.read()
                except urllib.error.HTTPError as exc:
                    status, reply_headers, reply_body = exc.code, exc.headers, exc.read()
                with receiver.lock:
                    receiver.statuses.append(status)
                self.send_response(status)
                reply_type = reply_headers.get("content-type") or "application/x-protobuf"
                self.send_header("content-type", reply_type)
                self.send_header("content-length", str(len(reply_body)))
                self.end_headers()
                self.wfile.write(reply_body)

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

    def wait_quiet(self, quiet_seconds: float = 0.5, limit_seconds: float = 10.0) -> None:
        """Until no request has been in flight for ``quiet_seconds``: an SDK may export once more
        right after its flush (a second metrics export was seen), and the dump must hold it."""
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            with self.lock:
                if not self.in_flight and time.monotonic() - self.last_request >= quiet_seconds:
                    return
            time.sleep(0.05)

    def dump(self, out: Path, facts: dict[str, Any]) -> None:
        out.mkdir(parents=True, exist_ok=True)
        manifest: list[dict[str, Any]] = []
        with self.lock:
            self.closed = True
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
        document = {"requests": manifest, "facts": facts, "statuses": self.statuses}
        (out / "manifest.json").write_text(json.dumps(document, indent=1))


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
    forward_url, token = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
    receiver = Receiver(forward_url, token)
    facts = logfire_scenario(receiver) if scenario == "logfire" else otel_scenario(receiver)
    receiver.wait_quiet()
    receiver.dump(out, facts)
    os._exit(0)  # skip exporters' atexit flushing: everything needed was flushed above


if __name__ == "__main__":
    main()
