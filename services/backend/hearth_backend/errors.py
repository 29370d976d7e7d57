"""Errors of the backend service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── BackendError
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class BackendError(HearthError):
    """Root of the backend's own errors."""
