"""Entry points of the conversion worker processes (a ProcessPoolExecutor calls plain functions).

A worker only converts (:mod:`.segment`): it holds no clients, so a worker killed at any moment leaves
nothing half-stored; the segment is simply converted again by a fresh pool.
"""

from __future__ import annotations

import os
from pathlib import Path

from hearth_ingest.pipeline.segment import ConvertedSegment, convert_segment
from hearth_ingest.settings import IngestSettings
from hearth_shared.workers import exit_with_parent

_settings: IngestSettings | None = None


def init_worker(settings: IngestSettings, parent_pid: int) -> None:
    global _settings  # noqa: PLW0603 - per-process state of a pool worker, set once by the initializer
    exit_with_parent(parent_pid)
    _settings = settings


class SegmentFailed(Exception):
    """A segment could not be converted. Carries only text: the original exception may not survive the
    trip back to the parent process (exceptions with custom ``__init__`` fail to unpickle, and the
    pool would then look broken)."""


def worker_ready() -> int:
    """A no-op job: submitted once per worker at start so the pool spawns (and imports) before the first
    segment waits for it."""
    assert _settings is not None, "init_worker did not run in this process"
    return os.getpid()


def convert_in_worker(path: str) -> ConvertedSegment:
    assert _settings is not None, "init_worker did not run in this process"
    try:
        return convert_segment(Path(path), node_id=_settings.node_id, native=_settings.native_conversion)
    except Exception as exc:
        raise SegmentFailed(f"{type(exc).__name__}: {exc}") from None
