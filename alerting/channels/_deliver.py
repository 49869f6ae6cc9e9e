"""Delivering a notification to one channel: retries with exponential backoff, a
deadline per attempt, and a ``Delivery`` record of what happened.

``deliver`` never raises for the channel's trouble (a refused connection, a timeout, an
HTTP 500, an SMTP error, a missing secret): it returns a failed ``Delivery`` for the
caller to store, so a channel that is down delays nobody but itself. Only 5xx, 408 and
429 answers, SMTP 4xx replies and network errors are retried; any other answer is final
(sending the same body again would be refused again). The sleep between attempts and the
clock are injectable, so tests neither wait nor depend on the time of day.

Secrets and the URLs that hold them (Slack's) never reach a log line or ``error``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx

from alerting.channels._alertmanager import alertmanager_v2_alerts, alertmanager_webhook_payload
from alerting.channels._config import (
    AlertmanagerTarget,
    Channel,
    EmailTarget,
    MissingSecret,
    SlackTarget,
    TargetKind,
    WebhookTarget,
)
from alerting.channels._email import email_message
from alerting.channels._notification import Notification
from alerting.channels._slack import slack_payload

logger = logging.getLogger(__name__)

USER_AGENT = "sloscope-alerting"
MAX_ERROR_CHARS = 300
_RETRIED_HTTP = frozenset({408, 429})

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` in all (the first included), each cut at ``timeout_s``; the n-th
    retry waits ``backoff_s * multiplier ** (n - 1)``, at most ``max_backoff_s``."""

    attempts: int = 4
    timeout_s: float = 10.0
    backoff_s: float = 0.5
    multiplier: float = 2.0
    max_backoff_s: float = 30.0

    def __post_init__(self) -> None:
        if not 1 <= self.attempts <= 20:
            raise ValueError("attempts must be between 1 and 20")
        if not 0 < self.timeout_s <= 300:
            raise ValueError("timeout_s must be in (0, 300]")
        if self.backoff_s < 0 or self.multiplier < 1 or self.max_backoff_s < 0:
            raise ValueError("backoff_s and max_backoff_s must be >= 0, multiplier >= 1")

    def delay_s(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1 for the second attempt)."""
        return float(min(self.max_backoff_s, self.backoff_s * self.multiplier ** (retry - 1)))


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened when a notification went to a channel: for the caller to store.

    ``status`` is the last HTTP status or SMTP reply code (``None`` when no answer came);
    ``error`` says why the last attempt failed (``None`` when it succeeded)."""

    channel: str
    kind: TargetKind
    ok: bool
    attempts: int
    status: int | None
    error: str | None
    first_attempt_at: datetime
    last_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    retry: bool = False


async def deliver(
    channel: Channel,
    notification: Notification,
    *,
    http: httpx.AsyncClient,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
    clock: Clock = utc_now,
    environ: Mapping[str, str] | None = None,
) -> Delivery:
    """Send ``notification`` to ``channel``, retrying as ``policy`` says."""
    env = os.environ if environ is None else environ
    first = clock()
    attempts = 0
    outcome = _Outcome(ok=False, error="not attempted")
    last = first
    while attempts < policy.attempts:
        if attempts:
            await sleep(policy.delay_s(attempts))
        attempts += 1
        last = clock()
        outcome = await _attempt(channel, notification, http, policy.timeout_s, env)
        if outcome.ok or not outcome.retry:
            break
    delivery = Delivery(
        channel=channel.name,
        kind=channel.kind,
        ok=outcome.ok,
        attempts=attempts,
        status=outcome.status,
        error=outcome.error,
        first_attempt_at=first,
        last_attempt_at=last,
    )
    fields = {"channel": channel.name, "kind": channel.kind, "attempts": attempts}
    if delivery.ok:
        logger.info("notification delivered", extra=fields)
    else:
        logger.warning(
            "notification not delivered",
            extra={**fields, "status": outcome.status, "error": outcome.error},
        )
    return delivery


