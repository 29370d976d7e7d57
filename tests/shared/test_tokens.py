"""Tokens: Logfire's shape, hashing, Authorization parsing, and the store on real Postgres."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from hearth_shared.db.pool import DatabasePool
from hearth_shared.tokens import (
    TokenStore,
    generate_token,
    hash_token,
    parse_authorization,
    token_hint,
)

# Copied from the SDK (logfire/_internal/auth.py): what `logfire` accepts as a token.
SDK_TOKEN_PATTERN = re.compile(
    r"^pylf_v(?P<version>[0-9]+)_(?P<region>[a-z]+)_"
    r"(?:(?P<organization_id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})_)?"
    r"(?P<token>[a-zA-Z0-9]+)$"
)


def test_generated_tokens_match_the_sdk_pattern() -> None:
    tokens = {generate_token() for _ in range(500)}
    assert len(tokens) == 500
    for token in tokens:
        match = SDK_TOKEN_PATTERN.match(token)
        assert match is not None, token
        assert match["version"] == "1"
        assert match["region"] == "local"
        assert match["organization_id"] is None
        assert len(match["token"]) >= 40
    assert SDK_TOKEN_PATTERN.match(generate_token("eu"))["region"] == "eu"  # type: ignore[index]


@pytest.mark.parametrize("region", ["", "EU", "us-east", "local1"])
def test_region_must_be_lowercase_letters(region: str) -> None:
    with pytest.raises(ValueError, match="lowercase letters"):
        generate_token(region)


def test_hash_is_sha256_of_the_text() -> None:
    token = generate_token()
    assert hash_token(token) == hashlib.sha256(token.encode()).digest()
    assert len(hash_token(token)) == 32
    assert hash_token(token) != hash_token(generate_token())


def test_hint_shows_the_prefix_and_four_secret_characters() -> None:
    token = "pylf_v1_local_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdef"
    assert token_hint(token) == "pylf_v1_local_AbCd…"
    org = "pylf_v1_us_0193b1a4-7c1e-7000-8000-000000000000_XyZw123"
    assert token_hint(org) == "pylf_v1_us_0193b1a4-7c1e-7000-8000-000000000000_XyZw…"
    assert token_hint("not-a-token-at-all") == "not-a-to…"


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("pylf_v1_local_abc", "pylf_v1_local_abc"),
        ("Bearer pylf_v1_local_abc", "pylf_v1_local_abc"),
        ("bearer pylf_v1_local_abc", "pylf_v1_local_abc"),
        ("BEARER   pylf_v1_local_abc  ", "pylf_v1_local_abc"),
        ("  pylf_v1_local_abc ", "pylf_v1_local_abc"),
        ("Bearer ", None),
        ("Bearer", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_authorization(header: str | None, token: str | None) -> None:
    assert parse_authorization(header) == token


async def make_project(pool: DatabasePool, slug: str = "demo") -> uuid.UUID:
    org_id = await pool.fetchval(
        "INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id", f"org-{slug}", f"Org {slug}"
    )
    project_id: uuid.UUID = await pool.fetchval(
        "INSERT INTO projects (organization_id, slug, name) VALUES ($1, $2, $3) RETURNING id",
        org_id,
        slug,
        slug.title(),
    )
    return project_id


async def test_create_then_resolve_by_kind(db_pool: DatabasePool) -> None:
    store = TokenStore(db_pool)
    project_id = await make_project(db_pool)
    write_text, write_row = await store.create(project_id, "write", "ingest from CI")
    read_text, _read_row = await store.create(project_id, "read")

    assert SDK_TOKEN_PATTERN.match(write_text)
    assert write_row.kind == "write"
    assert write_row.description == "ingest from CI"
    assert write_row.hint == token_hint(write_text)
    assert write_row.last_used_at is None
    assert write_row.revoked_at is None

    resolved = await store.resolve(write_text, "write")
    assert resolved is not None
    assert resolved.token_id == write_row.id
    assert resolved.project_id == project_id
    assert (resolved.project_slug, resolved.project_name) == ("demo", "Demo")
    assert (resolved.organization_slug, resolved.organization_name) == ("org-demo", "Org demo")
    assert resolved.organization_id == await db_pool.fetchval(
        "SELECT organization_id FROM projects WHERE id = $1", project_id
    )

    assert await store.resolve(write_text, "read") is None  # a write token does not read
    assert await store.resolve(read_text, "write") is None
    assert (await store.resolve(read_text, None)).kind == "read"  # type: ignore[union-attr]

    used = await store.get(write_row.id)
    assert used is not None
    assert used.last_used_at is not None


async def test_only_the_hash_is_stored(db_pool: DatabasePool) -> None:
    project_id = await make_project(db_pool)
    text, row = await TokenStore(db_pool).create(project_id, "write")
    stored = await db_pool.fetchrow("SELECT * FROM tokens WHERE id = $1", row.id)
    assert stored is not None
    assert stored["token_hash"] == hash_token(text)
    assert all(text not in str(value) for value in stored.values())


async def test_unknown_and_malformed_tokens_resolve_to_none(db_pool: DatabasePool) -> None:
    store = TokenStore(db_pool)
    assert await store.resolve(generate_token(), "write") is None
    assert await store.resolve("not a token", "write") is None
    assert await store.resolve("", None) is None


async def test_revoked_tokens_stop_resolving(db_pool: DatabasePool) -> None:
    store = TokenStore(db_pool)
    text, row = await store.create(await make_project(db_pool), "read")
    assert await store.revoke(row.id) is True
    assert await store.revoke(row.id) is False  # already revoked
    assert await store.revoke(uuid.uuid4()) is False
    assert await store.resolve(text, "read") is None
    revoked = await store.get(row.id)
    assert revoked is not None
    assert revoked.revoked_at is not None


async def test_expired_tokens_stop_resolving(db_pool: DatabasePool) -> None:
    store = TokenStore(db_pool)
    project_id = await make_project(db_pool)
    now = datetime.now(UTC)
    expired, _ = await store.create(project_id, "read", expires_at=now - timedelta(seconds=1))
    valid, _ = await store.create(project_id, "read", expires_at=now + timedelta(days=30))
    assert await store.resolve(expired, "read") is None
    resolved = await store.resolve(valid, "read")
    assert resolved is not None
    assert resolved.expires_at is not None


async def test_tokens_listed_per_project(db_pool: DatabasePool) -> None:
    store = TokenStore(db_pool, region="eu")
    project_id = await make_project(db_pool)
    other = await make_project(db_pool, "other")
    write_text, _ = await store.create(project_id, "write")
    await store.create(project_id, "read")
    await store.create(other, "read")
    assert write_text.startswith("pylf_v1_eu_")
    assert sorted(t.kind for t in await store.for_project(project_id)) == ["read", "write"]
    assert [t.kind for t in await store.for_project(project_id, "write")] == ["write"]


async def test_bad_kind_is_refused(db_pool: DatabasePool) -> None:
    with pytest.raises(ValueError, match="'write' or 'read'"):
        await TokenStore(db_pool).create(await make_project(db_pool), "admin")  # type: ignore[arg-type]
