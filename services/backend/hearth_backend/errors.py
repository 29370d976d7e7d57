"""Errors of the backend service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── BackendError
    └── QueryApiError                 a query could not be forwarded to the query API
        ├── QueryApiUnavailable (502)  refused, reset or an invalid answer
        ├── QueryApiBusy (503)         every connection to it is in use (Retry-After)
        └── QueryApiTimeout (504)      no connection or no answer in time

Token problems (401 missing/invalid, 403 wrong kind) are the shared ``Unauthorized``/``Forbidden``
raised by :func:`hearth_shared.auth.require_token`.
"""

from __future__ import annotations

from hearth_shared.errors import BadGateway, GatewayTimeout, HearthError, ServiceUnavailable


class BackendError(HearthError):
    """Root of the backend's own errors."""


class QueryApiError(BackendError):
    """A forwarded query got no usable answer from the query API; ``detail`` names it and why."""

    status, code, title = 502, "query-api-error", "Query API unavailable"


class QueryApiUnavailable(QueryApiError, BadGateway):
    status, code, title = 502, "query-api-unavailable", "Query API unavailable"


class QueryApiBusy(QueryApiError, ServiceUnavailable):
    status, code, title = 503, "query-api-busy", "Query API busy"


class QueryApiTimeout(QueryApiError, GatewayTimeout):
    status, code, title = 504, "query-api-timeout", "Query API timed out"
