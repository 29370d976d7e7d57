"""Errors of the ingest service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
├── IngestError
│   └── WalUnavailable (503, Retry-After): the write-ahead log cannot take the request
│       └── WalFull: its disk budget is used up while object storage catches up
└── BadRequest (400)
    └── InvalidOtlp (also an IngestError): the body is not a valid OTLP export request of its
        content type; ``detail`` says exactly what is wrong
"""

from __future__ import annotations

from hearth_shared.errors import BadRequest, HearthError, ServiceUnavailable


class IngestError(HearthError):
    """Root of the ingest service's own errors."""


class WalUnavailable(IngestError, ServiceUnavailable):
    """The request was not made durable, so it must not be acknowledged; the client retries."""

    status, code, title = 503, "wal-unavailable", "Ingest temporarily unavailable"


class WalFull(WalUnavailable):
    code, title = "wal-full", "Ingest buffer full"


class InvalidOtlp(IngestError, BadRequest):
    """The body cannot be decoded as an OTLP export request; the client must not retry it (400)."""

    status, code, title = 400, "invalid-otlp", "Invalid OTLP request"
