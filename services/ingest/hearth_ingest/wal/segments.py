"""Segment files of the write-ahead log.

``<seq>.open`` is the one segment being appended to; at rotation it is renamed ``<seq>.sealed`` and
handed to the processors. A sealed segment is deleted only after every file made from it is in
object storage and the catalog. Sequence numbers only grow, so a segment's name is a stable identity
(the Parquet files made from it are named after it, which makes a replay idempotent).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

OPEN_SUFFIX = ".open"
SEALED_SUFFIX = ".sealed"


@dataclass(frozen=True, slots=True, order=True)
class Segment:
    seq: int
    path: Path

    @property
    def name(self) -> str:
        return f"{self.seq:020d}"

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0


def segment_path(directory: Path, seq: int, suffix: str) -> Path:
    return directory / f"{seq:020d}{suffix}"


def fsync_dir(directory: Path) -> None:
    """Make a create/rename/unlink in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _scan(directory: Path, suffix: str) -> list[Segment]:
    found = []
    for path in directory.glob(f"*{suffix}"):
        stem = path.name[: -len(suffix)]
        if stem.isdigit():
            found.append(Segment(int(stem), path))
    return sorted(found)


def sealed_segments(directory: Path) -> list[Segment]:
    return _scan(directory, SEALED_SUFFIX)


def open_segments(directory: Path) -> list[Segment]:
    return _scan(directory, OPEN_SUFFIX)


def seal(segment: Segment) -> Segment:
    sealed = segment.path.with_name(segment.name + SEALED_SUFFIX)
    os.rename(segment.path, sealed)
    fsync_dir(segment.path.parent)
    return Segment(segment.seq, sealed)


def recover(directory: Path) -> int:
    """Seal segments left open by a previous run (their intact records were acknowledged); return the
    next free sequence number."""
    directory.mkdir(parents=True, exist_ok=True)
    for segment in open_segments(directory):
        if segment.size == 0:
            segment.path.unlink()
        else:
            seal(segment)
    fsync_dir(directory)
    existing = sealed_segments(directory)
    return existing[-1].seq + 1 if existing else 1


def release(segment: Segment) -> None:
    """Delete a segment whose contents are all in storage and the catalog."""
    segment.path.unlink(missing_ok=True)
    fsync_dir(segment.path.parent)


def used_bytes(directory: Path) -> int:
    return sum(s.size for s in sealed_segments(directory) + open_segments(directory))
