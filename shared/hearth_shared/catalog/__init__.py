"""The Parquet file catalog: which objects hold which project's rows for which time range.

One row per object in ``catalog_files`` (migration ``0002_catalog_files.sql``). Ingest adds files,
query plans read live files by time overlap, compaction swaps files atomically, maintenance retires
and finally forgets them once their objects are deleted. Nobody lists the bucket to find data.

Life of a file: added (live) → retired (``retired_at`` set by ``replace`` or ``retire``; queries stop
seeing it, running queries may still read the object) → forgotten (row deleted after maintenance has
deleted the object, past a grace period longer than the longest query).

Errors::

    HearthError
    └── CatalogError: the catalog refused an operation
        └── CatalogConflict (409, also a Conflict): ``replace`` found an old file missing or already
            retired (another compactor won), or a new file's id/object key exists already

Invalid :class:`CatalogFile` values raise ``ValueError`` at construction (a programming error).
"""

from hearth_shared.catalog.errors import CatalogConflict, CatalogError
from hearth_shared.catalog.files import CatalogFile, FileCatalog, TableName
from hearth_shared.catalog.retention import CatalogRetention
from hearth_shared.catalog.traces import TraceIndex

__all__ = [
    "CatalogConflict",
    "CatalogError",
    "CatalogFile",
    "CatalogRetention",
    "FileCatalog",
    "TableName",
    "TraceIndex",
]
