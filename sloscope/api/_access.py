"""Who may call the API: the name it was reached by, and the token.

Pure ASGI middleware, wrapped around the whole app by ``create_app``, so a route added
later is covered without doing anything:

* ``HostCheck`` (every path): the ``Host`` header must be a loopback name or address,
  with or without a port, or one of ``api.allowed_hosts``; otherwise 421. A web page
  that rebinds its own DNS name to 127.0.0.1 still sends its own name, and is refused.
* ``TokenCheck`` (``/api/`` paths and ``/metrics``, when ``api.token`` is set):
  ``Authorization: Bearer <token>`` (scheme in any case, token compared in constant
  time), otherwise 401. ``/healthz`` and ``/openapi.json`` stay open.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from processor import bearer_matches

API_PREFIX = "/api/"
# Paths outside /api/ that still want the token: what they tell is not for everyone.
TOKEN_PATHS = frozenset({"/metrics"})
LOOPBACK_NAMES = frozenset({"localhost"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names to compare with


def host_name(header: str) -> str:
    """``[::1]:8317`` -> ``::1``, ``Example.COM.:80`` -> ``example.com``."""
    host = header.strip()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".").lower()


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(configured: Iterable[str], bind_host: str) -> frozenset[str]:
    """The configured names, and the address the API binds to when it is a specific one."""
    names = {host_name(name) for name in configured}
    if bind_host not in WILDCARD_HOSTS:
        names.add(host_name(bind_host))
    return frozenset(names)


class HostCheck:
    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = Headers(scope=scope).get("host")
            host = host_name(header) if header is not None else None
            if host is None or not (is_loopback(host) or host in self.allowed):
                response = JSONResponse(
                    {
                        "error": f"the Host {header!r} is not served here: use a loopback "
                        "address or add the name to api.allowed_hosts"
                    },
                    status_code=421,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class TokenCheck:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and (scope["path"].startswith(API_PREFIX) or scope["path"] in TOKEN_PATHS)
            and not bearer_matches(Headers(scope=scope).get("authorization"), self.token)
        ):
            response = JSONResponse(
                {"error": "missing or wrong token: send Authorization: Bearer <api.token>"},
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="sloscope"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
