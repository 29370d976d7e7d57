"""Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).

Every event carries the stream position as its ``id``, so a browser's EventSource reconnects with
``Last-Event-ID`` and resumes exactly after what it saw. An event with an id and no data moves that
position on without showing anything (entries whose rows the filter all dropped).
"""

from __future__ import annotations

from typing import Any

from hearth_query_api.formats.json import dumps

KEEPALIVE = b": keepalive\n\n"


def event(data: Any, *, position: str | None = None, name: str | None = None) -> bytes:
    lines = []
    if name:
        lines.append(f"event: {name}".encode())
    if position:
        lines.append(f"id: {position}".encode())
    lines.append(b"data: " + dumps(data))  # orjson never emits a newline, so one data line suffices
    return b"\n".join(lines) + b"\n\n"


def position_only(position: str) -> bytes:
    return f"id: {position}\n\n".encode()


def retry(milliseconds: int) -> bytes:
    """How long EventSource waits before reconnecting."""
    return f"retry: {milliseconds}\n\n".encode()
