from collections.abc import Callable
from typing import Any

# One column's buffers: (validity | None, offsets, data) for strings, (validity | None, values) for
# fixed-width columns, (validity | None, list offsets, (None, offsets, data)) for tags.
ColumnBuffers = tuple[Any, ...]

def configure(
    orjson_dumps: Callable[[Any], bytes],
    orjson_loads: Callable[[Any], Any],
    json_decode_error: type[Exception],
    schema_keys: Callable[[str], tuple[str, ...]],
) -> None: ...
def convert_spans(
    body: bytes, window_start_ns: int, window_end_ns: int
) -> (
    tuple[
        int,  # rows
        dict[str, ColumnBuffers],
        list[tuple[int, int, int]],  # runs: (rows, resource index, scope index)
        list[bytes | None],  # each resource's Resource message, None when absent
        list[bytes | None],  # each scope's InstrumentationScope message, None when absent
        list[tuple[int, int, int]],  # complex spans: (resource, scope within it, span within it)
    ]
    | None
): ...
def count_spans(
    body: bytes, window_start_ns: int, window_end_ns: int
) -> tuple[int, int, int, int] | None:  # (spans, too old, too new, invalid ids); None: count in Python
    ...
