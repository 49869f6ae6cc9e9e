"""Local receivers that speak the real protocols of what cannot exist here.

``http_receiver`` is a uvicorn-served app that records every request: it stands in for
Slack's incoming webhooks, an Alertmanager's ``/api/v2/alerts`` and any tool that takes
Alertmanager webhooks. ``answer(500, 500)`` makes its next answers fail, to test retries.
``silent_server`` accepts connections and never answers: a receiver that hangs.
``smtp_receiver`` is an ``aiosmtpd`` server that stands in for an SMTP relay: STARTTLS
with a certificate from a test CA (``trustme``), AUTH PLAIN/LOGIN against one user, and
every accepted message recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import free_port, serving


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """What the receiver got, and what it answers next."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    _statuses: deque[int] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with ``statuses``, in order; 200 after them."""
        with self._lock:
            self._statuses.extend(statuses)

    def posts(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == path]

    async def _record(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.requests.append(
                Received(request.method, request.url.path, dict(request.headers), body)
            )
            status = self._statuses.popleft() if self._statuses else 200
        return Response(b"ok" if status < 300 else b"failed", status, media_type="text/plain")


@contextlib.contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    """A recording HTTP server on 127.0.0.1; ``.url`` is its base URL."""
    receiver = HttpReceiver()
    app = Starlette(routes=[Route("/{path:path}", receiver._record, methods=["GET", "POST"])])
    with serving(app) as url:
        receiver.url = url
        yield receiver


@dataclass
class SmtpReceiver:
    """The relay's address, the CA its certificate comes from, and what it accepted."""

    host: str
    port: int
    ca_file: Path
    username: str
    password: str
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    replies: deque[str] = field(default_factory=deque)
    """The next answers to DATA (e.g. ``451 4.3.0 try later``); ``250 OK`` after them."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.popleft()
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == (self.username, self.password)
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_receiver(
    work_dir: Path, *, username: str = "sloscope", implicit_tls: bool = False
) -> Iterator[SmtpReceiver]:
    """An SMTP relay on 127.0.0.1 that requires STARTTLS and AUTH; with
    ``implicit_tls``, one that speaks TLS from the first byte (port 465 style) and
    accepts AUTH inside it (aiosmtpd counts only STARTTLS as TLS for ``auth_required``)."""
    ca = trustme.CA()
    ca_file = work_dir / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls_context)
    receiver = SmtpReceiver("127.0.0.1", free_port(), ca_file, username, "s3cret-pass")
    security: dict[str, Any] = (
        {"ssl_context": tls_context, "auth_required": False, "auth_require_tls": False}
        if implicit_tls
        else {"tls_context": tls_context, "require_starttls": True, "auth_required": True}
    )
    controller = Controller(
        receiver,
        hostname=receiver.host,
        port=receiver.port,
        authenticator=receiver.authenticate,
        **security,
    )
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A TCP listener on 127.0.0.1 that reads until the client gives up and never
    answers; yields its ``http://127.0.0.1:PORT`` URL."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
