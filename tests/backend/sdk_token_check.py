"""The real ``logfire`` SDK's token check, in a process of its own (``configure()`` sets globals).

``python tests/backend/sdk_token_check.py BASE_URL TOKEN`` runs ``logfire.configure(token=TOKEN,
advanced=AdvancedOptions(base_url=BASE_URL))``, waits for the SDK's background ``check_logfire_token``
thread (it calls ``GET /v1/info``), and prints one JSON line: the project URL the SDK stored and the
warnings it raised. What the SDK printed (``Logfire project URL: …``) is on stderr.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import warnings
from typing import Any, TextIO

import logfire
from logfire._internal.config import GLOBAL_CONFIG

CHECK_THREAD = "check_logfire_token"


def main() -> None:
    base_url, token = sys.argv[1], sys.argv[2]
    caught: list[str] = []

    def record(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        caught.append(f"{category.__name__}: {message}")

    # The check may end before configure() returns, so note the thread as it starts, to join it.
    checks: list[threading.Thread] = []
    start = threading.Thread.start

    def noting_start(thread: threading.Thread) -> None:
        if thread.name == CHECK_THREAD:
            checks.append(thread)
        start(thread)

    threading.Thread.start = noting_start  # type: ignore[method-assign, assignment]
    # The check runs in a thread: catch_warnings() would not see it, a global hook does.
    warnings.simplefilter("always")
    warnings.showwarning = record
    logfire.configure(
        send_to_logfire=True,
        token=token,
        service_name="backend-token-check",
        metrics=False,
        inspect_arguments=False,
        console=logfire.ConsoleOptions(output=sys.stderr, show_project_link=True),
        advanced=logfire.AdvancedOptions(base_url=base_url),
    )
    for thread in checks:
        thread.join(timeout=30)
    result: dict[str, Any] = {
        "checked": len(checks),
        # Private, but it is exactly what the SDK keeps from /v1/info.
        "project_url": GLOBAL_CONFIG._project_url,
        "warnings": caught,
    }
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip the exporters' shutdown: nothing was logged, nothing needs sending


if __name__ == "__main__":
    main()
