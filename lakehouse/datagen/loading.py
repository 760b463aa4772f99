"""What every generator that loads a database shares: its error, and URLs and messages with no password."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit


class LoadError(Exception):
    """The database could not be loaded; the message never holds the password."""


def redact(url: str) -> str:
    """The URL with its password (if any) shown as ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # unparseable (e.g. a bad port): show nothing that could hold a secret
        return "<unparseable database URL>"
    if password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def scrub(text: str, url: str) -> str:
    """`text` with the URL's password, raw or percent-decoded, replaced by ***."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for secret in {password, unquote(password or "")} - {None, ""}:
        text = text.replace(secret, "***")
    return text.replace(url, redact(url))
