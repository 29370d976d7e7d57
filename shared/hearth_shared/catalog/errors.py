"""Catalog errors (tree drawn in the package docstring)."""

from __future__ import annotations

from hearth_shared.errors import Conflict, HearthError


class CatalogError(HearthError):
    """The catalog refused an operation."""

    code, title = "catalog-error", "Catalog error"


class CatalogConflict(CatalogError, Conflict):
    """The catalog changed under the caller (a concurrent swap won) or an identity exists already."""

    status, code, title = 409, "catalog-conflict", "Catalog conflict"
