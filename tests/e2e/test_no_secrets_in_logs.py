"""Security: tokens, passwords and the signing key never reach a service's log, whatever the requests
(good and bad tokens in every place the API takes them, through the gateway as users send them)."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from tests.fixtures.stack import SERVICES, Stack
from tests.ingest.otlp_helpers import trace_request

pytestmark = pytest.mark.stack


def test_no_secret_is_ever_logged(stack: Stack) -> None:
    write, read = stack.credentials["write_token"], stack.credentials["read_token"]
    unknown = f"pylf_v1_local_{secrets.token_urlsafe(32)}"
    marker = f"span-{secrets.token_hex(6)}"
    now = time.time_ns()
    body = trace_request(
        {"name": marker, "start_time_unix_nano": now - 1000, "end_time_unix_nano": now}
    ).SerializeToString()
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        protobuf = {"content-type": "application/x-protobuf"}
        assert (
            client.post("/v1/traces", content=body, headers={"authorization": write} | protobuf).status_code
            == 200
        )
        for token in (unknown, read, f"Bearer {unknown}", write + "x"):
            client.post("/v1/traces", content=body, headers={"authorization": token} | protobuf)
            client.get("/v1/info", headers={"authorization": token})
            client.get("/v1/query", params={"sql": "SELECT 1"}, headers={"authorization": token})
        client.get(
            "/v1/query", params={"sql": f"SELECT '{write}'", "token": read}
        )  # secrets in a query string
        sql = f"SELECT count(*) AS n FROM records WHERE span_name = '{marker}'"
        deadline = time.monotonic() + 60
        while True:  # once the span is queryable, ingest's workers have logged what they do with it
            found = client.get("/v1/query", params={"sql": sql}, headers={"authorization": read})
            if found.status_code == 200 and found.json()["columns"][0]["values"] == [1]:
                break
            assert time.monotonic() < deadline, found.text
            time.sleep(0.5)

    secret_texts = {
        "write token": write,
        "read token": read,
        "unknown token": unknown,
        "admin password": stack.credentials["admin_password"],
        "secret key": (stack.data_dir / "secret_key").read_text().strip(),
    }
    logs = {
        service: (stack.data_dir / "logs" / f"{service}.log").read_text(errors="replace")
        for service in SERVICES
    }
    assert all(logs.values()), "every service logs something"  # else this test would prove nothing
    leaks = [
        (what, service)
        for service, text in logs.items()
        for what, value in secret_texts.items()
        if value in text
    ]
    assert leaks == []
