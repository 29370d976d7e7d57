"""OIDC authorization-code login with PKCE (authlib), against Dex or any OpenID Connect provider.

``start`` → the provider's authorization URL, plus a signed, short-lived ``hearth_oidc`` cookie that
remembers state, nonce, PKCE verifier and where to go afterwards (no server-side storage; the cookie
is HttpOnly, SameSite=Lax so it comes back on the provider's redirect). ``finish`` checks the state
against that cookie, exchanges the code, validates the ID token (signature from the provider's JWKS,
issuer, audience, expiry, nonce) and returns who signed in. Users are created, or linked by email, by
the caller; ``email_verified: false`` is refused, since linking by an unverified email would let
anyone claim someone else's account.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Final

import httpx
from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

with warnings.catch_warnings():
    # authlib 1.9 would rather use the `httpx2` fork; plain httpx (what we ship) works the same.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth  # type: ignore[import-untyped]
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc.errors import JoseError

from hearth_backend.errors import OidcFailed, OidcProviderError

STATE_COOKIE: Final = "hearth_oidc"
STATE_COOKIE_PATH: Final = "/ui-api/auth/oidc"
STATE_MAX_AGE_SECONDS: Final = 600
PROVIDER_TIMEOUT_SECONDS: Final = 10.0
_SALT: Final = "hearth.oidc"


@dataclass(frozen=True)
class OidcIdentity:
    email: str
    name: str
    groups: list[str]


@dataclass(frozen=True)
class OidcStart:
    authorization_url: str
    state_cookie: str


def safe_next(path: str | None) -> str:
    """Only a path on this site (never ``//host`` or a URL) may be the place to go after login."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


class OidcLogin:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        scopes: str,
        groups_claim: str,
        secret_key: str,
    ) -> None:
        self.issuer = issuer
        self.groups_claim = groups_claim
        client_kwargs: dict[str, Any] = {
            "scope": scopes,
            "code_challenge_method": "S256",
            "timeout": PROVIDER_TIMEOUT_SECONDS,
            # A public client (no secret) proves itself with PKCE alone.
            "token_endpoint_auth_method": "client_secret_basic" if client_secret else "none",
        }
        self._client: Any = OAuth().register(
            "hearth",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
        )
        self._signer = URLSafeTimedSerializer(secret_key, salt=_SALT)

    async def start(self, redirect_uri: str, next_path: str | None) -> OidcStart:
        try:
            started = await self._client.create_authorization_url(redirect_uri)
        except (httpx.HTTPError, AuthlibBaseError, RuntimeError, ValueError) as exc:
            raise self._provider_error("its discovery document could not be read", exc) from exc
        remembered = {
            "state": started["state"],
            "nonce": started.get("nonce"),
            "code_verifier": started.get("code_verifier"),
            "redirect_uri": redirect_uri,
            "next": safe_next(next_path),
        }
        return OidcStart(started["url"], self._signer.dumps(remembered))

    def _remembered(self, cookie: str | None) -> dict[str, Any]:
        if not cookie:
            raise OidcFailed("no login in progress in this browser (the hearth_oidc cookie is missing)")
        try:
            value = self._signer.loads(cookie, max_age=STATE_MAX_AGE_SECONDS)
        except BadSignature as exc:
            raise OidcFailed("the login took too long or its cookie is invalid; sign in again") from exc
        if not isinstance(value, dict):
            raise OidcFailed("invalid login cookie; sign in again")
        return value

    def next_path(self, cookie: str | None) -> str:
        try:
            return safe_next(self._remembered(cookie).get("next"))
        except OidcFailed:
            return "/"

    async def finish(self, query: dict[str, str], cookie: str | None) -> OidcIdentity:
        remembered = self._remembered(cookie)
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            raise OidcFailed(f"the identity provider refused the login: {reason}")
        if not query.get("state") or query.get("state") != remembered.get("state"):
            raise OidcFailed("the login's state does not match this browser's; sign in again")
        if not query.get("code"):
            raise OidcFailed("the identity provider sent no authorization code")
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=remembered["redirect_uri"],
                code=query["code"],
                code_verifier=remembered.get("code_verifier"),
            )
            claims: dict[str, Any] = dict(await self._client.parse_id_token(token, remembered.get("nonce")))
            if "email" not in claims or self.groups_claim not in claims:
                # Some providers put these in userinfo only.
                metadata = await self._client.load_server_metadata()
                if metadata.get("userinfo_endpoint"):
                    claims = {**dict(await self._client.userinfo(token=token)), **claims}
        except httpx.HTTPError as exc:
            raise self._provider_error("the code could not be exchanged", exc) from exc
        except (AuthlibBaseError, JoseError, KeyError, ValueError) as exc:
            raise OidcFailed(f"the identity provider's answer was refused: {exc}") from exc
        return self._identity(claims)

    def _identity(self, claims: dict[str, Any]) -> OidcIdentity:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise OidcFailed(
                "the identity provider did not give an email address (is the `email` scope allowed?)"
            )
        if claims.get("email_verified") is False:
            raise OidcFailed(f"the identity provider says {email} is not verified")
        name = claims.get("name") or claims.get("preferred_username") or ""
        groups = claims.get(self.groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        return OidcIdentity(email.strip(), str(name), [str(group) for group in groups])

    def _provider_error(self, what: str, exc: Exception) -> OidcProviderError:
        return OidcProviderError(
            f"OIDC provider {self.issuer}: {what} ({str(exc) or type(exc).__name__}); "
            "check HEARTH_OIDC_ISSUER"
        )
