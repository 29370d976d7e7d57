"""DataFusion's view of the configured object storage: where an object key lives and which store reads it.

One :class:`ObjectLocation` is built at start from the same ``storage_url``/``storage_options`` the
rest of Hearth uses (``hearth_shared.storage``), so both always point at the same objects:

- ``file:///dir``   → absolute paths below ``dir`` (DataFusion's built-in local store);
- ``s3://bucket/p`` → ``s3://bucket/p/<key>`` read by ``AmazonS3`` (endpoint, credentials, allow_http);
- ``az://container/p`` → ``MicrosoftAzure``; ``gs://bucket/p`` → ``GoogleCloud``.

The store object is created once and registered on every per-query ``SessionContext`` (it is an
``Arc`` on the Rust side, so its connection pool is shared by all queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datafusion import SessionContext
from datafusion.object_store import AmazonS3, GoogleCloud, MicrosoftAzure

from hearth_shared.errors import StartupError
from hearth_shared.settings import StorageSettings

_S3_SCHEMES = frozenset({"s3", "s3a"})
_AZURE_SCHEMES = frozenset({"az", "azure", "abfs", "abfss", "adl"})
_TRUE = frozenset({"1", "true", "yes", "on"})


def _option(options: dict[str, str], *names: str) -> str | None:
    """The first of ``names`` present (obstore accepts both ``region`` and ``aws_region`` spellings)."""
    for name in names:
        value = options.get(name)
        if value:
            return value
    return None


@dataclass(frozen=True, slots=True)
class ObjectLocation:
    """Turns object keys into URLs DataFusion can read, and registers the store that reads them."""

    #: prefix of every object URL (no trailing slash): ``/abs/dir`` or ``s3://bucket/prefix``
    root: str
    #: ``(scheme, host, store)`` to register; None for local files (DataFusion reads them natively)
    store: tuple[str, str, Any] | None = None

    def url(self, key: str) -> str:
        return f"{self.root}/{key}"

    def register(self, ctx: SessionContext) -> None:
        if self.store is not None:
            scheme, host, store = self.store
            ctx.register_object_store(scheme, store, host)


#: The bucket name the cache tier answers to (``/objects/<key>``, read as S3 path-style requests).
CACHE_BUCKET = "objects"


def cache_location(cache_url: str) -> ObjectLocation:
    """Reads through the cache tier: it serves S3 path-style GETs/HEADs of ``/objects/<key>`` (signatures
    ignored), which DataFusion's S3 client speaks over plain http — its HTTP store refuses http://."""
    store = AmazonS3(
        bucket_name=CACHE_BUCKET,
        region="us-east-1",
        access_key_id="hearth",
        secret_access_key="hearth",  # noqa: S106 - not a secret: the cache ignores signatures
        endpoint=cache_url.rstrip("/"),
        allow_http=True,
    )
    return ObjectLocation(root=f"s3://{CACHE_BUCKET}", store=("s3://", CACHE_BUCKET, store))


def object_location(settings: StorageSettings, cache_url: str = "") -> ObjectLocation:
    """Where the engine reads objects: through the cache tier when ``cache_url`` is set, else the storage
    the settings name; StartupError for storage the engine cannot read."""
    if cache_url:
        return cache_location(cache_url)
    url = settings.storage_url.strip()
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    options = dict(settings.storage_options)
    if scheme == "file":
        return ObjectLocation(root=str(_local_root(rest)))
    container, _, prefix = rest.partition("/")
    if not container:
        raise StartupError(f"storage URL {url!r} names no bucket or container")
    prefix = prefix.strip("/")
    canonical = "s3" if scheme in _S3_SCHEMES else "az" if scheme in _AZURE_SCHEMES else scheme
    base = f"{canonical}://{container}"
    root = f"{base}/{prefix}" if prefix else base
    allow_http = (_option(options, "allow_http") or "").lower() in _TRUE
    store: Any
    if scheme in _S3_SCHEMES:
        store = AmazonS3(
            bucket_name=container,
            region=_option(options, "region", "aws_region", "aws_default_region"),
            access_key_id=_option(options, "access_key_id", "aws_access_key_id"),
            secret_access_key=_option(options, "secret_access_key", "aws_secret_access_key"),
            session_token=_option(options, "session_token", "token", "aws_session_token", "aws_token"),
            endpoint=_option(options, "endpoint", "endpoint_url", "aws_endpoint", "aws_endpoint_url"),
            allow_http=allow_http,
        )
        return ObjectLocation(root=root, store=("s3://", container, store))
    if scheme in _AZURE_SCHEMES:
        store = MicrosoftAzure(
            container_name=container,
            account=_option(options, "account_name", "azure_storage_account_name"),
            access_key=_option(options, "account_key", "access_key", "azure_storage_account_key"),
            bearer_token=_option(options, "bearer_token", "azure_storage_token"),
            client_id=_option(options, "client_id", "azure_client_id"),
            client_secret=_option(options, "client_secret", "azure_client_secret"),
            tenant_id=_option(options, "tenant_id", "azure_tenant_id"),
            use_emulator=(_option(options, "use_emulator", "azure_storage_use_emulator") or "").lower()
            in _TRUE
            or None,
            allow_http=allow_http or None,
        )
        return ObjectLocation(root=root, store=("az://", container, store))
    if scheme == "gs":
        store = GoogleCloud(
            bucket_name=container,
            service_account_path=_option(
                options, "service_account_path", "google_service_account_path", "google_service_account"
            ),
        )
        return ObjectLocation(root=root, store=("gs://", container, store))
    raise StartupError(
        f"the query engine cannot read storage URL {url!r}: use file://, s3://, az:// or gs://"
    )


def _local_root(path_text: str) -> Path:
    # The same resolution as hearth_shared.storage's local store, so both see one directory.
    if path_text.startswith("localhost/"):
        path_text = path_text[len("localhost") :]
    root = Path(path_text).expanduser()
    if not root.is_absolute():
        root = Path.cwd() / root
    return root.resolve()
