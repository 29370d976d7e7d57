"""Query results as bytes on the wire: Logfire's JSON (v2 and legacy v1), NDJSON, Arrow IPC and CSV.

Pure pyarrow (no DataFusion), so every format can be tested on hand-made tables. :mod:`.media` picks
the format from the request's ``Accept`` header.
"""
