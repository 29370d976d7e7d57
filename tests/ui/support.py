"""What the browser tests share besides fixtures: the SDK sender process, the tests' workspace, and a
page that keeps its console errors and takes screenshots into test-artifacts/ui/."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.fixtures.stack import Stack

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "ui"
SENDER = Path(__file__).with_name("sdk_sender.py")
# Every record the sender's trace holds: 5 spans and 6 logs (see sdk_sender.py).
RICH_TRACE_RECORDS = 11
SEND_TIMEOUT = 60.0


@dataclass(frozen=True)
class Workspace:
    """The tests' own organization and project, and a write token for the SDK."""

    org: str
    project: str
    write_token: str

    def url(self, section: str) -> str:
        return f"/o/{self.org}/p/{self.project}/{section}"


@dataclass(frozen=True)
class SentTrace:
    marker: str
    trace_id: str
    root_span_id: str


@dataclass
class Tab:
    """A browser page plus what it said on its console (errors) and uncaught exceptions."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self) -> Tab:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return self

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_no_page_errors(self) -> None:
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"


def sdk_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("LOGFIRE_", "OTEL_", "PYTEST_"))}


def start_sender(base_url: str, token: str, marker: str, *, hold: bool, cwd: Path) -> subprocess.Popen[str]:
    """The real `logfire` SDK in its own process (configure() sets process-wide state)."""
    args = [sys.executable, str(SENDER), base_url, token, marker] + (["--hold"] if hold else [])
    return subprocess.Popen(
        args, env=sdk_environment(), cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def read_ids(sender: subprocess.Popen[str], marker: str) -> SentTrace:
    """The sender's one JSON line of ids, within a deadline (it prints them once the trace is flushed)."""
    assert sender.stdout is not None
    ready, _, _ = select.select([sender.stdout], [], [], SEND_TIMEOUT)
    assert ready, "the SDK sender printed nothing"
    line = sender.stdout.readline()
    assert line, f"the SDK sender exited with {sender.wait()} before printing its ids"
    ids = json.loads(line)
    return SentTrace(marker, ids["trace_id"], ids["root_span_id"])


def finish_sender(sender: subprocess.Popen[str]) -> int:
    """Lets a holding sender end its span (EOF on stdin) and waits for it; never leaves it running."""
    if sender.stdin is not None and not sender.stdin.closed:
        sender.stdin.close()
    try:
        return sender.wait(timeout=SEND_TIMEOUT)
    except subprocess.TimeoutExpired:
        sender.kill()
        sender.wait()
        raise


@contextmanager
def signed_in_client(stack: Stack) -> Iterator[httpx.Client]:
    """The admin's `/ui-api` session over plain HTTP, for setting up what the browser then shows."""
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        login = client.post(
            "/ui-api/auth/login",
            json={"email": stack.credentials["admin_email"], "password": stack.credentials["admin_password"]},
        )
        assert login.status_code == 200, login.text
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        yield client


def fill_editor(page: Page, test_id: str, text: str) -> None:
    """Replaces the text of a CodeMirror SQL editor."""
    content = page.get_by_test_id(test_id).locator(".cm-content")
    expect(content).to_be_visible()
    content.fill(text)
    expect(content).to_have_text(text)
