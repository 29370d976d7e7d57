"""Build the object storage from ``StorageSettings`` and check that it answers.

``storage_options`` is one flat ``{str: str}`` map (it comes from an env var), but obstore takes three
separate groups, and a client key slipped into the store config makes obstore panic rather than raise.
So the keys are routed here:

- HTTP client keys (``allow_http``, ``timeout``, ``connect_timeout``…) go to ``client_options``;
- ``max_retries`` and ``retry_timeout`` (seconds, or ``500ms``/``2s``/``1min``) go to ``retry_config``;
- everything else is store config (S3 ``endpoint``/``region``/``access_key_id``…, Azure
  ``account_name``…, GCS ``service_account_path``…); unknown keys fail with ``InvalidStorageConfig``.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from obstore.exceptions import BaseError as ObstoreError
from obstore.exceptions import UnknownConfigurationKeyError
from obstore.store import AzureStore, GCSStore, LocalStore, MemoryStore, ObjectStore, S3Store

from hearth_shared.settings import StorageSettings
from hearth_shared.storage.base import InvalidStorageConfig, ObjectStorage, StorageUnavailable
from hearth_shared.storage.obstore_storage import ObstoreStorage, describe_error

if TYPE_CHECKING:
    from obstore.store import AzureConfig, ClientConfig, GCSConfig, RetryConfig, S3Config

__all__ = ["PROBE_PREFIX", "check_storage", "open_storage"]

# From obstore's ClientConfig; these keys are shared by the S3, Azure and GCS clients.
_CLIENT_KEYS = frozenset(
    {
        "allow_http",
        "allow_invalid_certificates",
        "connect_timeout",
        "default_content_type",
        "http1_only",
        "http2_keep_alive_interval",
        "http2_keep_alive_timeout",
        "http2_keep_alive_while_idle",
        "http2_only",
        "pool_idle_timeout",
        "pool_max_idle_per_host",
        "proxy_url",
        "proxy_ca_certificate",
        "proxy_excludes",
        "randomize_addresses",
        "read_timeout",
        "root_certificate",
        "timeout",
        "user_agent",
    }
)
_RETRY_KEYS = frozenset({"max_retries", "retry_timeout"})
_S3_SCHEMES = frozenset({"s3", "s3a"})
_AZURE_SCHEMES = frozenset({"az", "azure", "abfs", "abfss", "adl"})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}

#: Listed by ``check_storage``; nothing is ever written there, so the probe is one cheap empty listing.
PROBE_PREFIX = "_hearth/probe"


def open_storage(settings: StorageSettings) -> ObjectStorage:
    """The storage named by ``settings.storage_url``; no request is made (see ``check_storage``).

    ``file://`` paths may be relative (resolved against the current directory) and the directory is
    created; ``memory://`` is a private in-process store for tests, a new empty one on every call.
    """
    url = settings.storage_url.strip()
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise InvalidStorageConfig(f"storage URL {url!r} has no scheme; use file://, s3://, az:// or gs://")
    scheme = scheme.lower()
    options = dict(settings.storage_options)
    if scheme == "file":
        return _open_local(rest, options)
    if scheme == "memory":
        if rest.strip("/"):
            raise InvalidStorageConfig(f"storage URL {url!r}: memory:// storage takes no path")
        _refuse_options(options, "memory://")
        return ObstoreStorage(MemoryStore(), url="memory://")
    if scheme in _S3_SCHEMES | _AZURE_SCHEMES | {"gs"}:
        return _open_cloud(url.rstrip("/"), scheme, options)
    raise InvalidStorageConfig(f"unsupported storage URL {url!r}: use file://, s3://, az://, gs://")


async def check_storage(storage: ObjectStorage, *, limit_seconds: float = 10.0) -> None:
    """Raise ``StorageUnavailable`` (one sentence) unless the store answers a listing in ``limit_seconds``.

    Listing catches what a HEAD cannot: S3 answers HEAD on a missing bucket with a bare 404, which
    looks like a missing key, while a listing names ``NoSuchBucket``. The timeout bounds obstore's
    retries (10 with backoff, up to 3 minutes, by default), so ``/ready`` answers promptly.
    """
    try:
        async with asyncio.timeout(limit_seconds):
            async for _ in storage.list(PROBE_PREFIX):
                pass
    except StorageUnavailable as exc:
        raise StorageUnavailable(exc.url, exc.reason) from exc
    except TimeoutError as exc:
        raise StorageUnavailable(storage.url, f"no answer within {limit_seconds:g}s") from exc


def _open_local(path_text: str, options: dict[str, str]) -> ObjectStorage:
    # Everything after file:// is a path: absolute when it starts with "/", else relative to the cwd
    # (the default "file://./.hearth/objects"). "file://localhost/abs" is the RFC 8089 spelling.
    if path_text.startswith("localhost/"):
        path_text = path_text[len("localhost") :]
    if not path_text:
        raise InvalidStorageConfig("storage URL 'file://' names no directory")
    _refuse_options(options, "file://")
    root = Path(path_text).expanduser()
    if not root.is_absolute():
        root = Path.cwd() / root
    root = root.resolve()
    url = root.as_uri()
    try:
        # automatic_cleanup removes directories emptied by deletes, so retired day=… partitions
        # do not pile up; the root itself is kept.
        store = LocalStore(root, mkdir=True, automatic_cleanup=True)
    except (ObstoreError, OSError) as exc:
        raise StorageUnavailable(url, describe_error(exc)) from exc
    return ObstoreStorage(store, url=url)


def _open_cloud(url: str, scheme: str, options: dict[str, str]) -> ObjectStorage:
    config: dict[str, str] = {}
    client: dict[str, str] = {}
    for key, value in options.items():
        if key in _CLIENT_KEYS:
            client[key] = value
        elif key not in _RETRY_KEYS:
            config[key] = value
    retry = _retry_config(options)
    # The stubs type some values as bool/timedelta; obstore parses the string form of every key,
    # which is what an env var gives us.
    client_options = cast("ClientConfig", client)
    store: ObjectStore
    try:
        if scheme in _S3_SCHEMES:
            store = S3Store.from_url(
                url, config=cast("S3Config", config), client_options=client_options, retry_config=retry
            )
        elif scheme in _AZURE_SCHEMES:
            store = AzureStore.from_url(
                url, config=cast("AzureConfig", config), client_options=client_options, retry_config=retry
            )
        else:
            store = GCSStore.from_url(
                url, config=cast("GCSConfig", config), client_options=client_options, retry_config=retry
            )
    except UnknownConfigurationKeyError as exc:
        raise InvalidStorageConfig(f"storage_options for {url}: {describe_error(exc)}") from exc
    except (ObstoreError, ValueError) as exc:
        raise InvalidStorageConfig(f"cannot use storage URL {url!r}: {describe_error(exc)}") from exc
    return ObstoreStorage(store, url=url)


def _retry_config(options: dict[str, str]) -> RetryConfig | None:
    retry: RetryConfig = {}
    if "max_retries" in options:
        text = options["max_retries"].strip()
        if not text.isdigit():
            raise InvalidStorageConfig(f"storage option max_retries must be a whole number, got {text!r}")
        retry["max_retries"] = int(text)
    if "retry_timeout" in options:
        retry["retry_timeout"] = _duration("retry_timeout", options["retry_timeout"])
    return retry or None


def _duration(name: str, text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise InvalidStorageConfig(
            f"storage option {name} must be seconds or a duration like 500ms, 2s, 1min; got {text!r}"
        )
    return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2) or "s"])


def _refuse_options(options: dict[str, str], kind: str) -> None:
    if options:
        raise InvalidStorageConfig(
            f"storage_options ({', '.join(sorted(options))}) do not apply to {kind} storage"
        )
