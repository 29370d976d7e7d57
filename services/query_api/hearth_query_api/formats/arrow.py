"""``application/vnd.apache.arrow.stream``: the Arrow IPC *stream* format (``pyarrow.ipc.open_stream``)."""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]


def ipc_stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())
