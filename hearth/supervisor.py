"""Runs each Hearth service as its own process, waits for `/ready`, restarts crashed ones, and stops
them all in order on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

logger = logging.getLogger("hearth.supervisor")

EXIT_BAD_CONFIG = 2  # a service that exits with this will not start by retrying: give up at once
MAX_RESTART_DELAY = 30.0
STOP_TIMEOUT = 15.0


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_restart_at: float = 0.0
    _log_file: object = field(default=None, repr=False)
    #: the service package run (``name`` differs for extra replicas: "ingest-1" runs ingest)
    service: str = ""

    @property
    def module(self) -> str:
        return f"hearth_{self.service or self.name}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            env=dict(self.env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # own process group: a terminal Ctrl-C reaches only the supervisor, which stops services in order
            start_new_session=True,
        )
        log.close()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_or_kill(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in time; killing it", self.name)
            self.process.kill()
            self.process.wait()


class StartFailed(Exception):
    """A service could not become ready; the message names it and includes its last log lines."""


class Supervisor:
    def __init__(self, services: list[ServiceProcess], host: str) -> None:
        self.services = services
        self.host = host
        self.stopping = threading.Event()

    def start_all(self) -> None:
        for service in self.services:
            service.start()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {service.name: service for service in self.services}
        with httpx.Client(timeout=2.0) as client:
            while pending and not self.stopping.is_set():
                for name, service in list(pending.items()):
                    code = service.exited()
                    if code is not None:
                        raise StartFailed(
                            f"{name} exited with code {code} while starting:\n{service.log_tail()}"
                        )
                    try:
                        response = client.get(f"http://{self.host}:{service.port}/ready")
                    except httpx.HTTPError:
                        continue
                    if response.status_code == 200:
                        del pending[name]
                if pending and time.monotonic() > deadline:
                    names = ", ".join(sorted(pending))
                    tails = "\n".join(f"--- {n}:\n{pending[n].log_tail(10)}" for n in sorted(pending))
                    raise StartFailed(f"not ready after {timeout:.0f} s: {names}\n{tails}")
                time.sleep(0.1)

    def watch(self) -> None:
        """Until asked to stop: restart any service that died, with exponential backoff."""
        while not self.stopping.wait(0.5):
            now = time.monotonic()
            for service in self.services:
                code = service.exited()
                if code is None:
                    continue
                if service.next_restart_at == 0.0:
                    delay = min(MAX_RESTART_DELAY, 2.0**service.restarts)
                    service.next_restart_at = now + delay
                    logger.error(
                        "%s exited with code %s; restarting in %.0f s (log: %s)",
                        service.name, code, delay, service.log_path,
                    )  # fmt: skip
                elif now >= service.next_restart_at:
                    service.restarts += 1
                    service.next_restart_at = 0.0
                    service.start()

    def stop_all(self) -> None:
        """Stop the edge first so no new work arrives, then the rest; SIGKILL after a grace period."""
        self.stopping.set()
        deadline = time.monotonic() + STOP_TIMEOUT
        for service in self.services:
            service.terminate()
        for service in self.services:
            service.wait_or_kill(deadline)


def service_env(base: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment (so HEARTH_* options pass through) with the stack's own values on top."""
    env = dict(base)
    env.update(overrides)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def current_env() -> dict[str, str]:
    return dict(os.environ)
