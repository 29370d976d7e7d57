"""The alert state machine, mode by mode and transition by transition (pure: no I/O)."""

from __future__ import annotations

import pytest

from hearth_maintenance.jobs.alerts.modes import (
    FIRING_MODES,
    AlertState,
    Decision,
    FiringMode,
    Observation,
    Previous,
    decide,
)
from hearth_maintenance.jobs.alerts.query import result_hash


def seen(
    rows: int, *, digest: str = "h1", has_data: bool | None = True, snoozed: bool = False
) -> Observation:
    return Observation(rows, digest, None if rows else has_data, error=None, snoozed=snoozed)


def failed(*, snoozed: bool = False) -> Observation:
    return Observation(None, None, None, error="the query API answered 400: bad SQL", snoozed=snoozed)


NEVER = Previous("ok", None, None)
QUIET = Previous("ok", False, "h0")
FIRING = Previous("firing", True, "h1")


@pytest.mark.parametrize(
    ("mode", "previous", "observation", "expected"),
    [
        # any_rows: every run with rows notifies
        ("any_rows", NEVER, seen(2), Decision("firing", True, "firing")),
        ("any_rows", FIRING, seen(2), Decision("firing", True, "firing")),
        ("any_rows", FIRING, seen(0), Decision("ok", False, None)),
        ("any_rows", QUIET, seen(0), Decision("ok", False, None)),
        # starts_having_rows: only the first run with rows after none
        ("starts_having_rows", NEVER, seen(1), Decision("firing", True, "firing")),
        ("starts_having_rows", QUIET, seen(1), Decision("firing", True, "firing")),
        ("starts_having_rows", FIRING, seen(1), Decision("firing", False, None)),
        ("starts_having_rows", FIRING, seen(0), Decision("ok", False, None)),
        ("starts_having_rows", NEVER, seen(0), Decision("ok", False, None)),
        # starts_or_stops_having_rows: both edges
        ("starts_or_stops_having_rows", NEVER, seen(1), Decision("firing", True, "firing")),
        ("starts_or_stops_having_rows", NEVER, seen(0), Decision("ok", False, None)),
        ("starts_or_stops_having_rows", QUIET, seen(3), Decision("firing", True, "firing")),
        ("starts_or_stops_having_rows", FIRING, seen(3), Decision("firing", False, None)),
        ("starts_or_stops_having_rows", FIRING, seen(0), Decision("ok", True, "resolved")),
        ("starts_or_stops_having_rows", QUIET, seen(0), Decision("ok", False, None)),
        # result_changes: a silent baseline, then every change
        ("result_changes", NEVER, seen(2, digest="a"), Decision("ok", False, None)),
        ("result_changes", Previous("ok", True, "a"), seen(2, digest="a"), Decision("ok", False, None)),
        (
            "result_changes",
            Previous("ok", True, "a"),
            seen(2, digest="b"),
            Decision("firing", True, "changed"),
        ),
        ("result_changes", Previous("firing", True, "b"), seen(2, digest="b"), Decision("ok", False, None)),
        (
            "result_changes",
            Previous("ok", True, "b"),
            seen(0, digest="e"),
            Decision("firing", True, "changed"),
        ),
    ],
)
def test_modes(mode: FiringMode, previous: Previous, observation: Observation, expected: Decision) -> None:
    assert decide(mode, previous, observation) == expected


@pytest.mark.parametrize("mode", FIRING_MODES)
def test_no_rows_and_no_data_at_all_is_no_data(mode: FiringMode) -> None:
    assert decide(mode, QUIET, seen(0, digest="h0", has_data=False)).state == "no_data"
    assert decide(mode, QUIET, seen(0, digest="h0", has_data=True)).state == "ok"


def test_rows_stopping_with_no_data_resolves_as_no_data() -> None:
    decision = decide("starts_or_stops_having_rows", FIRING, seen(0, has_data=False))
    assert decision == Decision("no_data", True, "resolved")


@pytest.mark.parametrize("mode", FIRING_MODES)
@pytest.mark.parametrize("previous_state", ["ok", "firing", "no_data", "snoozed"])
def test_entering_error_notifies_once(mode: FiringMode, previous_state: AlertState) -> None:
    assert decide(mode, Previous(previous_state, True, "h"), failed()) == Decision("error", True, "error")
    assert decide(mode, Previous("error", True, "h"), failed()) == Decision("error", False, "error")


@pytest.mark.parametrize("mode", FIRING_MODES)
def test_snoozed_alerts_never_notify(mode: FiringMode) -> None:
    for previous in (NEVER, QUIET, FIRING, Previous("ok", True, "other")):
        for observation in (seen(2, snoozed=True), seen(0, snoozed=True), failed(snoozed=True)):
            decision = decide(mode, previous, observation)
            assert decision.state == "snoozed"
            assert not decision.notify


def test_recovering_from_an_error_compares_with_the_last_good_run() -> None:
    # Rows before the error, rows after: starts_having_rows stays quiet.
    assert not decide("starts_having_rows", Previous("error", True, "h"), seen(1)).notify
    assert decide("starts_having_rows", Previous("error", False, "h"), seen(1)).notify


def test_result_hash_ignores_row_order_but_not_content() -> None:
    rows = [{"a": 1, "b": "x"}, {"b": "y", "a": 2}]
    assert result_hash(rows) == result_hash(list(reversed(rows)))
    assert result_hash(rows) == result_hash([{"b": "x", "a": 1}, {"a": 2, "b": "y"}])
    assert result_hash(rows) != result_hash(rows[:1])
    assert result_hash(rows) != result_hash([*rows, rows[0]])
    assert result_hash([]) != result_hash([{}])
