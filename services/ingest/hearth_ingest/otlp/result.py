"""What a conversion returns, and the accepted time window with its rejection counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]  # no stubs yet

from hearth_ingest.otlp.values import iso_timestamp

#: Records (and data points) starting earlier than this before ``now`` are dropped (data-model.md).
MAX_AGE = timedelta(hours=24)
#: Records (and data points) starting later than this after ``now`` are dropped (data-model.md).
MAX_FUTURE = timedelta(hours=1)

Signal = Literal["traces", "logs", "metrics"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_US = 1000


@dataclass(frozen=True, slots=True)
class ConversionResult:
    """What one OTLP export request turned into.

    ``records`` (``RECORDS_SCHEMA``) holds spans, logs and span events, plus the one
    ``logfire ingest error`` row when something was dropped (for metrics requests too); ``metrics``
    (``METRICS_SCHEMA``) holds data points. Either may have zero rows. ``rejected`` and
    ``error_message`` are the OTLP ``partial_success`` fields (``rejected_spans`` /
    ``rejected_log_records`` / ``rejected_data_points``); ``error_message`` is ``""`` when nothing was
    rejected.
    """

    records: pa.Table
    metrics: pa.Table
    rejected: int
    error_message: str


def unix_nano(moment: datetime) -> int:
    """Nanoseconds since the Unix epoch of an aware datetime (exact integer arithmetic)."""
    if moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return (moment - _EPOCH) // timedelta(microseconds=1) * _NS_PER_US


@dataclass(slots=True)
class Rejections:
    """The accepted time window of one request, and its dropped records counted by reason."""

    noun: str  # "spans", "log records", "data points"
    window_start: int  # unix nanos, inclusive
    window_end: int  # unix nanos, inclusive
    reasons: Counter[str] = field(default_factory=Counter)

    @classmethod
    def for_window(cls, noun: str, now: datetime) -> Rejections:
        """``[now - 24h, now + 1h]``."""
        now_ns = unix_nano(now)
        return cls(
            noun=noun,
            window_start=now_ns - MAX_AGE // timedelta(microseconds=1) * _NS_PER_US,
            window_end=now_ns + MAX_FUTURE // timedelta(microseconds=1) * _NS_PER_US,
        )

    def out_of_window(self, at_unix_nano: int) -> None:
        self.reasons["too_old" if at_unix_nano < self.window_start else "too_new"] += 1

    @property
    def total(self) -> int:
        return sum(self.reasons.values())

    def message(self, accepted: int) -> str:
        """The partial-success ``error_message``: how many were dropped and why (``""`` when none)."""
        total = self.total
        if not total:
            return ""
        parts: list[str] = []
        too_old, too_new = self.reasons["too_old"], self.reasons["too_new"]
        if too_old or too_new:
            parts.append(
                f"{too_old + too_new} outside the accepted time window "
                f"[{iso_timestamp(self.window_start)}, {iso_timestamp(self.window_end)}] "
                f"({too_old} older than {MAX_AGE.total_seconds() / 3600:g} hours, "
                f"{too_new} more than {MAX_FUTURE.total_seconds() / 3600:g} hour in the future)"
            )
        if self.reasons["invalid_ids"]:
            parts.append(
                f"{self.reasons['invalid_ids']} with an invalid trace or span id "
                "(trace ids must be 16 non-zero bytes, span ids 8)"
            )
        if self.reasons["summary"]:
            parts.append(f"{self.reasons['summary']} of Summary metrics, which are not supported")
        return f"rejected {total} of {total + accepted} {self.noun}: " + "; ".join(parts)
