"""The live view end to end through `hearth up`: a signed-in user's stream (gateway → backend →
query API → Redis live tail) shows a span the real `logfire` SDK sends, first as its pending span,
then as the final span with the same ids."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests.fixtures.stack import Stack

pytestmark = pytest.mark.stack

SDK_SCRIPT = """
import sys, time, logfire
logfire.configure(
    send_to_logfire=True, token=sys.argv[2], service_name="live-e2e", console=False, metrics=False,
    inspect_arguments=False, advanced=logfire.AdvancedOptions(base_url=sys.argv[1]),
)
with logfire.span(sys.argv[3]):
    logfire.force_flush()  # the pending span goes now
    time.sleep(2.0)
logfire.force_flush()
"""


def test_a_span_from_the_sdk_appears_live_pending_then_final(stack: Stack, tmp_path: Path) -> None:
    credentials = stack.credentials
    marker = f"live-{secrets.token_hex(6)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGFIRE_", "OTEL_", "PYTEST_"))}
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        login = client.post(
            "/ui-api/auth/login",
            json={"email": credentials["admin_email"], "password": credentials["admin_password"]},
        )
        assert login.status_code == 200, login.text
        path = f"/ui-api/orgs/{credentials['organization']}/projects/{credentials['project']}/live"
        rows: list[dict[str, object]] = []
        with client.stream("GET", path, params={"where": f"span_name = '{marker}'"}) as stream:
            assert stream.status_code == 200, stream.read()
            assert stream.headers["content-type"].startswith("text/event-stream")
            sender = subprocess.Popen(
                [sys.executable, "-c", SDK_SCRIPT, stack.base_url, credentials["write_token"], marker],
                env=env,
                cwd=tmp_path,
            )
            deadline = time.monotonic() + 60
            try:
                for line in stream.iter_lines():
                    if line.startswith('data: {"rows"'):
                        rows += orjson.loads(line[6:])["rows"]
                    if any(row["kind"] == "span" for row in rows):
                        break
                    assert time.monotonic() < deadline, f"not seen live: {rows}"
            finally:
                assert sender.wait(timeout=60) == 0
    kinds = [row["kind"] for row in rows]
    assert kinds[0] == "pending_span", kinds  # shown while the span is still open
    assert kinds[-1] == "span"
    assert {row["span_name"] for row in rows} == {marker}
    assert len({(row["trace_id"], row["span_id"]) for row in rows}) == 1  # the same span, replaced
