"""A small client for the running server's JSON API (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from sloscope.errors import ServerUnreachable, UsageError


def post_json(
    base_url: str, path: str, body: Any, token: str | None = None, timeout_s: float = 60.0
) -> Any:
    """POST ``body`` as JSON; the decoded answer, or an error carrying the server's message.

    A 4xx answer is the caller's mistake (``UsageError``); no answer or a 5xx is
    ``ServerUnreachable``.
    """
    return call_json("POST", base_url, path, body=body, token=token, timeout_s=timeout_s)


def call_json(
    method: str,
    base_url: str,
    path: str,
    *,
    body: Any = None,
    token: str | None = None,
    timeout_s: float = 60.0,
) -> Any:
    """``method`` on ``path``, with ``body`` as JSON when given; as ``post_json``."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the local server's, from its serve file
        base_url.rstrip("/") + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            **({"content-type": "application/json"} if body is not None else {}),
            **({"authorization": f"Bearer {token}"} if token else {}),
        },
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        message = _error_message(exc)
        if 400 <= exc.code < 500:
            raise UsageError(message) from None
        raise ServerUnreachable(f"{base_url} answered {exc.code}: {message}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise ServerUnreachable(f"sloscope serve at {base_url} did not answer: {exc}") from None


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read())["error"])
    except (ValueError, KeyError, TypeError):
        return exc.reason if isinstance(exc.reason, str) else str(exc.code)
