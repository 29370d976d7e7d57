"""Object storage for the Parquet files: one async interface, one obstore implementation.

Typical use::

    storage = open_storage(settings)      # settings: StorageSettings
    await check_storage(storage)          # at start-up and in /ready
    await storage.put("records/project=x/day=2026-01-01/abc.parquet", data)
"""

from hearth_shared.storage.base import (
    InvalidObjectKey,
    InvalidRange,
    InvalidStorageConfig,
    ObjectMeta,
    ObjectNotFound,
    ObjectStorage,
    StorageError,
    StorageUnavailable,
    validate_key,
    validate_prefix,
)
from hearth_shared.storage.factory import PROBE_PREFIX, check_storage, open_storage
from hearth_shared.storage.obstore_storage import ObstoreStorage

__all__ = [
    "PROBE_PREFIX",
    "InvalidObjectKey",
    "InvalidRange",
    "InvalidStorageConfig",
    "ObjectMeta",
    "ObjectNotFound",
    "ObjectStorage",
    "ObstoreStorage",
    "StorageError",
    "StorageUnavailable",
    "check_storage",
    "open_storage",
    "validate_key",
    "validate_prefix",
]
