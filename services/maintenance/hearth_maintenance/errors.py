"""Errors of the maintenance service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── MaintenanceError
    └── AlertQueryFailed   an alert's query could not be run (refused, failed, timed out, unreachable);
                           recorded in the alert's run, never sent to an HTTP client
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class MaintenanceError(HearthError):
    """Root of the maintenance worker's own errors."""


class AlertQueryFailed(MaintenanceError):
    """The query API did not return rows for an alert's query; ``detail`` says why."""

    code, title = "alert-query-failed", "Alert query failed"
