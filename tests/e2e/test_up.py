"""`hearth up` end to end: real embedded Postgres and Redis, every service as its own process."""

from __future__ import annotations

import json
import re
import stat
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fixtures.stack import SERVICES, Stack, all_ready, start_stack, stop_stack

TOKEN_PATTERN = re.compile(r"^pylf_v[0-9]+_[a-z]+_([0-9a-f-]{36}_)?[a-zA-Z0-9]+$")
CREDENTIAL_KEYS = {
    "base_url", "organization", "project", "write_token", "read_token", "admin_email", "admin_password",
}  # fmt: skip

pytestmark = pytest.mark.stack


def running(pid: int) -> bool:
    try:
        status: str = psutil.Process(pid).status()
    except psutil.NoSuchProcess:
        return False
    return bool(status != psutil.STATUS_ZOMBIE)


def wait_gone(pids: list[int], limit: float = 10.0) -> list[int]:
    """The pids still running after up to ``limit`` seconds (exits are reaped asynchronously)."""
    deadline = time.monotonic() + limit
    alive = [pid for pid in pids if running(pid)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [pid for pid in alive if running(pid)]
    return alive


def service_pids(stack: Stack) -> list[int]:
    parent = psutil.Process(stack.process.pid)
    return [child.pid for child in parent.children(recursive=True)]


def test_every_service_is_ready_on_its_port(stack: Stack) -> None:
    assert all_ready(stack) == dict.fromkeys(SERVICES, 200)


def test_credentials_file_has_tokens_in_logfire_shape(stack: Stack) -> None:
    credentials = stack.credentials
    assert set(credentials) == CREDENTIAL_KEYS
    assert credentials["base_url"] == stack.base_url
    assert TOKEN_PATTERN.match(credentials["write_token"])
    assert TOKEN_PATTERN.match(credentials["read_token"])
    assert credentials["write_token"] != credentials["read_token"]
    mode = (stack.data_dir / "credentials.json").stat().st_mode
    assert not mode & (stat.S_IRGRP | stat.S_IROTH), "credentials must be private to the owner"
    output = stack.output_path.read_text()
    assert credentials["write_token"] in output
    assert credentials["read_token"] in output


def test_gateway_routes_to_backend_and_refuses_internal(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        assert client.get("/ready").status_code == 200
        internal = client.get("/internal/anything")
        assert internal.status_code == 404
        assert internal.headers["content-type"].startswith("application/problem+json")


def test_restart_reuses_data_and_sigint_stops_every_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_stack(data_dir)
    try:
        children = service_pids(first)
        assert len(children) >= len(SERVICES)
        credentials = json.loads((data_dir / "credentials.json").read_text())
    finally:
        assert stop_stack(first) == 0
    assert wait_gone(children) == []

    second = start_stack(data_dir)
    try:
        assert all_ready(second) == dict.fromkeys(SERVICES, 200)
        # same database: no second project or new tokens were made
        assert json.loads((data_dir / "credentials.json").read_text()) == credentials
        assert "Hearth is up" in second.output_path.read_text()
    finally:
        assert stop_stack(second) == 0
