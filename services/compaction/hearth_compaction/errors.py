"""Errors of the compaction service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── CompactionError
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class CompactionError(HearthError):
    """Root of the compaction worker's own errors."""
