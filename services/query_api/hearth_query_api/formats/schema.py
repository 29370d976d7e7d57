"""Result schemas as Logfire sends them: ``{"name", "data_type", "nullable"}`` with arrow-rs type names."""

from __future__ import annotations

from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_shared.schema import arrow_type_name


def fields_json(schema: pa.Schema, *, type_key: str = "data_type") -> list[dict[str, Any]]:
    """The fields of ``schema``; ``type_key`` is ``"datatype"`` in the legacy v1 responses."""
    return [
        {"name": field.name, type_key: arrow_type_name(field.type), "nullable": field.nullable}
        for field in schema
    ]
