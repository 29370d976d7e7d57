"""Self-telemetry: a Hearth service exporting its own traces and metrics over OTLP/HTTP (off by default).

Turned on by ``HEARTH_OTEL_EXPORTER_ENDPOINT`` (a base URL such as Hearth's own gateway); the write token in
``HEARTH_OTEL_EXPORTER_TOKEN`` is sent as the raw ``Authorization`` header, the way the Logfire SDK does::

    handle = setup_telemetry(settings, "ingest")   # in create_app / the lifespan
    instrument_app(app, handle)                    # one server span per HTTP request
    ...
    handle.shutdown()                              # flushes pending spans and metrics

When the endpoint is unset nothing of the OpenTelemetry SDK is imported or created: the handle is inert
and :func:`instrument_app` leaves the app untouched.

Signals go to ``<endpoint>/v1/traces`` and ``<endpoint>/v1/metrics`` as gzip'd protobuf, with resource
``service.name = hearth-<service>`` and ``deployment.environment.name`` = the ``environment`` setting.
"""

# The OpenTelemetry SDK, exporters and ASGI instrumentation cost ~0.4 s to import: they are imported only
# when self-telemetry is on, inside the functions below.
# ruff: noqa: PLC0415

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth_shared.settings import HearthSettings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider

logger = logging.getLogger(__name__)

#: URL regexes (``re.search`` on the full URL, without query) that get no server span: probes would
#: otherwise make a span every few seconds.
DEFAULT_EXCLUDED_URLS = r"/health$,/ready$"


@dataclass
class TelemetryHandle:
    """What :func:`setup_telemetry` built. ``enabled`` is False (and both providers None) when it is off."""

    service_name: str
    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def enabled(self) -> bool:
        return self.tracer_provider is not None

    def shutdown(self) -> None:
        """Flush and stop both providers; safe to call twice, and a no-op when telemetry is off."""
        if self._closed:
            return
        self._closed = True
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()
        if self.meter_provider is not None:
            self.meter_provider.shutdown()


def setup_telemetry(
    settings: HearthSettings, service_name: str, *, install_global: bool = True
) -> TelemetryHandle:
    """Build the tracer and meter providers of service ``service_name`` from ``settings``.

    With ``install_global`` (the default, for a service process) the providers also become
    OpenTelemetry's global ones, so ``opentelemetry.trace.get_tracer(__name__)`` anywhere in the service
    uses them. OpenTelemetry allows that once per process; later calls keep the first providers global
    (with a warning from OpenTelemetry) but still return working providers of their own.
    """
    full_name = f"hearth-{service_name}"
    endpoint = (settings.otel_exporter_endpoint or "").strip().rstrip("/")
    if not endpoint:
        return TelemetryHandle(service_name=full_name)

    from opentelemetry import metrics, trace
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    headers: dict[str, str] = {}
    if settings.otel_exporter_token is not None:
        headers["Authorization"] = settings.otel_exporter_token.get_secret_value()
    resource = Resource.create(
        {"service.name": full_name, "deployment.environment.name": settings.environment}
    )

    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", headers=headers, compression=Compression.Gzip)
        )
    )
    metric_reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", headers=headers, compression=Compression.Gzip)
    )
    meter_provider = MeterProvider(resource=resource, metric_readers=[metric_reader])

    if install_global:
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
    logger.info("self-telemetry on", extra={"otel_endpoint": endpoint, "otel_service": full_name})
    return TelemetryHandle(
        service_name=full_name, tracer_provider=tracer_provider, meter_provider=meter_provider
    )


def instrument_app(
    app: FastAPI, handle: TelemetryHandle, *, excluded_urls: str = DEFAULT_EXCLUDED_URLS
) -> None:
    """Give every HTTP request of ``app`` a server span and request metrics, when telemetry is on.

    Call it in the app factory, before the app starts. Spans are named ``"<METHOD> <route template>"``
    (``GET /api/projects/{project_id}``) once routing has matched, so names stay low-cardinality; the
    per-message ``http send``/``http receive`` child spans are not recorded.
    """
    if not handle.enabled:
        return
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    # Added first = innermost: it runs inside the server span, after the router has set scope["route"].
    app.add_middleware(_RouteSpanName)
    app.add_middleware(
        OpenTelemetryMiddleware,
        excluded_urls=excluded_urls,
        tracer_provider=handle.tracer_provider,
        meter_provider=handle.meter_provider,
        exclude_spans=["receive", "send"],
    )


class _RouteSpanName:
    """Renames the current server span to ``METHOD /route/{template}`` once the request was routed.

    The ASGI middleware ends its span as soon as the last body chunk is sent, so the rename happens when
    the response starts (routing is done by then and FastAPI has put the matched route in the scope).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from opentelemetry import trace

        span = trace.get_current_span()

        async def send_and_name(message: Message) -> None:
            if message["type"] == "http.response.start" and span.is_recording():
                route = getattr(scope.get("route"), "path", None)
                if isinstance(route, str):
                    span.update_name(f"{scope.get('method', 'HTTP')} {route}")
                    span.set_attribute("http.route", route)
            await send(message)

        await self.app(scope, receive, send_and_name)
