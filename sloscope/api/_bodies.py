"""What a request body may be: JSON, and not larger than its route's limit.

Pure ASGI middleware around the whole app (``create_app``), for ``/api/`` paths:

* ``JsonBodies``: a ``POST``, ``PUT``, ``PATCH`` or ``DELETE`` must say
  ``Content-Type: application/json``, otherwise 415. A web page can send a form or
  ``text/plain`` to any address without asking first; it cannot send JSON that way.
* ``BodyLimit``: the body is read here, chunk by chunk, and refused with 413 as soon as
  it passes the limit (a ``Content-Length`` over it is refused before reading; a chunked
  body is counted as it comes). The app then reads the body from memory. Every path has
  ``default_bytes``; the routes that take SLO files have their own, larger, limit.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sloscope.api._access import API_PREFIX

METHODS_WITH_BODIES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JsonBodies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in METHODS_WITH_BODIES
            and scope["path"].startswith(API_PREFIX)
        ):
            content_type = Headers(scope=scope).get("content-type", "")
            if content_type.partition(";")[0].strip().lower() != "application/json":
                response = JSONResponse(
                    {"error": f"send the body as application/json, not {content_type!r}"},
                    status_code=415,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    def __init__(
        self, app: ASGIApp, default_bytes: int, path_bytes: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.path_bytes = dict(path_bytes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_bytes.get(scope["path"], self.default_bytes)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(limit, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the connection's own messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"error": f"the body is larger than {limit:,} bytes, the limit of {scope['path']}"},
        status_code=413,
        headers={"connection": "close"},
    )
    await response(scope, receive, send)
