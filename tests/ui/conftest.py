"""Browser tests of the web UI against the real stack: Debian's /usr/bin/chromium driven by Playwright.

One stack (the session `stack` fixture) and one browser serve every test. The tests work in an
organization and project of their own, created through `/ui-api`, so they see only their data and
leave the stack's default project as other end-to-end tests expect it. Screenshots of each main page
go to test-artifacts/ui/; a failing test also leaves a screenshot there, and the page's console
errors are added to its failure report.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, expect, sync_playwright

from tests.fixtures.stack import Stack
from tests.ui.support import (
    RICH_TRACE_RECORDS,
    SEND_TIMEOUT,
    SentTrace,
    Tab,
    Workspace,
    finish_sender,
    read_ids,
    signed_in_client,
    start_sender,
)

UI_INDEX = Path(__file__).resolve().parents[2] / "ui" / "dist" / "index.html"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Polling deadlines of Playwright's waits: generous, as the machine is shared and the stack freshly started.
ACTION_TIMEOUT_MS = 30_000  # generous: a busy 2-core CI machine, first loads of lazy chunks
expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.fixture(scope="session")
def built_ui() -> Path:
    if not UI_INDEX.exists():
        pytest.fail(f"{UI_INDEX} is missing: build the web UI first (`make ui`, or `cd ui && npm run build`)")
    return UI_INDEX


@pytest.fixture(scope="session")
def ui_stack(built_ui: Path, stack: Stack) -> Stack:
    """The shared stack, once the built UI is known to be there for its backend to serve."""
    return stack


@pytest.fixture(scope="session")
def workspace(ui_stack: Stack) -> Workspace:
    suffix = secrets.token_hex(4)
    org, project = f"ui-tests-{suffix}", "shop"
    with signed_in_client(ui_stack) as client:
        created = client.post("/ui-api/orgs", json={"slug": org, "name": f"UI tests {suffix}"})
        assert created.status_code == 201, created.text
        created = client.post(f"/ui-api/orgs/{org}/projects", json={"slug": project, "name": "Shop"})
        assert created.status_code == 201, created.text
        token = client.post(
            f"/ui-api/orgs/{org}/projects/{project}/tokens",
            json={"kind": "write", "description": "ui tests sdk"},
        )
        assert token.status_code == 201, token.text
    return Workspace(org, project, token.json()["token"])


@pytest.fixture(scope="session")
def rich_trace(ui_stack: Stack, workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> SentTrace:
    """One trace from the SDK (nested spans, logs at several levels, exceptions), once queryable."""
    marker = f"rich-{secrets.token_hex(4)}"
    sender = start_sender(
        ui_stack.base_url, workspace.write_token, marker, hold=False, cwd=tmp_path_factory.mktemp("sdk")
    )
    try:
        sent = read_ids(sender, marker)
    finally:
        assert finish_sender(sender) == 0
    sql = f"SELECT count(*) AS n FROM records WHERE trace_id = '{sent.trace_id}'"
    deadline = time.monotonic() + SEND_TIMEOUT
    with signed_in_client(ui_stack) as client:
        while True:
            answer = client.post(
                f"/ui-api/orgs/{workspace.org}/projects/{workspace.project}/query", json={"sql": sql}
            )
            assert answer.status_code == 200, answer.text
            count = answer.json()["columns"][0]["values"][0]
            if count >= RICH_TRACE_RECORDS:
                return sent
            assert time.monotonic() < deadline, f"only {count} records of trace {sent.trace_id} queryable"
            time.sleep(0.3)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (or `make chromium`)")
    launched = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def new_context(browser: Browser, stack: Stack) -> BrowserContext:
    context = browser.new_context(base_url=stack.base_url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


@pytest.fixture
def fresh_tab(browser: Browser, ui_stack: Stack) -> Iterator[Tab]:
    """A page in a new context: no session, nothing in local storage."""
    context = new_context(browser, ui_stack)
    yield Tab(context.new_page()).watch()
    context.close()


@pytest.fixture(scope="session")
def signed_in_context(browser: Browser, ui_stack: Stack) -> Iterator[BrowserContext]:
    """One signed-in browser context for the session: the login API sets its session cookies."""
    context = new_context(browser, ui_stack)
    login = context.request.post(
        "/ui-api/auth/login",
        data={
            "email": ui_stack.credentials["admin_email"],
            "password": ui_stack.credentials["admin_password"],
        },
    )
    assert login.status == 200, login.text()
    yield context
    context.close()


@pytest.fixture
def tab(signed_in_context: BrowserContext) -> Iterator[Tab]:
    page = signed_in_context.new_page()
    yield Tab(page).watch()
    page.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed or call.when != "call":
        return
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Tab) and not value.page.is_closed():
            name = re.sub(r"[^\w.-]+", "_", f"FAILED-{item.name}")
            try:
                shot = f"screenshot: {value.screenshot(name)}"
            except Exception as error:  # a crashed page still gets its console errors reported
                shot = f"no screenshot: {error}"
            lines = [f"url: {value.page.url}", shot, "console errors:", *value.console_errors]
            text = "\n".join([*lines, "uncaught page errors:", *value.page_errors])
            longrepr = report.longrepr
            if hasattr(longrepr, "addsection"):
                longrepr.addsection("browser", text)
            else:
                report.sections.append(("browser", text))
