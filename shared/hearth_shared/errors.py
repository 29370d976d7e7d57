"""The shared error tree. Every service raises these (or subclasses) and one handler turns them into
``application/problem+json`` (RFC 9457)::

    HearthError (500)
    ├── BadRequest (400)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)
    ├── UnprocessableEntity (422)
    ├── TooManyRequests (429, Retry-After)
    ├── BadGateway (502)
    ├── ServiceUnavailable (503, Retry-After)
    ├── GatewayTimeout (504)
    └── StartupError (a dependency or setting makes the process unable to start; never sent to clients)

Domain errors of a package subclass the closest of these so the mapping stays in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class HearthError(Exception):
    """Base of every error Hearth raises on purpose; ``detail`` is safe to show to the caller."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(self, detail: str, *, retry_after: float | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after
        self.extra = extra


class BadRequest(HearthError):
    status, code, title = 400, "bad-request", "Bad request"


class Unauthorized(HearthError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(HearthError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(HearthError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(HearthError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(HearthError):
    status, code, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(HearthError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class UnprocessableEntity(HearthError):
    status, code, title = 422, "unprocessable-entity", "Invalid request"


class TooManyRequests(HearthError):
    status, code, title = 429, "too-many-requests", "Too many requests"


class BadGateway(HearthError):
    status, code, title = 502, "bad-gateway", "Upstream unavailable"


class ServiceUnavailable(HearthError):
    status, code, title = 503, "service-unavailable", "Service unavailable"


class GatewayTimeout(HearthError):
    status, code, title = 504, "gateway-timeout", "Upstream timed out"


class StartupError(HearthError):
    """A process cannot start: the message is the one sentence printed before exiting."""

    code, title = "startup-error", "Cannot start"
