"""Errors of the ingest service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── IngestError
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class IngestError(HearthError):
    """Root of the ingest service's own errors."""
