"""DSN helpers: describe a PostgreSQL DSN for messages (never the password), and swap its database."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit


def describe_dsn(dsn: str) -> str:
    """``user@host:port/db`` (or ``user@/socket/dir/db``) for log lines and errors: no password, no options.

    Works for Unix-socket DSNs (``postgresql://postgres@/hearth?host=/run/pg``) and multi-host ones.
    """
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return "<invalid DSN>"
    netloc = parts.netloc
    user = ""
    if "@" in netloc:
        userinfo, netloc = netloc.rsplit("@", 1)
        user = unquote(userinfo.split(":", 1)[0])
    query = parse_qs(parts.query)
    host = netloc or ",".join(query.get("host", [])) or "localhost"
    if not netloc and "port" in query:
        host = f"{host}:{query['port'][0]}"
    database = unquote(parts.path.lstrip("/")) or (query.get("dbname") or [user or "postgres"])[0]
    sep = "" if host.endswith("/") else "/"
    return f"{user + '@' if user else ''}{host}{sep}{database}"


def dsn_password(dsn: str) -> str | None:
    """The password in a DSN (userinfo or ``password=`` option), so messages can be scrubbed of it."""
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return None
    if parts.password:
        return unquote(parts.password)
    values = parse_qs(parts.query).get("password")
    return values[0] if values else None


def dsn_with_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database (test databases, the template, ``postgres``)."""
    parts = urlsplit(dsn)
    query = "&".join(piece for piece in parts.query.split("&") if piece and not piece.startswith("dbname="))
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database), query, parts.fragment))
