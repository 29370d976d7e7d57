"""Errors of the maintenance service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── MaintenanceError
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class MaintenanceError(HearthError):
    """Root of the maintenance worker's own errors."""
