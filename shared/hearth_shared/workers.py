"""Helpers for the worker processes services spawn (ingest's converters, query_api's query runners)."""

from __future__ import annotations

import os
import threading
import time

PARENT_CHECK_SECONDS = 1.0


def exit_with_parent(parent: int) -> None:
    """End this process soon after its parent (pid ``parent``, as the parent itself gave it) is gone:
    killed, or exited without stopping us — even before this call, while we were still starting.

    A pool worker waiting on a queue it also holds a writing end of never sees end-of-file, so without
    this it would outlive its service as an orphan.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
