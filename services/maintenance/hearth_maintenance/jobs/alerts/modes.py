"""The alert state machine: from what the previous runs left and what this run saw, the new state and
whether to notify. Pure functions; the evaluator does the I/O.

Every run executes the alert's SQL over ``[now - lookback, now)`` and sees *rows* (at least one row)
or *no rows*, or fails (the query API refused or could not run the query, or did not answer in time).

**Firing modes** — when a successful run notifies:

- ``any_rows``: every run that returns rows (state ``firing``); a run with no rows is ``ok``.
- ``starts_having_rows``: a run that returns rows when the last successful run did not (or there was
  none yet). State ``firing`` while rows keep coming, notified once; ``ok`` when they stop, silently.
- ``starts_or_stops_having_rows``: as above, and also a run with no rows after one with rows (event
  ``resolved``, state ``ok``/``no_data``). A first run with no rows notifies nothing: nothing stopped.
- ``result_changes``: a run whose result differs from the last successful run's (compared as a set of
  rows, so row order does not matter; at most ``alert_max_rows`` rows are compared). State ``firing``
  for that run, back to ``ok`` on the next unchanged one. The first run sets the baseline silently.

**States**:

- ``ok``: the mode's condition does not hold.
- ``firing``: it holds (see each mode).
- ``no_data``: the condition does not hold *and* the query returned no rows *and* the project has no
  data at all (no records, no metrics) in the lookback window — nothing is being sent, so "no rows"
  says nothing about health. For the modes it counts as "no rows" (a ``resolved`` notification of
  ``starts_or_stops_having_rows`` carries state ``no_data``).
- ``error``: the run failed. The baseline (last rows / last result) is kept, so when the query works
  again the modes compare with the last good run. Entering ``error`` notifies once (event ``error``);
  staying in it does not.
- ``snoozed``: ``snoozed_until`` is in the future. The query still runs and the run is recorded (with
  its row count or error), the baseline follows the results, but nothing is sent. When the snooze ends
  the modes compare with the last run, so a condition that started during the snooze is not announced
  by ``starts_*`` modes (``any_rows`` announces it on the next run with rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

FiringMode = Literal["any_rows", "starts_having_rows", "starts_or_stops_having_rows", "result_changes"]
AlertState = Literal["ok", "firing", "no_data", "snoozed", "error"]
#: What a notification announces.
AlertEvent = Literal["firing", "resolved", "changed", "error"]

FIRING_MODES: tuple[FiringMode, ...] = get_args(FiringMode)


@dataclass(frozen=True)
class Previous:
    """What earlier runs left on the alert row."""

    state: AlertState
    has_rows: bool | None  # of the last successful run; None before the first one
    result_hash: str | None  # likewise


@dataclass(frozen=True)
class Observation:
    """What this run saw."""

    row_count: int | None  # None when the query failed
    result_hash: str | None
    #: whether the project has any data in the window; asked only when the query returned no rows
    project_has_data: bool | None
    error: str | None
    snoozed: bool

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class Decision:
    state: AlertState
    notify: bool
    event: AlertEvent | None  # what a notification would announce (set even when snoozed)


def decide(mode: FiringMode, previous: Previous, seen: Observation) -> Decision:
    """The new state and whether this run notifies (see the module docstring for the rules)."""
    if seen.failed:
        state: AlertState = "snoozed" if seen.snoozed else "error"
        return Decision(state, notify=not seen.snoozed and previous.state != "error", event="error")

    rows = bool(seen.row_count)
    had_rows = bool(previous.has_rows)
    event: AlertEvent | None
    if mode == "any_rows":
        firing = notify = rows
        event = "firing" if rows else None
    elif mode == "starts_having_rows":
        firing = rows
        notify = rows and not had_rows
        event = "firing" if notify else None
    elif mode == "starts_or_stops_having_rows":
        firing = rows
        notify = rows != had_rows
        event = ("firing" if rows else "resolved") if notify else None
    elif mode == "result_changes":
        firing = notify = previous.result_hash is not None and seen.result_hash != previous.result_hash
        event = "changed" if notify else None
    else:  # pragma: no cover - the database CHECK allows only the modes above
        raise ValueError(f"unknown firing mode {mode!r}")

    if seen.snoozed:
        return Decision("snoozed", notify=False, event=event)
    if firing:
        return Decision("firing", notify=notify, event=event)
    no_data = not rows and seen.project_has_data is False
    return Decision("no_data" if no_data else "ok", notify=notify, event=event)
