"""Notification bodies, built when a run is recorded and stored in the outbox as sent.

Webhook (``kind = 'webhook'``), ``Content-Type: application/json``::

    {"type": "hearth.alert", "event": "firing|resolved|changed|error", "message": "<one sentence>",
     "alert": {"id", "name", "description", "sql", "firing_mode", "lookback_seconds", "interval_seconds"},
     "project": {"id", "slug", "organization"},
     "state": "...", "previous_state": "...",
     "run": {"id", "started_at", "finished_at", "row_count", "error"},
     "sample": [ {column: value, ...}, ... ],     # the first rows of the result
     "url": "<public link to the alert>" | null}

Slack (``kind = 'slack'``, an incoming-webhook URL): ``{"text": <message>, "blocks": [...]}`` — a
section with the message, a fields section (project, state, rows, run time), the sample as a code
block, and an "Open alert" button when a public URL is configured. ``text`` is the fallback Slack
shows in notifications.
"""

from __future__ import annotations

from typing import Any

import orjson

from hearth_maintenance.jobs.alerts.store import RunRecord

#: Slack refuses section texts above 3000 characters.
_SLACK_TEXT_MAX = 3000
_EMOJI = {
    "firing": ":rotating_light:",
    "resolved": ":white_check_mark:",
    "changed": ":arrows_counterclockwise:",
    "error": ":warning:",
}


def _window(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _rows(count: int | None) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def message(run: RunRecord) -> str:
    """One sentence saying what happened."""
    alert, seen, decision = run.alert, run.seen, run.decision
    window = _window(alert.lookback_seconds)
    if decision.event == "error":
        return f"Alert “{alert.name}” cannot be evaluated: {seen.error}"
    if decision.event == "resolved":
        why = "no data" if decision.state == "no_data" else "no rows"
        return f"Alert “{alert.name}” resolved: {why} in the last {window}."
    if decision.event == "changed":
        return f"Alert “{alert.name}”: the result changed ({_rows(seen.row_count)} in the last {window})."
    return f"Alert “{alert.name}” is firing: {_rows(seen.row_count)} in the last {window}."


def alert_url(public_base_url: str | None, run: RunRecord) -> str | None:
    if public_base_url is None:
        return None
    alert = run.alert
    return f"{public_base_url}/{alert.organization_slug}/{alert.project_slug}/alerts/{alert.id}"


def webhook_body(run: RunRecord, run_id: int, *, url: str | None) -> dict[str, Any]:
    alert = run.alert
    return {
        "type": "hearth.alert",
        "event": run.decision.event,
        "message": message(run),
        "alert": {
            "id": str(alert.id),
            "name": alert.name,
            "description": alert.description,
            "sql": alert.sql,
            "firing_mode": alert.firing_mode,
            "lookback_seconds": alert.lookback_seconds,
            "interval_seconds": alert.interval_seconds,
        },
        "project": {
            "id": str(alert.project_id),
            "slug": alert.project_slug,
            "organization": alert.organization_slug,
        },
        "state": run.decision.state,
        "previous_state": alert.previous.state,
        "run": {
            "id": run_id,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat(),
            "row_count": run.seen.row_count,
            "error": run.seen.error,
        },
        "sample": run.sample or [],
        "url": url,
    }


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats &, < and > as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_body(run: RunRecord, *, url: str | None) -> dict[str, Any]:
    alert, decision = run.alert, run.decision
    text = message(run)
    emoji = _EMOJI.get(decision.event or "firing", "")
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(f"{emoji} *{_slack_escape(text)}*", 3000)},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Project*\n{alert.organization_slug}/{alert.project_slug}"},
                {"type": "mrkdwn", "text": f"*State*\n{decision.state} (was {alert.previous.state})"},
                {
                    "type": "mrkdwn",
                    "text": f"*Rows*\n{run.seen.row_count if run.seen.row_count is not None else '-'}",
                },
                {
                    "type": "mrkdwn",
                    "text": f"*Run at*\n{run.started_at.strftime('%Y-%m-%d %H:%M:%S UTC')}",
                },
            ],
        },
    ]
    if run.sample:
        sample = "\n".join(orjson.dumps(row).decode() for row in run.sample)
        fence = "```"
        body = _clip(_slack_escape(sample), _SLACK_TEXT_MAX - 2 * len(fence) - 2)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{fence}\n{body}\n{fence}"}})
    if url is not None:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open alert"}, "url": url}
                ],
            }
        )
    return {"text": text, "blocks": blocks}


def render(run: RunRecord, run_id: int, kind: str, *, public_base_url: str | None) -> dict[str, Any]:
    """The body sent to a channel of ``kind``."""
    url = alert_url(public_base_url, run)
    if kind == "slack":
        return slack_body(run, url=url)
    return webhook_body(run, run_id, url=url)
