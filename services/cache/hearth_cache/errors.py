"""Errors of the cache service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
├── BadRequest
│   └── InvalidKey              the path names no valid object key (400)
├── NotFound
│   └── ObjectMissing           no such object in object storage (404)
├── ServiceUnavailable
│   ├── StorageUnreachable      object storage failed; clients retry (503, Retry-After)
│   └── CacheStarting           a request arrived before start-up finished or after shutdown began
└── CacheError
    ├── RangeNotSatisfiable     a Range header that is malformed, multiple, or past the end (416,
    │                           with ``Content-Range: bytes */<size>``)
    └── ObjectChanged           storage returned fewer bytes than the object's size said (502)
"""

from __future__ import annotations

from hearth_shared.errors import BadRequest, HearthError, NotFound, ServiceUnavailable


class CacheError(HearthError):
    """Root of the cache service's own errors."""


class InvalidKey(BadRequest):
    """The request path is not a valid object key (absolute, ``..``, empty segments…)."""


class ObjectMissing(NotFound):
    """The object does not exist in object storage (never written, or deleted)."""


class StorageUnreachable(ServiceUnavailable):
    """Object storage could not be read; the caller may retry."""


class CacheStarting(ServiceUnavailable):
    """The cache's state is not open (start-up not finished, or shutting down)."""


class RangeNotSatisfiable(CacheError):
    """The ``Range`` header cannot be served; ``size`` is the object's size for ``Content-Range``."""

    status, code, title = 416, "range-not-satisfiable", "Range not satisfiable"

    def __init__(self, detail: str, *, size: int) -> None:
        super().__init__(detail)
        self.size = size


class ObjectChanged(CacheError):
    """Object storage returned a different length than the object's recorded size."""

    status, code, title = 502, "object-changed", "Object changed in storage"
