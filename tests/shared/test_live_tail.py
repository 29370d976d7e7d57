"""The live-tail entry format: what ingest writes reads back whole, or as only its newest rows."""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pytest

from hearth_shared.live_tail import BATCH_ROWS, decode_batch, decode_newest, encode_batch


def _entry(table: pa.Table) -> dict[bytes | str, bytes | str]:
    """As Redis gives it back: bytes keys and values."""
    return {
        key.encode(): str(value).encode() if isinstance(value, int) else value
        for key, value in encode_batch(table).items()
    }


ROWS = 3 * BATCH_ROWS + 17
TABLE = pa.table({"n": pa.array(range(ROWS), pa.int64()), "text": [f"row {i}" for i in range(ROWS)]})


def test_an_entry_reads_back_whole_with_its_row_count() -> None:
    entry = _entry(TABLE)
    assert int(entry[b"rows"]) == ROWS
    assert decode_batch(entry).equals(TABLE)


@pytest.mark.parametrize("count", [0, 1, 17, 18, BATCH_ROWS, BATCH_ROWS + 17, ROWS - 1, ROWS, ROWS + 5])
def test_the_newest_rows_are_the_tail_of_the_entry(count: int) -> None:
    newest = decode_newest(_entry(TABLE), count)
    assert newest.equals(TABLE.slice(max(0, ROWS - count)))


def test_entries_with_dictionaries_are_read_whole_for_their_newest_rows() -> None:
    table = pa.table({"kind": pa.array(["span", "log"] * BATCH_ROWS).dictionary_encode()})
    newest = decode_newest(_entry(table), 3)
    assert newest.column("kind").to_pylist() == ["log", "span", "log"]
