"""The web UI in a real browser against the real stack, with data the real `logfire` SDK sends:
sign in, watch a span arrive live, read its trace, query, manage tokens, build a dashboard, create an
alert. Each test leaves a screenshot of its page in test-artifacts/ui/."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.fixtures.stack import Stack
from tests.ui.support import (
    RICH_TRACE_RECORDS,
    SentTrace,
    Tab,
    Workspace,
    fill_editor,
    finish_sender,
    read_ids,
    signed_in_client,
    start_sender,
)

pytestmark = pytest.mark.stack

LIVE_DEADLINE_MS = 60_000


def tree_row(page: Page, text: str) -> Locator:
    return page.get_by_test_id("trace-tree-row").filter(has_text=text)


def test_signing_in_with_the_form_opens_a_projects_live_view(fresh_tab: Tab, ui_stack: Stack) -> None:
    page = fresh_tab.page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    form = page.get_by_test_id("login-form")
    expect(form).to_be_visible()
    fresh_tab.screenshot("login")

    form.get_by_label("Email").fill(ui_stack.credentials["admin_email"])
    form.get_by_label("Password").fill("not the password")
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))

    form.get_by_label("Password").fill(ui_stack.credentials["admin_password"])
    form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/o/[a-z0-9-]+/p/[a-z0-9-]+/live$"))
    org, project = re.findall(r"/o/([^/]+)/p/([^/]+)/live$", page.url)[0]
    expect(page.get_by_test_id("project-switcher")).to_have_value(f"{org}/{project}")
    expect(page.get_by_test_id("current-user")).to_have_text(ui_stack.credentials["admin_email"])
    expect(page.get_by_test_id("connected-indicator")).to_have_attribute("data-state", "connected")
    fresh_tab.assert_no_page_errors()


def test_a_span_sent_by_the_sdk_appears_live_pending_then_final(
    tab: Tab, ui_stack: Stack, workspace: Workspace, tmp_path: Path
) -> None:
    page = tab.page
    page.goto(workspace.url("live"))
    expect(page.get_by_test_id("connected-indicator")).to_have_attribute("data-state", "connected")

    marker = f"live-{secrets.token_hex(4)}"
    sender = start_sender(ui_stack.base_url, workspace.write_token, marker, hold=True, cwd=tmp_path)
    try:
        sent = read_ids(sender, marker)  # the root span is open and its pending span flushed
        root = page.locator(f'[data-testid="live-row"][data-span-id="{sent.root_span_id}"]')
        expect(root).to_have_attribute("data-pending", "true", timeout=LIVE_DEADLINE_MS)
        expect(root).to_contain_text(f"{marker} parent")
        expect(root).to_have_attribute("data-trace-id", sent.trace_id)
        assert sender.stdin is not None
        sender.stdin.close()  # let the root span end
        expect(root).to_have_attribute("data-pending", "false", timeout=LIVE_DEADLINE_MS)
        rows = page.get_by_test_id("live-row")
        expect(rows.filter(has_text=f"{marker} child charge card")).to_be_visible(timeout=LIVE_DEADLINE_MS)
        expect(rows.filter(has_text=f"payment failed for {marker}")).to_contain_text("exception")
        expect(rows.filter(has_text=f"order failed for {marker}")).to_be_visible()
        # One row per span: the final span replaced its pending one.
        expect(page.locator(f'[data-testid="live-row"][data-span-id="{sent.root_span_id}"]')).to_have_count(1)
        expect(page.get_by_test_id("timeline-histogram")).to_be_visible()
        tab.screenshot("live")
    finally:
        assert finish_sender(sender) == 0
    tab.assert_no_page_errors()


def test_the_live_where_filter_narrows_the_rows_and_reports_a_bad_filter(
    tab: Tab, workspace: Workspace, rich_trace: SentTrace
) -> None:
    page = tab.page
    marker = rich_trace.marker
    page.goto(workspace.url("live?range=1h"))
    rows = page.get_by_test_id("live-row")
    expect(rows.filter(has_text=f"cart loaded for {marker}")).to_be_visible()

    fill_editor(page, "live-where", "level >= 'error'")
    page.get_by_test_id("apply-where").click()
    expect(page).to_have_url(re.compile(r"where=level"))
    expect(rows.filter(has_text=f"order failed for {marker}")).to_be_visible()
    expect(rows.filter(has_text=f"cart loaded for {marker}")).to_have_count(0)
    expect(page.get_by_test_id("connected-indicator")).to_have_attribute("data-state", "connected")

    fill_editor(page, "live-where", "level >= (")
    page.get_by_test_id("apply-where").click()
    expect(page.get_by_test_id("history-error")).to_contain_text("SQL syntax error")
    expect(rows).to_have_count(0)
    tab.assert_no_page_errors()


def test_a_trace_shows_its_tree_waterfall_and_span_details(
    tab: Tab, workspace: Workspace, rich_trace: SentTrace
) -> None:
    page = tab.page
    marker = rich_trace.marker
    page.goto(workspace.url("live?range=1h"))
    page.locator(f'[data-testid="live-row"][data-span-id="{rich_trace.root_span_id}"]').click()
    expect(page).to_have_url(re.compile(f"trace={rich_trace.trace_id}"))
    expect(page.get_by_test_id("trace-view")).to_be_visible()
    page.get_by_test_id("open-trace-page").click()
    expect(page).to_have_url(re.compile(f"/trace/{rich_trace.trace_id}"))

    rows = page.get_by_test_id("trace-tree-row")
    expect(rows).to_have_count(RICH_TRACE_RECORDS)
    for text in (
        "parent",
        "child load cart",
        "grandchild price lookup",
        "child charge card",
        "child reserve stock",
    ):
        expect(tree_row(page, f"{marker} {text}")).to_be_visible()
    expect(rows.first).to_contain_text(f"{marker} parent")  # the root heads the tree
    grandchild = tree_row(page, f"{marker} grandchild price lookup")
    expect(grandchild).to_have_attribute("aria-level", "3")

    bars = page.get_by_test_id("waterfall-bar")
    expect(bars).to_have_count(RICH_TRACE_RECORDS)
    root_bar = tree_row(page, f"{marker} parent").get_by_test_id("waterfall-bar").bounding_box()
    child_bar = tree_row(page, f"{marker} child load cart").get_by_test_id("waterfall-bar").bounding_box()
    assert root_bar, "the root's waterfall bar is not laid out"
    assert child_bar, "the child's waterfall bar is not laid out"
    assert root_bar["width"] > child_bar["width"] > 0, (root_bar, child_bar)

    # The root span: its message and its attributes, nested JSON included.
    tree_row(page, f"{marker} parent").click()
    details = page.get_by_test_id("details-panel")
    expect(details.get_by_role("heading", name=f"{marker} parent")).to_be_visible()
    expect(details).to_contain_text("Attributes")
    expect(details).to_contain_text("order")
    expect(details).to_contain_text("id: 4217")
    details.get_by_role("button", name="customer").click()  # deeper levels start collapsed
    expect(details).to_contain_text('tier: "gold"')

    # The log written by logfire.exception: the exception and its stack trace.
    tree_row(page, f"payment failed for {marker}").click()
    expect(details.get_by_role("heading", name=f"payment failed for {marker}")).to_be_visible()
    exception = details.get_by_test_id("exception")
    expect(exception).to_contain_text("ValueError")
    expect(exception).to_contain_text(f"card declined for {marker}")
    expect(exception.locator("pre")).to_contain_text("Traceback (most recent call last)")
    expect(exception.locator("pre")).to_contain_text("card_declined")
    tab.screenshot("trace")

    # The span that raised records its exception too.
    tree_row(page, f"{marker} child reserve stock").click()
    expect(details.get_by_test_id("exception")).to_contain_text("RuntimeError")
    expect(details.get_by_test_id("exception")).to_contain_text(f"out of stock for {marker}")
    tab.assert_no_page_errors()


def test_explore_runs_sql_and_shows_results_or_the_error(
    tab: Tab, workspace: Workspace, rich_trace: SentTrace
) -> None:
    page = tab.page
    page.goto(workspace.url("explore?range=1h"))
    sql = (
        "SELECT message, attributes->'order'->'customer'->>'tier' AS tier FROM records "
        f"WHERE trace_id = '{rich_trace.trace_id}' AND span_id = '{rich_trace.root_span_id}'"
    )
    fill_editor(page, "explore-editor", sql)
    page.get_by_test_id("explore-run").click()
    table = page.get_by_test_id("results-table")
    expect(table.locator("th")).to_have_text(["message", "tier"])
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody td")).to_have_text([f"{rich_trace.marker} parent", "gold"])

    fill_editor(
        page, "explore-editor", f"SELECT count(*) AS n FROM records WHERE trace_id = '{rich_trace.trace_id}'"
    )
    page.get_by_test_id("explore-run").click()
    expect(table.locator("tbody td")).to_have_text([str(RICH_TRACE_RECORDS)])
    tab.screenshot("explore")

    fill_editor(page, "explore-editor", "SELECT no_such_column FROM records")
    page.get_by_test_id("explore-run").click()
    error = page.get_by_test_id("query-error")
    expect(error).to_contain_text("no_such_column")
    expect(table).to_have_count(0)
    tab.assert_no_page_errors()


def test_settings_create_a_read_token_shown_once_then_revoke_it(tab: Tab, workspace: Workspace) -> None:
    page = tab.page
    page.on("dialog", lambda dialog: dialog.accept())  # "Revoke this token?"
    page.goto(workspace.url("settings"))
    tokens_tab = page.get_by_test_id("tokens-tab")
    expect(tokens_tab).to_be_visible()
    description = f"ui read {secrets.token_hex(3)}"
    tokens_tab.get_by_label("Token kind").select_option("read")
    tokens_tab.get_by_label("Description").fill(description)
    page.get_by_test_id("create-token").click()
    created = page.get_by_test_id("created-token")
    expect(created).to_contain_text("read token")
    token = created.locator("pre").inner_text().strip()
    assert re.fullmatch(r"pylf_v1_local_[A-Za-z0-9]{48}", token), token
    row = page.get_by_test_id("tokens-list").locator("tr").filter(has_text=description)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("read")
    assert token not in row.inner_text()  # the list shows only a hint
    tab.screenshot("settings")

    page.reload()
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("created-token")).to_have_count(0)
    assert token not in page.content()  # shown once: gone after a reload
    row.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    tab.assert_no_page_errors()


def test_a_dashboard_panel_is_built_saved_and_still_there_after_a_reload(
    tab: Tab, workspace: Workspace, rich_trace: SentTrace
) -> None:
    page = tab.page
    page.goto(workspace.url("dashboards?range=1h"))
    title = f"UI checkout {secrets.token_hex(3)}"
    page.get_by_label("New dashboard title").fill(title)
    page.get_by_test_id("create-dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboards/[a-z0-9-]+\?.*edit=1"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()

    page.get_by_test_id("add-panel").click()
    editor = page.get_by_test_id("panel-editor")
    expect(editor).to_be_visible()
    editor.get_by_label("Title").fill("Records by level")
    editor.get_by_label("Chart type").select_option("bar")
    fill_editor(
        page, "panel-sql", "SELECT level, count() AS records FROM records GROUP BY level ORDER BY level"
    )
    editor.get_by_test_id("panel-preview").click()
    expect(editor.get_by_test_id("chart")).to_be_visible()
    editor.get_by_test_id("panel-save").click()
    expect(editor).to_have_count(0)
    panel = page.get_by_test_id("dashboard-panel").filter(has_text="Records by level")
    expect(panel).to_be_visible()
    page.get_by_test_id("save-dashboard").click()
    expect(page.get_by_test_id("save-dashboard")).to_have_count(0)  # out of edit mode once saved

    page.reload()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("chart")).to_be_visible()
    tab.screenshot("dashboard")

    grid = page.get_by_test_id("dashboard-grid")
    expect(grid.locator(".react-grid-layout")).to_have_js_property(
        "offsetWidth", grid.evaluate("e => e.clientWidth")
    )

    page.goto(workspace.url("dashboards"))
    dashboards = page.get_by_test_id("dashboards-list")
    dashboards.get_by_role("link", name=title).click()
    expect(panel.get_by_test_id("chart")).to_be_visible()

    # A new project comes with the standard dashboards; every panel of the overview loads.
    page.goto(workspace.url("dashboards?range=1h"))
    expect(dashboards.locator("tr").filter(has_text="Overview")).to_contain_text("standard")
    dashboards.get_by_role("link", name="Overview").click()
    panels = page.get_by_test_id("dashboard-panel")
    expect(panels.first).to_be_visible()
    expect(panels.get_by_text("Loading…")).to_have_count(0)
    expect(panels.locator(".error")).to_have_count(0)
    tab.assert_no_page_errors()


def test_an_alert_is_created_and_listed_with_its_state(tab: Tab, workspace: Workspace) -> None:
    page = tab.page
    page.goto(workspace.url("alerts"))
    page.get_by_test_id("new-alert").click()
    form = page.get_by_test_id("alert-form")
    expect(form).to_be_visible()
    name = f"UI errors {secrets.token_hex(3)}"
    form.get_by_label("Name").fill(name)
    form.get_by_label("Description").fill("errors of the ui-e2e service")
    fill_editor(
        page, "alert-sql", "SELECT count() AS errors FROM records WHERE level >= 'error' HAVING count() > 0"
    )
    form.get_by_label("Run every").select_option("60")
    form.get_by_label("Looking back").select_option("900")
    form.get_by_label("Fire").select_option("any_rows")
    page.get_by_test_id("alert-save").click()
    expect(page).to_have_url(re.compile(r"/alerts/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    page.goto(workspace.url("alerts"))
    row = page.get_by_test_id("alerts-list").locator("tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1m")  # every
    expect(row).to_contain_text("15m")  # looking back
    expect(row.locator(".state-pill")).to_have_text(re.compile(r"^(ok|firing|no_data|snoozed|error)$"))
    tab.screenshot("alerts")
    tab.assert_no_page_errors()


def invited_member(ui_stack: Stack, workspace: Workspace) -> tuple[str, str]:
    """A second person in the tests' organization (invited, then registered): their user id and email."""
    email = f"member-{secrets.token_hex(4)}@example.com"
    with signed_in_client(ui_stack) as admin:
        invitation = admin.post(
            f"/ui-api/orgs/{workspace.org}/invitations", json={"email": email, "role": "member"}
        )
        assert invitation.status_code == 201, invitation.text
    token = parse_qs(urlsplit(invitation.json()["accept_url"]).query)["token"][0]
    with httpx.Client(base_url=ui_stack.base_url, timeout=30) as anonymous:
        registered = anonymous.post(
            "/ui-api/auth/register", json={"token": token, "password": secrets.token_hex(8), "name": "Member"}
        )
        assert registered.status_code == 201, registered.text
    return registered.json()["user"]["id"], email


