"""Notification channels of an organization (every project's alerts may use them): a ``webhook`` (JSON
POST, optional extra headers) or a ``slack`` incoming webhook.

Their URLs and headers carry secrets (Slack webhook paths, bearer tokens), so answers show only the
URL's scheme and host (``https://hooks.slack.com/…``) and header names; saving a channel means sending
its URL again.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit

import asyncpg
import httpx
from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from hearth_backend.errors import AlreadyExists, ResourceNotFound
from hearth_backend.tenancy.rows import as_uuid
from hearth_shared.notifications import channel_test_body, delivery_target
from hearth_shared.tokens import Executor

ChannelKind = Literal["webhook", "slack"]
MAX_HEADERS: Final = 20
TEST_TIMEOUT_SECONDS: Final = 10.0
_HEADER_NAME: Final = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_MAX_ERROR: Final = 300


class ChannelConfig(BaseModel):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    headers: dict[str, Annotated[str, StringConstraints(max_length=4000)]] | None = Field(
        default=None, description="Webhook only: extra request headers (e.g. Authorization)"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > MAX_HEADERS:
            raise ValueError(f"at most {MAX_HEADERS} headers")
        for name, text in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if "\n" in text or "\r" in text:
                raise ValueError(f"the value of header {name!r} contains a line break")
        return value


class ChannelIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: ChannelKind
    config: ChannelConfig

    @model_validator(mode="after")
    def _slack_takes_no_headers(self) -> ChannelIn:
        if self.kind == "slack" and self.config.headers:
            raise ValueError("a slack channel takes no headers (only the incoming-webhook URL)")
        return self


class MaskedConfig(BaseModel):
    url: str = Field(description="Scheme and host only: the rest may be a secret")
    headers: dict[str, str] | None = Field(default=None, description="Header names; values hidden")


class Channel(BaseModel):
    id: uuid.UUID
    name: str
    kind: ChannelKind
    config: MaskedConfig
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ChannelTestResult(BaseModel):
    ok: bool = Field(description="The receiver answered 2xx")
    status_code: int | None = Field(description="The receiver's HTTP status; null when it was not reached")
    detail: str = Field(description="What happened, for people")


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    rest = parts.path.strip("/") or parts.query or parts.fragment
    return origin + ("/…" if rest else "")


def _masked(config: Any) -> MaskedConfig:
    config = config if isinstance(config, dict) else {}
    headers = config.get("headers")
    return MaskedConfig(
        url=mask_url(str(config.get("url", ""))),
        headers={str(name): "…" for name in headers} if isinstance(headers, dict) else None,
    )


def _channel(row: asyncpg.Record) -> Channel:
    return Channel(
        id=as_uuid(row["id"]),
        name=row["name"],
        kind=row["kind"],
        config=_masked(row["config"]),
        created_by=None if row["created_by"] is None else as_uuid(row["created_by"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


_COLUMNS: Final = "id, name, kind, config, created_by, created_at, updated_at"


def _not_found(channel_id: uuid.UUID) -> ResourceNotFound:
    return ResourceNotFound(f"the organization has no notification channel {channel_id}")


def _name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(f"the organization has a channel named {name!r} already")


def _stored(config: ChannelConfig) -> dict[str, Any]:
    return config.model_dump(exclude_none=True)


async def list_channels(db: Executor, organization_id: uuid.UUID) -> list[Channel]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM notification_channels WHERE organization_id = $1 ORDER BY name",
        organization_id,
    )
    return [_channel(row) for row in rows]


async def _row(db: Executor, organization_id: uuid.UUID, channel_id: uuid.UUID) -> asyncpg.Record:
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM notification_channels WHERE organization_id = $1 AND id = $2",
        organization_id,
        channel_id,
    )
    if row is None:
        raise _not_found(channel_id)
    return row


async def get_channel(db: Executor, organization_id: uuid.UUID, channel_id: uuid.UUID) -> Channel:
    return _channel(await _row(db, organization_id, channel_id))


async def create_channel(
    db: Executor, organization_id: uuid.UUID, body: ChannelIn, *, created_by: uuid.UUID | None
) -> Channel:
    try:
        row = await db.fetchrow(
            f"""
            INSERT INTO notification_channels (organization_id, name, kind, config, created_by)
            VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}
            """,
            organization_id,
            body.name,
            body.kind,
            _stored(body.config),
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise _name_taken(body.name) from exc
    assert row is not None
    return _channel(row)


async def update_channel(
    db: Executor, organization_id: uuid.UUID, channel_id: uuid.UUID, body: ChannelIn
) -> Channel:
    try:
        row = await db.fetchrow(
            f"""
            UPDATE notification_channels SET name = $3, kind = $4, config = $5, updated_at = now()
            WHERE organization_id = $1 AND id = $2 RETURNING {_COLUMNS}
            """,
            organization_id,
            channel_id,
            body.name,
            body.kind,
            _stored(body.config),
        )
    except asyncpg.UniqueViolationError as exc:
        raise _name_taken(body.name) from exc
    if row is None:
        raise _not_found(channel_id)
    return _channel(row)


async def delete_channel(db: Executor, organization_id: uuid.UUID, channel_id: uuid.UUID) -> None:
    """Alerts that used it stop notifying it (``alert_channels`` rows cascade)."""
    deleted = await db.fetchval(
        "DELETE FROM notification_channels WHERE organization_id = $1 AND id = $2 RETURNING id",
        organization_id,
        channel_id,
    )
    if deleted is None:
        raise _not_found(channel_id)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


async def send_test(
    db: Executor, organization_id: uuid.UUID, organization: str, channel_id: uuid.UUID, *, sent_by: str
) -> ChannelTestResult:
    """POST a test message to the channel now and report how its receiver answered."""
    row = await _row(db, organization_id, channel_id)
    target = delivery_target(row["kind"], row["config"])
    if target is None:
        return ChannelTestResult(ok=False, status_code=None, detail="the channel has no http(s) URL")
    body = channel_test_body(
        row["kind"], channel_name=row["name"], organization=organization, sent_by=sent_by
    )
    where = mask_url(target.url)
    try:
        async with httpx.AsyncClient(timeout=TEST_TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.post(target.url, json=body, headers=dict(target.headers))
    except httpx.TimeoutException:
        return ChannelTestResult(
            ok=False, status_code=None, detail=f"{where} did not answer within {TEST_TIMEOUT_SECONDS:g} s"
        )
    except httpx.HTTPError as exc:
        return ChannelTestResult(
            ok=False,
            status_code=None,
            detail=_clip(f"{where} could not be reached: {type(exc).__name__}: {exc}"),
        )
    if response.is_success:
        return ChannelTestResult(ok=True, status_code=response.status_code, detail=f"{where} accepted it")
    return ChannelTestResult(
        ok=False,
        status_code=response.status_code,
        detail=_clip(f"{where} answered HTTP {response.status_code}: {response.text}"),
    )
