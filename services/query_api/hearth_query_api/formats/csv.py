"""``text/csv``: a header row, then one row per result row, quoted only where needed (as arrow-rs
writes it: ``log,aha 0,false,"[""tag1"",""tag2""]"``). Lists and structs are JSON text, timestamps as
in JSON, NULL is an empty cell."""

from __future__ import annotations

import csv
import io

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from hearth_query_api.formats.values import text_array


def csv_text(table: pa.Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.column_names)
    columns = [text_array(column) for column in table.columns]
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue()
