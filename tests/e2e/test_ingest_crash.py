"""No acknowledged span is lost or duplicated when the ingest process is killed with SIGKILL.

The stack runs with WAL segments that never seal by age, so acknowledged data sits only in the WAL
(fsynced, not yet converted) when ingest is killed. `hearth up`'s supervisor restarts it; the restart
replays the WAL and every acknowledged span must then be stored exactly once.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
import pytest

from tests.fixtures.stack import Stack, start_stack, stop_stack
from tests.ingest.otlp_helpers import trace_request

pytestmark = pytest.mark.stack

PROTOBUF = {"Content-Type": "application/x-protobuf"}
SPANS_PER_REQUEST = 50
WAIT_SECONDS = 90.0


@pytest.fixture
def slow_flush_stack(tmp_path: Path) -> Iterator[Stack]:
    # Segments seal only on size (16 MiB) or at shutdown/recovery: nothing is converted before the kill.
    running = start_stack(tmp_path / "data", extra_env={"HEARTH_WAL_SEGMENT_MAX_AGE": "3600"})
    try:
        yield running
    finally:
        stop_stack(running)


def ingest_process(stack: Stack) -> psutil.Process:
    children = psutil.Process(stack.process.pid).children(recursive=True)
    found = [p for p in children if "hearth_ingest" in " ".join(p.cmdline())]
    assert len(found) == 1, [p.cmdline() for p in children]
    return found[0]


def stored_span_ids(stack: Stack) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in (stack.data_dir / "objects" / "records").rglob("*.parquet"):
        counts.update(pq.read_table(path, columns=["span_id"]).column("span_id").to_pylist())
    return counts


def span_batch(trace_id: bytes) -> tuple[bytes, list[str]]:
    """A protobuf trace request of SPANS_PER_REQUEST fresh spans and their hex ids."""
    now = time.time_ns()
    ids = [secrets.token_bytes(8) for _ in range(SPANS_PER_REQUEST)]
    request = trace_request(
        *(
            {"trace_id": trace_id, "span_id": span_id, "start_time_unix_nano": now - 2_000_000,
             "end_time_unix_nano": now}
            for span_id in ids
        )
    )  # fmt: skip
    return request.SerializeToString(), [span_id.hex() for span_id in ids]


def send(client: httpx.Client, body: bytes) -> int:
    try:
        return client.post("/v1/traces", content=body, headers=PROTOBUF).status_code
    except httpx.TransportError:
        return 0  # the connection died with the process: not acknowledged


def wait_for_ingest_restart(stack: Stack, old_pid: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            restarted = ingest_process(stack).pid != old_pid
        except (AssertionError, psutil.Error):
            restarted = False
        if restarted:
            try:
                if httpx.get(f"{stack.url_of('ingest')}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"ingest was not restarted and ready within {WAIT_SECONDS:.0f} s\n{stack.logs()}")


def wait_for_spans(stack: Stack, expected: set[str]) -> Counter[str]:
    deadline = time.monotonic() + WAIT_SECONDS
    counts = stored_span_ids(stack)
    while not expected <= counts.keys() and time.monotonic() < deadline:
        time.sleep(0.3)
        counts = stored_span_ids(stack)
    return counts


def test_sigkill_after_ack_before_flush_loses_and_duplicates_nothing(slow_flush_stack: Stack) -> None:
    stack = slow_flush_stack
    token = stack.credentials["write_token"]
    trace_id = secrets.token_bytes(16)
    acknowledged: set[str] = set()
    with httpx.Client(base_url=stack.base_url, headers={"Authorization": token}, timeout=30) as client:
        for _ in range(20):
            body, ids = span_batch(trace_id)
            assert send(client, body) == 200
            acknowledged.update(ids)
    assert not stored_span_ids(stack), "data was converted before the kill: the test would prove nothing"

    victim = ingest_process(stack)
    os.kill(victim.pid, signal.SIGKILL)
    wait_for_ingest_restart(stack, victim.pid)

    counts = wait_for_spans(stack, acknowledged)
    missing = acknowledged - counts.keys()
    assert not missing, f"{len(missing)} acknowledged spans lost"
    assert {span_id: n for span_id, n in counts.items() if n != 1} == {}


def test_sigkill_during_a_stream_of_requests(slow_flush_stack: Stack) -> None:
    """Killed while requests are in flight: every acknowledged span once; an unacknowledged one at most
    once (it may have been fsynced just before the kill)."""
    stack = slow_flush_stack
    token = stack.credentials["write_token"]
    trace_id = secrets.token_bytes(16)
    acknowledged: set[str] = set()
    unacknowledged: set[str] = set()
    stop = threading.Event()

    def sender() -> None:
        with httpx.Client(base_url=stack.base_url, headers={"Authorization": token}, timeout=30) as client:
            while not stop.is_set():
                body, ids = span_batch(trace_id)
                (acknowledged if send(client, body) == 200 else unacknowledged).update(ids)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while len(acknowledged) < 30 * SPANS_PER_REQUEST and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = ingest_process(stack)
    os.kill(victim.pid, signal.SIGKILL)
    wait_for_ingest_restart(stack, victim.pid)
    stop.set()
    for thread in threads:
        thread.join()

    assert unacknowledged, "no request was cut by the kill: the test would prove nothing"
    # What was acknowledged after the restart is still in the open segment: a clean stop seals it, and
    # a start with the default segment age converts everything left in the WAL.
    assert stop_stack(stack) == 0
    stack = start_stack(stack.data_dir)
    try:
        counts = wait_for_spans(stack, acknowledged)
    finally:
        stop_stack(stack)
    missing = acknowledged - counts.keys()
    assert not missing, f"{len(missing)} acknowledged spans lost"
    assert {span_id: n for span_id, n in counts.items() if n != 1} == {}
    assert counts.keys() <= acknowledged | unacknowledged


def conversion_workers(stack: Stack) -> list[psutil.Process]:
    """The ingest process's worker processes (Parquet conversion), as running now (not multiprocessing's
    resource tracker, its other child)."""
    try:
        children = ingest_process(stack).children()
        return [p for p in children if p.is_running() and "spawn_main" in " ".join(p.cmdline())]
    except (AssertionError, psutil.Error):
        return []


@pytest.fixture
def fresh_stack(tmp_path: Path) -> Iterator[Stack]:
    running = start_stack(tmp_path / "data")
    try:
        yield running
    finally:
        stop_stack(running)


def test_sigkill_of_conversion_workers_under_load(fresh_stack: Stack) -> None:
    """Conversion workers killed again and again while segments flow: each failed segment is retried
    on a new worker; every acknowledged span is stored once, and ingest itself never restarts."""
    stack = fresh_stack
    token = stack.credentials["write_token"]
    trace_id = secrets.token_bytes(16)
    acknowledged: set[str] = set()
    stop = threading.Event()
    ingest_pid = ingest_process(stack).pid

    def sender() -> None:
        with httpx.Client(base_url=stack.base_url, headers={"Authorization": token}, timeout=30) as client:
            while not stop.is_set():
                body, ids = span_batch(trace_id)
                if send(client, body) == 200:
                    acknowledged.update(ids)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    killed = 0
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while killed < 5 and time.monotonic() < deadline:
            time.sleep(0.3 + secrets.randbelow(700) / 1000)  # at random points of the segment flow
            workers = conversion_workers(stack)
            if workers:
                os.kill(workers[secrets.randbelow(len(workers))].pid, signal.SIGKILL)
                killed += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert killed == 5, "conversion workers were not found to kill"
    assert acknowledged

    counts = wait_for_spans(stack, acknowledged)
    missing = acknowledged - counts.keys()
    assert not missing, f"{len(missing)} acknowledged spans lost"
    assert {span_id: n for span_id, n in counts.items() if n != 1} == {}
    assert ingest_process(stack).pid == ingest_pid  # the service itself carried on
