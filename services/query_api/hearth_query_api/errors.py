"""Errors of the query API service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── QueryError
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class QueryError(HearthError):
    """Root of the query API's own errors."""
