"""Content negotiation on ``Accept``: the result format, and whether errors may be problem+json.

``LogfireQueryClient`` sends ``<format>, application/problem+json;q=0.9``; the CLI sends ``*/*``; a missing
header or ``*/*`` means JSON. Preference follows q-values, then the order in the header.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hearth_query_api.errors import NotAcceptable

PROBLEM_JSON = "application/problem+json"


class ResultFormat(Enum):
    JSON = "application/json"
    NDJSON = "application/x-ndjson"
    ARROW = "application/vnd.apache.arrow.stream"
    CSV = "text/csv"


_BY_TYPE = {fmt.value: fmt for fmt in ResultFormat}


@dataclass(frozen=True, slots=True)
class Negotiated:
    format: ResultFormat
    #: errors as ``application/problem+json`` (else plain JSON ``{"detail": ...}``, for 4.x clients)
    problem_json: bool


def _parse(header: str) -> list[tuple[str, float, int]]:
    ranges = []
    for index, part in enumerate(header.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality, index))
    return ranges


def problem_json_accepted(header: str | None) -> bool:
    return any(media == PROBLEM_JSON and q > 0 for media, q, _ in _parse(header or ""))


def negotiate(header: str | None) -> Negotiated:
    """The format to answer in; NotAcceptable when the header names none we produce."""
    ranges = _parse(header or "")
    problem = any(media == PROBLEM_JSON and q > 0 for media, q, _ in ranges)
    if not ranges:
        return Negotiated(ResultFormat.JSON, problem)
    for media, quality, _ in sorted(ranges, key=lambda r: (-r[1], r[2])):
        if quality <= 0:
            continue
        if media in _BY_TYPE:
            return Negotiated(_BY_TYPE[media], problem)
        if media in ("*/*", "application/*", PROBLEM_JSON):
            return Negotiated(ResultFormat.JSON, problem)
        if media == "text/*":
            return Negotiated(ResultFormat.CSV, problem)
    raise NotAcceptable(
        f"cannot answer in {header!r}: results are " + ", ".join(fmt.value for fmt in ResultFormat),
        accepted=[fmt.value for fmt in ResultFormat],
    )
