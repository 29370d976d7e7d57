"""Errors of the compaction service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── CompactionError
    ├── InputMismatch: an input object does not hold what the catalog says (rows, schema); the job
    │   fails and writes nothing to the catalog
    └── JobStopped: the worker is stopping; the job is abandoned before its swap

A lost race (another job retired an input first) is the catalog's ``CatalogConflict``.
"""

from __future__ import annotations

from hearth_shared.errors import HearthError


class CompactionError(HearthError):
    """Root of the compaction worker's own errors."""

    code, title = "compaction-error", "Compaction error"


class InputMismatch(CompactionError):
    """An input file's content disagrees with its catalog row or the table's schema."""

    code, title = "compaction-input-mismatch", "Compaction input does not match the catalog"


class JobStopped(CompactionError):
    """The worker was asked to stop while the job ran."""

    status, code, title = 503, "compaction-stopped", "Compaction stopped"