def test_settings_give_a_member_a_project_role_and_change_it(
    tab: Tab, ui_stack: Stack, workspace: Workspace
) -> None:
    user_id, email = invited_member(ui_stack, workspace)
    page = tab.page
    page.on("dialog", lambda dialog: dialog.accept())  # "Remove …'s role on this project?"
    page.goto(workspace.url("settings?tab=access"))
    access = page.get_by_test_id("project-members-tab")
    expect(access.get_by_test_id("project-members-list")).to_be_visible()
    row = access.get_by_test_id("project-member-row").filter(has_text=email)
    expect(row).to_have_count(0)

    access.get_by_label("Organization member").select_option(user_id)
    access.get_by_label("New project role").select_option("read")
    access.get_by_test_id("add-project-member").click()
    role = access.get_by_label(f"Project role of {email}")
    expect(role).to_have_value("read")

    role.select_option("write")
    expect(access.get_by_role("status")).to_have_text(f"{email} is now write.")
    page.reload()
    expect(role).to_have_value("write")
    tab.screenshot("settings-project-access")

    row.get_by_role("button", name="Remove").click()
    expect(row).to_have_count(0)
    page.reload()
    expect(access.get_by_test_id("project-members-list")).to_be_visible()
    expect(row).to_have_count(0)
    expect(access.get_by_test_id("project-members-error")).to_have_count(0)
    tab.assert_no_page_errors()