async def _attempt(
    channel: Channel,
    notification: Notification,
    http: httpx.AsyncClient,
    timeout_s: float,
    environ: Mapping[str, str],
) -> _Outcome:
    target = channel.target
    try:
        if isinstance(target, EmailTarget):
            return await asyncio.wait_for(
                asyncio.to_thread(_send_mail, target, notification, timeout_s, environ),
                timeout_s,
            )
        url, body, token = _http_request(target, notification, environ)
    except MissingSecret as exc:
        return _Outcome(ok=False, error=str(exc))
    except asyncio.TimeoutError:
        return _Outcome(ok=False, error=f"no answer within {timeout_s:g} s", retry=True)
    except ValueError as exc:
        return _Outcome(ok=False, error=f"bad target: {exc}")
    return await _post(http, url, body, token, timeout_s)


def _http_request(
    target: Any, notification: Notification, environ: Mapping[str, str]
) -> tuple[str, Any, str]:
    """The URL, the JSON body and the bearer token ('' for none) of an HTTP target."""
    if isinstance(target, WebhookTarget):
        body = alertmanager_webhook_payload(notification, max_alerts=target.max_alerts)
        return target.url, body, target.token(environ)
    if isinstance(target, SlackTarget):
        return target.resolved_url(environ), slack_payload(notification), ""
    if isinstance(target, AlertmanagerTarget):
        url = target.url.rstrip("/") + "/api/v2/alerts"
        return url, alertmanager_v2_alerts(notification), target.token(environ)
    raise TypeError(f"not an HTTP target: {type(target).__name__}")


async def _post(
    http: httpx.AsyncClient, url: str, body: Any, token: str, timeout_s: float
) -> _Outcome:
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        response = await asyncio.wait_for(
            http.post(url, content=content, headers=headers, timeout=timeout_s), timeout_s
        )
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return _Outcome(ok=False, error=f"no answer within {timeout_s:g} s", retry=True)
    except httpx.HTTPError as exc:
        return _Outcome(ok=False, error=_redacted(exc, url, token), retry=True)
    status = response.status_code
    if 200 <= status < 300:
        return _Outcome(ok=True, status=status)
    retry = status >= 500 or status in _RETRIED_HTTP
    return _Outcome(ok=False, status=status, error=f"HTTP {status}", retry=retry)


def _redacted(exc: BaseException, *secrets: str) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text[:MAX_ERROR_CHARS]


def _send_mail(
    target: EmailTarget, notification: Notification, timeout_s: float, environ: Mapping[str, str]
) -> _Outcome:
    """One SMTP session (runs in a thread: smtplib blocks)."""
    password = target.secret(environ)
    message = email_message(notification, target)
    context = ssl.create_default_context(cafile=target.ca_file)
    try:
        smtp = (
            smtplib.SMTP_SSL(target.host, target.port, timeout=timeout_s, context=context)
            if target.tls
            else smtplib.SMTP(target.host, target.port, timeout=timeout_s)
        )
        with smtp:
            if target.starttls:
                smtp.starttls(context=context)
            if target.username is not None:
                smtp.login(target.username, password)
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        return _Outcome(
            ok=False, status=codes[-1], error="every recipient refused", retry=codes[0] < 500
        )
    except smtplib.SMTPResponseException as exc:
        code = int(exc.smtp_code)
        return _Outcome(
            ok=False,
            status=code,
            error=_redacted(exc, password),
            retry=400 <= code < 500,
        )
    except ssl.SSLCertVerificationError as exc:
        return _Outcome(ok=False, error=_redacted(exc, password))
    except (smtplib.SMTPException, OSError) as exc:
        return _Outcome(ok=False, error=_redacted(exc, password), retry=True)
    if refused:
        return _Outcome(ok=True, status=250, error=f"{len(refused)} recipients refused")
    return _Outcome(ok=True, status=250)
