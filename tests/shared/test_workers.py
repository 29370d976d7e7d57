"""Worker processes end when their parent is gone, also when it died before they started watching."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

WORKER = (
    "import sys, time; from hearth_shared.workers import exit_with_parent; "
    "exit_with_parent(int(sys.argv[1])); time.sleep(60); sys.exit(3)"
)


def test_a_worker_whose_parent_is_already_gone_exits() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(gone.pid)])
    assert worker.wait(timeout=30) == 0  # 3 would mean it slept its minute out


def test_a_worker_of_a_live_parent_keeps_running() -> None:
    # Its real parent is this test process, which stays alive.
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(os.getpid())])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=3)
    finally:
        worker.kill()
        worker.wait()
