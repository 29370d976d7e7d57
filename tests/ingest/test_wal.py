"""The write-ahead log: record format, group commit, rotation, recovery, budget, and crash safety."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hearth_ingest.errors import WalFull
from hearth_ingest.wal.format import HEADER_SIZE, BodyCoding, Signal, WalRecord, decode_all, encode
from hearth_ingest.wal.segments import Segment, open_segments, recover, sealed_segments
from hearth_ingest.wal.writer import WalWriter

ROOT = Path(__file__).resolve().parents[2]


def record(i: int, size: int = 100) -> WalRecord:
    signal, coding = Signal(1 + i % 3), BodyCoding(i % 3)  # the coding only labels the body here
    return WalRecord(f"project-{i % 3}", signal, 1_700_000_000_000_000_000 + i, os.urandom(size), coding)


def read_dir(directory: Path) -> list[WalRecord]:
    records: list[WalRecord] = []
    for segment in sorted(sealed_segments(directory) + open_segments(directory)):
        records += decode_all(segment.path.read_bytes()).records
    return records


def test_encode_decode_roundtrip() -> None:
    records = [record(i, size=i * 7) for i in range(50)]
    data = b"".join(encode(r) for r in records)
    result = decode_all(data)
    assert result.records == records
    assert result.valid_bytes == len(data)
    assert not result.torn_tail


def test_torn_tail_is_ignored_and_reported() -> None:
    records = [record(i) for i in range(5)]
    data = b"".join(encode(r) for r in records)
    for cut in (1, HEADER_SIZE - 1, HEADER_SIZE + 3, len(encode(records[-1])) - 1):
        result = decode_all(data[:-cut])
        assert result.records == records[:-1]
        assert result.torn_tail


def test_corrupt_record_stops_reading_there() -> None:
    records = [record(i) for i in range(4)]
    chunks = [bytearray(encode(r)) for r in records]
    chunks[2][-1] ^= 0xFF  # flip a bit in the third body
    result = decode_all(b"".join(bytes(c) for c in chunks))
    assert result.records == records[:2]
    assert result.torn_tail


async def test_concurrent_appends_share_syncs_and_all_arrive(tmp_path: Path) -> None:
    sealed: list[Segment] = []
    writer = WalWriter(
        tmp_path,
        segment_max_bytes=1 << 30,
        segment_max_age=3600,
        budget_bytes=1 << 30,
        on_sealed=sealed.append,
    )
    await writer.start()
    records = [record(i) for i in range(500)]
    await asyncio.gather(*(writer.append(r) for r in records))
    assert writer.syncs < len(records), "concurrent appends must share fsyncs (group commit)"
    await writer.close()
    assert len(sealed) == 1
    assert sorted(read_dir(tmp_path), key=lambda r: r.received_at_ns) == records


async def test_rotation_by_size_and_by_age(tmp_path: Path) -> None:
    sealed: list[Segment] = []
    writer = WalWriter(
        tmp_path,
        segment_max_bytes=10_000,
        segment_max_age=3600,
        budget_bytes=1 << 30,
        on_sealed=sealed.append,
    )
    await writer.start()
    for i in range(30):
        await writer.append(record(i, size=1000))
    assert len(sealed) >= 2, "segments rotate once they pass the size limit"
    assert [s.seq for s in sealed] == sorted(s.seq for s in sealed)
    await writer.close()

    aged: list[Segment] = []
    writer = WalWriter(
        tmp_path / "aged",
        segment_max_bytes=1 << 30,
        segment_max_age=0.05,
        budget_bytes=1 << 30,
        on_sealed=aged.append,
    )
    await writer.start()
    await writer.append(record(1))
    for _ in range(200):  # rotation by age happens on its own, with no further writes
        if aged:
            break
        await asyncio.sleep(0.02)
    assert len(aged) == 1
    await writer.close()


async def test_restart_seals_open_segments_and_continues_numbering(tmp_path: Path) -> None:
    writer = WalWriter(
        tmp_path,
        segment_max_bytes=1 << 30,
        segment_max_age=3600,
        budget_bytes=1 << 30,
        on_sealed=lambda s: None,
    )
    await writer.start()
    await writer.append(record(1))
    assert len(open_segments(tmp_path)) == 1
    # no close(): as if the process had died
    writer2 = WalWriter(
        tmp_path,
        segment_max_bytes=1 << 30,
        segment_max_age=3600,
        budget_bytes=1 << 30,
        on_sealed=lambda s: None,
    )
    pending = await writer2.start()
    assert [s.seq for s in pending] == [1]
    assert not open_segments(tmp_path)
    await writer2.append(record(2))
    await writer2.close()
    assert [s.seq for s in sealed_segments(tmp_path)] == [1, 2]


async def test_budget_refuses_with_retry_after(tmp_path: Path) -> None:
    writer = WalWriter(
        tmp_path,
        segment_max_bytes=1 << 30,
        segment_max_age=3600,
        budget_bytes=5_000,
        on_sealed=lambda s: None,
    )
    await writer.start()
    await writer.append(record(1, size=3000))
    with pytest.raises(WalFull) as refused:
        await writer.append(record(2, size=3000))
    assert refused.value.status == 503
    assert refused.value.retry_after is not None
    writer.released(4000)  # a processed segment was deleted
    await writer.append(record(3, size=3000))
    await writer.close()


def test_recover_drops_empty_open_segments(tmp_path: Path) -> None:
    (tmp_path / f"{7:020d}.open").write_bytes(b"")
    assert recover(tmp_path) == 1
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("run", range(3))
def test_sigkill_loses_no_acknowledged_record(tmp_path: Path, run: int) -> None:
    """Acks are printed only after append returns (after fsync): every printed id must be on disk."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.wal_child", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acked: list[int] = []
    target = random.Random(run).randint(200, 2000)
    deadline = time.monotonic() + 60
    while len(acked) < target and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        acked.append(int(line))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    acked += [int(line) for line in child.stdout.read().split()]  # acks already written to the pipe
    assert len(acked) >= min(target, 200), "the child did not get going"

    recover(tmp_path)
    on_disk = [r.received_at_ns for r in read_dir(tmp_path)]
    assert len(on_disk) == len(set(on_disk)), "no record is written twice"
    missing = set(acked) - set(on_disk)
    assert not missing, f"{len(missing)} acknowledged records lost"
