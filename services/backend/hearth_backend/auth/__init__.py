"""Authentication of people: browser sessions (local password or OIDC login), CSRF, login rate limit,
CLI user tokens and device login, and the FastAPI dependencies routes use (:mod:`.deps`)."""
