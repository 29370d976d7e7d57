"""Building blocks of the table schemas: a column with its description kept in the field metadata.

The description is stored under the ``b"description"`` metadata key of each ``pa.Field``, so the schema
itself is the one place `/v1/schemas` (and generated docs) read column meanings from.

Type choices shared by every table:

- Timestamps are ``timestamp("us", tz="UTC")``: Logfire's resolution, and DataFusion compares them with
  ``now() - interval '5 minutes'`` and RFC 3339 literals without casts.
- Text is ``pa.string()`` (Arrow ``Utf8``), never ``large_string``: no single value comes near the 2 GiB
  offset limit of a batch we write (values are capped at 10 MB), Parquet stores both the same way,
  DataFusion handles ``Utf8`` natively, and query responses must name the type ``"Utf8"`` exactly as
  Logfire's do (``LargeUtf8`` would surface in every ``/v2/query`` schema).
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

DESCRIPTION_KEY = b"description"

#: Timestamps of every table: microseconds, UTC.
TIMESTAMP = pa.timestamp("us", tz="UTC")
#: Text columns (see the module docstring for why not ``large_string``).
TEXT = pa.string()


def column(name: str, data_type: pa.DataType, *, nullable: bool, description: str) -> pa.Field:
    """One column of a table schema, carrying its description in the field metadata."""
    if not description.strip():
        raise ValueError(f"column {name!r} needs a description")
    return pa.field(name, data_type, nullable=nullable, metadata={DESCRIPTION_KEY: description.encode()})


def description_of(field: pa.Field) -> str:
    """The description stored on a field by :func:`column` (empty when there is none)."""
    metadata = field.metadata or {}
    raw = metadata.get(DESCRIPTION_KEY, b"")
    return raw.decode() if isinstance(raw, bytes) else str(raw)
