"""Bad settings stop a service at start with one sentence naming the variable, before it listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


def run_service(module: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return subprocess.run(
        [sys.executable, "-m", module],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_invalid_storage_url_is_one_sentence() -> None:
    result = run_service("hearth_cache", {"HEARTH_STORAGE_URL": "ftp://nowhere/bucket"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "HEARTH_STORAGE_URL is invalid" in lines[0]
    assert "ftp://" in lines[0]


def test_invalid_port_names_the_variable() -> None:
    result = run_service("hearth_gateway", {"HEARTH_PORT": "not-a-port"})
    assert result.returncode == 2
    assert "HEARTH_PORT is invalid" in result.stderr


def test_unreachable_postgres_is_one_sentence(tmp_path: object) -> None:
    port = closed_port()
    result = run_service(
        "hearth_compaction",
        {
            "HEARTH_DATABASE_URL": f"postgresql://hearth:secret-pw@127.0.0.1:{port}/hearth",
            "HEARTH_DATABASE_CONNECT_TIMEOUT": "2",
            "HEARTH_STORAGE_URL": "memory://",
        },
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "PostgreSQL" in lines[0]
    assert "unreachable" in lines[0]
    assert "secret-pw" not in result.stderr


@pytest.mark.usefixtures("postgres_server")
def test_unreachable_redis_is_one_sentence(database_url: str) -> None:
    result = run_service(
        "hearth_maintenance",
        {
            "HEARTH_DATABASE_URL": database_url,
            "HEARTH_REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
            "HEARTH_STORAGE_URL": "memory://",
        },
    )
    assert result.returncode == 2
    assert "Redis at redis://127.0.0.1" in result.stderr
    assert "unreachable" in result.stderr