def test_a_dashboard_variable_is_added_picked_and_kept_in_the_url(
    tab: Tab, ui_stack: Stack, workspace: Workspace
) -> None:
    slug = f"ui-vars-{secrets.token_hex(3)}"
    # count() * 0 makes one row whatever the data; $n is the variable the test adds.
    panel = {
        "id": "panel-1",
        "title": "Scaled",
        "sql": "SELECT count() * 0 + $n * 10 + 7 AS v FROM records",
        "chart": "value",
        "layout": {"x": 0, "y": 0, "w": 4, "h": 4},
    }
    with signed_in_client(ui_stack) as client:
        created = client.post(
            f"/ui-api/orgs/{workspace.org}/projects/{workspace.project}/dashboards",
            json={
                "slug": slug,
                "title": "UI variables",
                "description": "",
                "definition": {"panels": [panel], "variables": []},
            },
        )
        assert created.status_code == 201, created.text
    page = tab.page
    page.goto(workspace.url(f"dashboards/{slug}?range=1h&edit=1"))
    page.get_by_test_id("add-variable").click()
    editor = page.get_by_test_id("variable-editor")
    editor.get_by_label("Name (use as $name in SQL)").fill("n")
    editor.get_by_label("Label").fill("Multiplier")
    editor.get_by_label("Options, comma separated (empty: any value may be typed)").fill("1, 2, 3")
    page.get_by_test_id("variable-save").click()
    expect(editor).to_have_count(0)
    value = page.get_by_test_id("dashboard-panel").filter(has_text="Scaled").get_by_test_id("chart-value")
    expect(value).to_have_text("17")  # the default, the first option
    page.get_by_test_id("save-dashboard").click()
    expect(page.get_by_test_id("save-dashboard")).to_have_count(0)

    picker = page.get_by_label("Value of $n")
    picker.select_option("3")
    expect(page).to_have_url(re.compile(r"[?&]var-n=3(&|$)"))
    expect(value).to_have_text("37")
    shared = page.url
    tab.screenshot("dashboard-variables")

    page.goto(workspace.url("dashboards"))
    page.goto(shared)
    expect(picker).to_have_value("3")
    expect(value).to_have_text("37")
    tab.assert_no_page_errors()
