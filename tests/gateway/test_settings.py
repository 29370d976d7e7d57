"""Gateway settings: defaults, env parsing, and one clear sentence for a bad value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hearth_gateway.settings import GatewaySettings
from hearth_shared.serve import describe_validation_error


def test_defaults() -> None:
    settings = GatewaySettings()
    assert settings.port == 8080
    assert settings.backend_url == "http://127.0.0.1:8000"
    assert settings.query_api_url == "http://127.0.0.1:8011"
    assert settings.ingest_urls == ["http://127.0.0.1:8012"]
    assert settings.dex_url is None
    assert settings.max_request_bytes == 100 * 1024 * 1024
    assert settings.cors_allow_origins == []


def test_every_field_is_documented() -> None:
    missing = [name for name, info in GatewaySettings.model_fields.items() if not info.description]
    assert missing == []


def test_lists_from_env_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_INGEST_URLS", "http://ingest-0:8012/, http://ingest-1:8012")
    monkeypatch.setenv("HEARTH_CORS_ALLOW_ORIGINS", "https://app.example.com,http://localhost:5173")
    monkeypatch.setenv("HEARTH_DEX_URL", "")
    settings = GatewaySettings()
    assert settings.ingest_urls == ["http://ingest-0:8012", "http://ingest-1:8012"]
    assert settings.cors_allow_origins == ["https://app.example.com", "http://localhost:5173"]
    assert settings.dex_url is None


def test_json_list_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_INGEST_URLS", '["https://ingest.internal:8443"]')
    assert GatewaySettings().ingest_urls == ["https://ingest.internal:8443"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "HEARTH_INGEST_URLS",
            "ftp://x",
            "HEARTH_INGEST_URLS is invalid: Value error, 'ftp://x' must be an http",
        ),
        ("HEARTH_INGEST_URLS", "", "at least one ingest URL"),
        ("HEARTH_INGEST_URLS", "http://a:1,http://a:1/", "listed twice"),
        ("HEARTH_BACKEND_URL", "backend:8000", "must be an http:// or https:// URL"),
        ("HEARTH_QUERY_API_URL", "http://:8011", "has no host"),
        ("HEARTH_DEX_URL", "http://dex:port", "is not a valid URL"),
        ("HEARTH_BACKEND_URL", "http://user:pw@backend", "must not carry credentials"),
        ("HEARTH_CORS_ALLOW_ORIGINS", "https://app.example.com/path", "is not an origin"),
        ("HEARTH_MAX_REQUEST_BYTES", "0", "greater than 0"),
        ("HEARTH_UPSTREAM_TIMEOUT", "-1", "greater than 0"),
    ],
)
def test_bad_settings_fail_with_a_clear_sentence(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        GatewaySettings()
    sentence = describe_validation_error(GatewaySettings, caught.value)
    assert sentence.startswith(f"{variable} is invalid")
    assert message in sentence


def test_bad_ingest_url_as_argument() -> None:
    with pytest.raises(ValidationError, match="must be an http:// or https:// URL"):
        GatewaySettings(ingest_urls="ftp://x")


def test_any_origin() -> None:
    assert GatewaySettings(cors_allow_origins="*").cors_allow_origins == ["*"]
