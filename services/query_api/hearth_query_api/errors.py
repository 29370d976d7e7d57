"""Errors of the query API service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
├── BadRequest
│   └── QueryError                 the SQL cannot be run (400, DataFusion's or our message)
│       ├── QuerySyntaxError       it does not parse
│       └── QueryRejected          it parses but is not allowed (DDL, DML, other tables, file functions…)
├── Unauthorized / Forbidden       (shared) missing or bad token / not a read token
├── NotAcceptable                  no result format the client accepts (406)
├── UnprocessableEntity            (shared) an invalid request body or parameter (422)
├── TooManyRequests
│   └── QueryCapacityFull          every query slot is busy (429, Retry-After)
└── GatewayTimeout
    └── QueryTimeout               the query ran longer than its time limit

Query errors carry ``error_details`` (``{"detail": message}``) and ``retryable``: the members
``LogfireQueryClient`` reads from a problem body (it raises ``QueryExecutionError(error_details)``).
"""

from __future__ import annotations

from typing import Any

from hearth_shared.errors import BadRequest, GatewayTimeout, HearthError, TooManyRequests


class QueryError(BadRequest):
    """A query that cannot be planned or run; ``detail`` says why."""

    code, title = "query-error", "Query failed"

    def __init__(self, detail: str, **extra: Any) -> None:
        extra.setdefault("error_details", {"detail": detail})
        extra.setdefault("retryable", False)
        super().__init__(detail, **extra)


class QuerySyntaxError(QueryError):
    code, title = "query-syntax-error", "SQL syntax error"


class QueryRejected(QueryError):
    code, title = "query-rejected", "Query not allowed"


class NotAcceptable(HearthError):
    status, code, title = 406, "not-acceptable", "Not acceptable"


class QueryCapacityFull(TooManyRequests):
    code, title = "query-capacity-full", "Too many queries"

    def __init__(self, detail: str, **extra: Any) -> None:
        extra.setdefault("retryable", True)
        super().__init__(detail, **extra)


class QueryTimeout(GatewayTimeout):
    code, title = "query-timeout", "Query timed out"

    def __init__(self, detail: str, **extra: Any) -> None:
        extra.setdefault("retryable", False)
        super().__init__(detail, **extra)
