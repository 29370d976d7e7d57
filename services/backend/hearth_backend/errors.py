"""Errors of the backend service, mapped to problem+json by the shared handler::

HearthError (hearth_shared.errors)
└── BackendError
    ├── QueryApiError                   a query could not be forwarded to the query API
    │   ├── QueryApiUnavailable (502)    refused, reset or an invalid answer
    │   ├── QueryApiBusy (503)           every connection to it is in use (Retry-After)
    │   └── QueryApiTimeout (504)        no connection or no answer in time
    ├── NotSignedIn (401)                no valid session (browser) or user token (CLI)
    ├── InvalidApiKey (401)              /api/v1 without a live organization API key
    ├── InvalidCredentials (401)         wrong email or password
    ├── LoginRateLimited (429)           too many password attempts (Retry-After)
    ├── CsrfRefused (403)                a state-changing /ui-api call without the matching CSRF token
    ├── RoleRequired (403)               signed in and allowed to see it, but the role is too low
    ├── FeatureDisabled (403)            local login / organization creation switched off
    ├── OrganizationNotFound (404)       no such organization, or not one the caller belongs to
    ├── ProjectNotFound (404)            no such project, or not one the caller can see
    ├── ResourceNotFound (404)           a member, token, invitation or device code that is not there
    ├── AlreadyExists (409)              a slug or member that is taken
    ├── StateConflict (409)              the request contradicts the current state (last admin, used code)
    ├── InvalidInput (422)               a value the request model cannot check (past expiry, bad email)
    ├── OidcFailed (400)                 the OIDC callback is not for a login we started, or was refused
    └── OidcProviderError (502)          the OIDC provider is unreachable or answered nonsense

A project or organization the caller cannot see answers exactly like one that does not exist, so no
endpoint reveals another tenant's existence. Project-token problems (401 missing/invalid, 403 wrong
kind) are the shared ``Unauthorized``/``Forbidden`` raised by :func:`hearth_shared.auth.require_token`.
"""

from __future__ import annotations

from hearth_shared.errors import (
    BadGateway,
    BadRequest,
    Conflict,
    Forbidden,
    GatewayTimeout,
    HearthError,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableEntity,
)


class BackendError(HearthError):
    """Root of the backend's own errors."""


class QueryApiError(BackendError):
    """A forwarded query got no usable answer from the query API; ``detail`` names it and why."""

    status, code, title = 502, "query-api-error", "Query API unavailable"


class QueryApiUnavailable(QueryApiError, BadGateway):
    status, code, title = 502, "query-api-unavailable", "Query API unavailable"


class QueryApiBusy(QueryApiError, ServiceUnavailable):
    status, code, title = 503, "query-api-busy", "Query API busy"


class QueryApiTimeout(QueryApiError, GatewayTimeout):
    status, code, title = 504, "query-api-timeout", "Query API timed out"


class NotSignedIn(BackendError, Unauthorized):
    status, code, title = 401, "not-signed-in", "Not signed in"


class InvalidApiKey(BackendError, Unauthorized):
    status, code, title = 401, "invalid-api-key", "Invalid API key"


class InvalidCredentials(BackendError, Unauthorized):
    status, code, title = 401, "invalid-credentials", "Invalid credentials"


class LoginRateLimited(BackendError, TooManyRequests):
    status, code, title = 429, "login-rate-limited", "Too many login attempts"


class CsrfRefused(BackendError, Forbidden):
    status, code, title = 403, "csrf-refused", "CSRF check failed"


class RoleRequired(BackendError, Forbidden):
    status, code, title = 403, "role-required", "Role too low"


class FeatureDisabled(BackendError, Forbidden):
    status, code, title = 403, "feature-disabled", "Disabled on this server"


class OrganizationNotFound(BackendError, NotFound):
    status, code, title = 404, "organization-not-found", "Organization not found"


class ProjectNotFound(BackendError, NotFound):
    status, code, title = 404, "project-not-found", "Project not found"


class ResourceNotFound(BackendError, NotFound):
    status, code, title = 404, "not-found", "Not found"


class AlreadyExists(BackendError, Conflict):
    status, code, title = 409, "already-exists", "Already exists"


class StateConflict(BackendError, Conflict):
    status, code, title = 409, "conflict", "Conflict"


class InvalidInput(BackendError, UnprocessableEntity):
    status, code, title = 422, "unprocessable-entity", "Invalid request"


class OidcFailed(BackendError, BadRequest):
    status, code, title = 400, "oidc-login-failed", "OIDC login failed"


class OidcProviderError(BackendError, BadGateway):
    status, code, title = 502, "oidc-provider-error", "OIDC provider error"
