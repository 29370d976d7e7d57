"""Settings of the backend service (env prefix ``HEARTH_``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, Final

import orjson
from pydantic import Field, SecretStr, field_validator, model_validator

from hearth_shared.settings import (
    DatabaseSettings,
    PublicUrlSettings,
    RedisSettings,
    SecretSettings,
    ServiceSettings,
    http_base_url,
)

#: ``ui/dist`` of a source checkout (``services/backend/hearth_backend/settings.py`` → repository root).
CHECKOUT_UI_DIR: Final = Path(__file__).resolve().parents[3] / "ui" / "dist"
ORG_ROLES: Final = ("admin", "member", "guest")
_GROUP_TARGET = re.compile(r"^(?P<org>[a-z0-9]+(?:-[a-z0-9]+)*):(?P<role>admin|member|guest)$")


class BackendSettings(ServiceSettings, DatabaseSettings, RedisSettings, SecretSettings, PublicUrlSettings):
    """Everything the backend process reads from its environment."""

    service_name: ClassVar[str] = "backend"
    default_port: ClassVar[int] = 8000
    doc_title: ClassVar[str] = "backend (`hearth-backend`)"

    query_api_url: str = Field(
        default="http://127.0.0.1:8011",
        description=(
            "Base URL of the query API, which runs the queries behind `GET /v1/query` (and `POST /v2/query` "
            "when it reaches the backend instead of going to the query API directly)."
        ),
    )
    query_api_connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a connection to the query API (then 504)."
    )
    query_api_timeout: float = Field(
        default=120.0,
        gt=0,
        description=(
            "Seconds the query API may stay silent (before its answer starts, or between two chunks of it) "
            "before a forwarded query fails with 504; keep it above the query API's `query_timeout`."
        ),
    )

    # ------------------------------------------------------------------ sessions and local accounts
    session_ttl_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=1,
        description=(
            "Lifetime of a browser session (the signed `hearth_session` cookie and its Redis record); "
            "signing in again starts a new one."
        ),
    )
    local_login: bool = Field(
        default=True,
        description=(
            "Allow signing in with an email and password (local accounts: the first admin `hearth up` "
            "creates, and people who register from an invitation). `false` leaves OIDC only."
        ),
    )
    login_max_attempts: int = Field(
        default=10,
        ge=1,
        description=(
            "Password attempts allowed per client IP and email within `login_window_seconds`; more are "
            "refused with 429 (counted in Redis, so the limit holds across backend replicas)."
        ),
    )
    login_window_seconds: int = Field(
        default=300, ge=1, description="Window of the login rate limit, in seconds."
    )
    allow_org_creation: bool = Field(
        default=True,
        description="Let every signed-in user create organizations; `false`: instance admins only.",
    )
    invitation_ttl_days: int = Field(
        default=7, ge=1, description="Days an organization invitation link stays valid."
    )
    # ------------------------------------------------------------------ OIDC
    oidc_issuer: str | None = Field(
        default=None,
        description=(
            "OIDC issuer URL (Dex or any OpenID Connect provider), e.g. "
            "`https://hearth.example.com/auth-api`; its `/.well-known/openid-configuration` is read at "
            "the first login. Unset: no OIDC login. "
            "The provider must be https (or loopback) unless `AUTHLIB_INSECURE_TRANSPORT=1` is set."
        ),
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id registered at the provider.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="OIDC client secret (sent with HTTP Basic auth to the token endpoint)."
    )
    oidc_scopes: str = Field(
        default="openid email profile",
        description=(
            "Scopes asked of the provider, space separated; must include `openid` and `email`. Add `groups` "
            "for Dex when `oidc_group_roles` is used."
        ),
    )
    oidc_label: str = Field(
        default="Single sign-on", description="Text of the OIDC button on the login page."
    )
    oidc_groups_claim: str = Field(
        default="groups", description="Claim of the ID token (or userinfo) that lists the user's groups."
    )
    oidc_group_roles: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            'IdP group → organization role, as JSON: `{"ops": "acme:admin", "dev": ["acme:member", '
            '"globex:guest"]}`. Organizations named here are managed by the IdP: at each OIDC login the '
            "user's role there is set to the highest role their groups map to, or their membership is "
            "removed when none does (never the last admin's). Other organizations are left alone."
        ),
    )
    # ------------------------------------------------------------------ CLI (device login, user tokens)
    user_token_ttl_days: int = Field(
        default=30, ge=1, description="Days a user token obtained by `logfire auth` stays valid."
    )
    device_code_ttl_seconds: int = Field(
        default=600, ge=30, description="Seconds a `logfire auth` device login may wait for approval."
    )
    device_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        le=14,
        description=(
            "Seconds `GET /v1/device-auth/wait/{code}` holds an unapproved request before answering "
            "`null` (the CLI gives up on a request after 15 s)."
        ),
    )
    # ------------------------------------------------------------------ environments, autocomplete
    suggestions_window_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 31,
        description=(
            "Environments and autocomplete values (service names, attribute keys and values…) come from "
            "the project's records of this many last hours."
        ),
    )
    suggestions_cache_seconds: int = Field(
        default=60,
        ge=1,
        description="Seconds a project's environment list or autocomplete list is cached in Redis.",
    )
    # ------------------------------------------------------------------ web UI
    ui_dir: Path | None = Field(
        default=None,
        description=(
            "Folder of the built web UI (`index.html` and `assets/`), served with an `index.html` fallback. "
            "Unset: `ui/dist` of the source checkout if it exists, else a page saying the UI is not built."
        ),
    )

    @field_validator("oidc_issuer", "oidc_client_id", mode="before")
    @classmethod
    def _empty_oidc_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _oidc_issuer(cls, value: str | None) -> str | None:
        return None if value is None else http_base_url(value, what="oidc_issuer")

    @field_validator("oidc_scopes")
    @classmethod
    def _oidc_scopes(cls, value: str) -> str:
        scopes = value.replace(",", " ").split()
        missing = [scope for scope in ("openid", "email") if scope not in scopes]
        if missing:
            raise ValueError(f"must include {' and '.join(missing)} (got {value!r})")
        return " ".join(scopes)

    @field_validator("oidc_group_roles", mode="before")
    @classmethod
    def _one_target_is_a_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # given as text other than through the environment (which parses JSON)
            value = orjson.loads(value) if value.strip() else {}
        if isinstance(value, dict):
            return {
                group: [targets] if isinstance(targets, str) else targets for group, targets in value.items()
            }
        return value

    @field_validator("oidc_group_roles")
    @classmethod
    def _group_targets(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for group, targets in value.items():
            for target in targets:
                if not _GROUP_TARGET.match(target):
                    raise ValueError(
                        f"group {group!r}: {target!r} is not `<organization slug>:<role>` with role one of "
                        f"{', '.join(ORG_ROLES)}"
                    )
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> BackendSettings:
        if (self.oidc_issuer is None) != (self.oidc_client_id is None):
            raise ValueError("OIDC needs both HEARTH_OIDC_ISSUER and HEARTH_OIDC_CLIENT_ID (or neither)")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None and self.oidc_client_id is not None

    @property
    def effective_ui_dir(self) -> Path | None:
        """The built UI to serve: ``ui_dir``, else the checkout's ``ui/dist`` when it exists."""
        if self.ui_dir is not None:
            return self.ui_dir
        return CHECKOUT_UI_DIR if (CHECKOUT_UI_DIR / "index.html").is_file() else None

    @field_validator("query_api_url")
    @classmethod
    def _query_api_url(cls, value: str) -> str:
        return http_base_url(value, what="query_api_url")
