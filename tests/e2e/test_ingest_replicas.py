"""`hearth up` with two ingest replicas: the gateway spreads tokens over both (consistent hash), each
replica has its own WAL and node id, and everything sent through either is queryable."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth_gateway.ingest_ring import IngestRing
from tests.fixtures.stack import Stack, start_stack, stop_stack
from tests.ingest.otlp_helpers import trace_request

pytestmark = pytest.mark.stack


@pytest.fixture
def two_ingest_stack(tmp_path: Path) -> Iterator[Stack]:
    running = start_stack(tmp_path / "data", extra_env={"HEARTH_INGEST_REPLICAS": "2"})
    try:
        yield running
    finally:
        stop_stack(running)


def test_two_ingest_replicas_share_the_load(two_ingest_stack: Stack) -> None:
    stack = two_ingest_stack
    credentials = stack.credentials
    ingest_urls = [stack.url_of("ingest"), f"http://127.0.0.1:{stack.ports['ingest'] + 100}"]
    marker = f"replicas-{secrets.token_hex(4)}"
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        for url in ingest_urls:
            assert httpx.get(f"{url}/ready", timeout=10).status_code == 200
        login = client.post(
            "/ui-api/auth/login",
            json={"email": credentials["admin_email"], "password": credentials["admin_password"]},
        )
        assert login.status_code == 200, login.text
        csrf = {"x-csrf-token": login.json()["csrf_token"]}
        tokens_path = f"/ui-api/orgs/{credentials['organization']}/projects/{credentials['project']}/tokens"
        tokens = [credentials["write_token"]]
        for n in range(7):
            made = client.post(
                tokens_path, json={"kind": "write", "description": f"replica {n}"}, headers=csrf
            )
            assert made.status_code == 201, made.text
            tokens.append(made.json()["token"])
        ring = IngestRing(ingest_urls)
        assert {ring.pick(token.encode()) for token in tokens} == set(ingest_urls)  # both get traffic

        now = time.time_ns()
        for n, token in enumerate(tokens):
            body = trace_request(
                {"name": marker, "start_time_unix_nano": now - 1000 - n, "end_time_unix_nano": now}
            ).SerializeToString()
            sent = client.post(
                "/v1/traces",
                content=body,
                headers={"authorization": token, "content-type": "application/x-protobuf"},
            )
            assert sent.status_code == 200, sent.text
        sql = f"SELECT count(*) AS n FROM records WHERE span_name = '{marker}'"
        deadline = time.monotonic() + 60
        while True:
            found = client.get(
                "/v1/query", params={"sql": sql}, headers={"authorization": credentials["read_token"]}
            )
            if found.status_code == 200 and found.json()["columns"][0]["values"] == [len(tokens)]:
                break
            assert time.monotonic() < deadline, found.text
            time.sleep(0.5)
    assert (stack.data_dir / "wal").is_dir()
    assert (stack.data_dir / "wal-1").is_dir()
