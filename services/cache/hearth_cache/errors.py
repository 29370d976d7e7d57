"""Errors of the cache service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── CacheError
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class CacheError(HearthError):
    """Root of the cache service's own errors."""
