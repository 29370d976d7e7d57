"""HTTP pieces every service shares: problem+json errors, `/health` and `/ready`, the app factory base.

A service's ``create_app`` calls :func:`service_app` with its settings, a lifespan that opens what it
needs in one ``AsyncExitStack`` and registers readiness checks, and its routers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import asyncpg
import orjson
import redis.exceptions as redis_errors
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth_shared.errors import HearthError
from hearth_shared.resources import Resources, open_resources, register_readiness
from hearth_shared.settings import ServiceSettings
from hearth_shared.telemetry import instrument_app, setup_telemetry

logger = logging.getLogger("hearth.web")

PROBLEM_JSON = "application/problem+json"
ReadinessCheck = Callable[[], Awaitable[object]]
READY_TIMEOUT_SECONDS = 2.0


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    code: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:hearth:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(
        orjson.dumps(body, default=str), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def error_response(exc: HearthError, instance: str | None = None) -> Response:
    headers = {"Retry-After": str(max(1, round(exc.retry_after)))} if exc.retry_after is not None else None
    return problem_response(
        exc.status, exc.title, exc.detail, code=exc.code, instance=instance, headers=headers, **exc.extra
    )


def install_problem_handlers(app: FastAPI) -> None:
    """The one place where errors become HTTP problems."""

    async def on_hearth_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HearthError)
        if exc.status >= 500:
            logger.warning(
                "request failed: %s", exc.detail, extra={"path": request.url.path, "status": exc.status}
            )
        return error_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return problem_response(
            422,
            "Invalid request",
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            code="unprocessable-entity",
            instance=request.url.path,
            errors=errors,
        )

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else orjson.dumps(exc.detail).decode()
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route for {request.method} {request.url.path}"
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem_response(
            exc.status_code,
            title,
            detail,
            code=title.lower().replace(" ", "-"),
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    app.add_exception_handler(HearthError, on_hearth_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_middleware(UnexpectedErrorMiddleware)


class UnexpectedErrorMiddleware:
    """Turns an exception nobody handled into a 500 problem, logged once with its traceback.

    Starlette's own catch-all re-raises after answering (so servers log it twice); this answers and
    stops. If the response had already started, the connection is all that can be closed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            path = scope.get("path", "")
            response = unexpected_error_response(exc, path)
            if started:
                raise
            await response(scope, receive, send)


#: A dependency dropped or refused a connection mid-request (PostgreSQL or Redis restarting, a network
#: cut): the client should retry, so 503 with Retry-After rather than a 500 that says "our bug".
DEPENDENCY_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    ConnectionError,
)


def unexpected_error_response(exc: Exception, path: str) -> Response:
    """The problem for an exception no handler took, logged once: 503 for a dependency outage, else 500."""
    if isinstance(exc, DEPENDENCY_OUTAGES):
        logger.warning("a dependency is unavailable: %s: %s", type(exc).__name__, exc, extra={"path": path})
        return problem_response(
            503,
            "Service unavailable",
            "a dependency (database or cache) is unavailable right now; retry shortly",
            code="dependency-unavailable",
            instance=path,
            headers={"Retry-After": "1"},
        )
    logger.exception("unhandled error", extra={"path": path})
    return problem_response(
        500,
        "Internal server error",
        "an unexpected error occurred; see the service logs",
        code="internal-error",
        instance=path,
    )


def readiness_checks(app: FastAPI) -> dict[str, ReadinessCheck]:
    """The app's readiness checks; a lifespan adds to it once its resources are open."""
    checks: dict[str, ReadinessCheck] = app.state.readiness_checks
    return checks


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", summary="Liveness: the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/ready", summary="Readiness: every dependency answers")
    async def ready(request: Request) -> Response:
        checks = readiness_checks(request.app)
        if not request.app.state.started:
            return JSONResponse({"status": "starting", "service": service, "checks": {}}, status_code=503)
        names = list(checks)
        results = await asyncio.gather(
            *(asyncio.wait_for(checks[name](), READY_TIMEOUT_SECONDS) for name in names),
            return_exceptions=True,
        )
        report = {
            name: "ok" if not isinstance(result, BaseException) else (str(result) or type(result).__name__)
            for name, result in zip(names, results, strict=True)
        }
        ok = all(value == "ok" for value in report.values())
        return JSONResponse(
            {"status": "ready" if ok else "unavailable", "service": service, "checks": report},
            status_code=200 if ok else 503,
        )

    return router


#: A service's own start/stop work, run after the shared resources are open (e.g. a worker loop).
ServiceLifespan = Callable[[FastAPI, Resources], AbstractAsyncContextManager[None]]


def service_app(
    settings: ServiceSettings,
    *,
    title: str,
    lifespan: ServiceLifespan | None = None,
    routers: Sequence[APIRouter] = (),
    **fastapi_options: Any,
) -> FastAPI:
    """A FastAPI app with the shared conventions: health routes, problem handlers, telemetry, and a
    lifespan that opens the dependencies the settings declare (in one ``AsyncExitStack``), registers
    their readiness checks, then runs the service's own ``lifespan``."""
    service = settings.service_name

    telemetry = setup_telemetry(settings, service)

    @asynccontextmanager
    async def full_lifespan(app: FastAPI) -> AsyncIterator[None]:
        stack = AsyncExitStack()
        stack.callback(telemetry.shutdown)
        async with stack:
            resources = await open_resources(settings, stack)
            app.state.resources = resources
            register_readiness(app, resources)
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app, resources))
            app.state.started = True
            try:
                yield
            finally:
                app.state.started = False

    app = FastAPI(title=title, lifespan=full_lifespan, **fastapi_options)
    app.state.settings = settings
    app.state.readiness_checks = {}
    app.state.started = False
    install_problem_handlers(app)
    app.include_router(health_router(service))
    for router in routers:
        app.include_router(router)
    instrument_app(app, telemetry)
    return app
