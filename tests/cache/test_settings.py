"""Cache settings: defaults, peer lists from the environment, and the checks that fail at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hearth_cache.settings import CacheSettings


def test_defaults() -> None:
    settings = CacheSettings()
    assert settings.port == 9001
    assert settings.cache_dir == Path(".hearth/cache")
    assert settings.cache_chunk_bytes == 4 * 1024 * 1024
    assert settings.cache_peers == []
    assert settings.cache_self_url is None


def test_peers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_CACHE_PEERS", "http://cache-0:9001/, http://cache-1:9001,http://cache-0:9001")
    monkeypatch.setenv("HEARTH_CACHE_SELF_URL", "http://cache-1:9001/")
    monkeypatch.setenv("HEARTH_CACHE_MAX_BYTES", "1000000")
    settings = CacheSettings()
    assert settings.cache_peers == ["http://cache-0:9001", "http://cache-1:9001"]
    assert settings.cache_self_url == "http://cache-1:9001"
    assert settings.cache_max_bytes == 1_000_000


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cache_peers": ["http://a:9001", "http://b:9001"]}, "cache_self_url"),
        ({"cache_peers": ["http://a:9001"], "cache_self_url": "http://c:9001"}, "cache_self_url"),
        ({"cache_peers": ["ftp://a:9001"], "cache_self_url": "ftp://a:9001"}, "http"),
        ({"cache_chunk_bytes": 1024}, "cache_chunk_bytes"),
        ({"cache_max_bytes": 0}, "cache_max_bytes"),
    ],
)
def test_bad_settings_are_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CacheSettings(**values)  # type: ignore[arg-type]
