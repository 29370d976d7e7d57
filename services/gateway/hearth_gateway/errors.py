"""Errors of the gateway service, mapped to problem+json by the shared handler::

    HearthError (hearth_shared.errors)
    └── GatewayError                      every error below is also one of these
        ├── BadRequest (400)
        │   ├── InvalidFraming            unparseable Content-Length
        │   └── ClientDisconnected        the client went away mid-request (nobody reads the answer)
        ├── NotFound (404)
        │   ├── RouteRefused              /internal/*, dot segments: never routed publicly
        │   └── NoIdentityProvider        /auth-api/* while no dex_url is configured
        ├── PayloadTooLarge (413)
        │   └── RequestTooLarge           body over max_request_bytes (Content-Length or counted)
        ├── BadGateway (502)
        │   └── UpstreamUnavailable       connection refused/reset, or a broken HTTP answer
        ├── ServiceUnavailable (503)
        │   ├── UpstreamBusy              every pooled connection to the upstream is in use
        │   └── GatewayStarting           a request arrived before the lifespan opened the pools
        └── GatewayTimeout (504)
            └── UpstreamTimeout           no connection, or no answer, within the timeouts

Each names the upstream (``backend``, ``query_api``, ``ingest``, ``dex``) in its detail and in an
``upstream`` member of the problem body.
"""

from __future__ import annotations

from hearth_shared.errors import (
    BadGateway,
    BadRequest,
    GatewayTimeout,
    HearthError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
)


class GatewayError(HearthError):
    """Root of the gateway's own errors."""


class InvalidFraming(GatewayError, BadRequest):
    """The request's length framing cannot be trusted (e.g. ``Content-Length: abc``)."""


class ClientDisconnected(GatewayError, BadRequest):
    """The client closed the connection while its body was being forwarded."""


class RouteRefused(GatewayError, NotFound):
    """A path that is never routed publicly."""


class NoIdentityProvider(GatewayError, NotFound):
    """``/auth-api/*`` while no identity provider is configured."""


class RequestTooLarge(GatewayError, PayloadTooLarge):
    """The request body is larger than ``max_request_bytes``."""


class UpstreamUnavailable(GatewayError, BadGateway):
    """The upstream refused or dropped the connection, or answered something that is not HTTP."""


class UpstreamBusy(GatewayError, ServiceUnavailable):
    """No pooled connection to the upstream became free in time."""


class GatewayStarting(GatewayError, ServiceUnavailable):
    """The connection pools are not open yet (or already closed)."""


class UpstreamTimeout(GatewayError, GatewayTimeout):
    """The upstream did not accept the connection or did not answer in time."""
