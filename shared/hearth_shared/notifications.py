"""Sending to a notification channel, shared by maintenance (alert notifications) and the backend (the
"send a test message" button): where a channel's POST goes and with which headers, and the test body.

Channels (table ``notification_channels``) are ``kind`` ``webhook`` — ``config = {"url", "headers"?}``,
a JSON POST with those extra headers — or ``slack`` — ``config = {"url"}``, a Slack incoming webhook,
which takes ``{"text", "blocks"?}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

USER_AGENT: Final = "Hearth-Alerts/1"


@dataclass(frozen=True)
class DeliveryTarget:
    url: str
    headers: Mapping[str, str]


def delivery_target(kind: str, config: Any) -> DeliveryTarget | None:
    """Where a channel's notifications are POSTed; None when its config has no http(s) URL."""
    url = config.get("url") if isinstance(config, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    headers = {"User-Agent": USER_AGENT}
    extra = config.get("headers") if kind == "webhook" else None
    if isinstance(extra, dict):
        headers.update({str(key): str(value) for key, value in extra.items()})
    return DeliveryTarget(url, headers)


def channel_test_body(kind: str, *, channel_name: str, organization: str, sent_by: str) -> dict[str, Any]:
    """The body of a test message: Slack's ``{"text"}``, or a ``hearth.test`` webhook event."""
    text = f"Test message from Hearth to channel “{channel_name}” of {organization}, sent by {sent_by}."
    if kind == "slack":
        return {"text": text}
    return {
        "type": "hearth.test",
        "event": "test",
        "message": text,
        "channel": channel_name,
        "organization": organization,
    }
