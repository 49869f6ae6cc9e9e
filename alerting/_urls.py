"""URLs that sloscope sends to or probes: absolute, http(s), with a host, bounded."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator

MAX_URL_LENGTH = 2048


def http_url(value: str) -> str:
    """An absolute http(s) URL with a host, no longer than ``MAX_URL_LENGTH``."""
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in value):
        raise ValueError("the URL contains spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError as exc:
        raise ValueError(f"not a URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("only http:// and https:// URLs are accepted")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    return value


HttpUrl = Annotated[str, AfterValidator(http_url)]
