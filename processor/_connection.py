"""How to reach a ClickHouse server: the user, password, TLS, timeouts and compression.

Each can be set in the configuration (``store.user``, ``SLOSCOPE_STORE__PASSWORD``, ...)
or carried by the DSN, as its user and password or as query options
(``https://host:8443/db?verify=false&compression=zstd``); a value set in the
configuration wins over the DSN's. Unset values take clickhouse-connect's defaults (10 s
to connect, 300 s to send and receive, every compression it has). The password is kept
out of ``repr`` and never written to a log or an error.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final, Literal, get_args

from processor.errors import InvalidDsn

Compression = Literal["lz4", "zstd", "gzip", "none"]
_TRUE: Final = ("1", "true", "yes", "on")
_FALSE: Final = ("0", "false", "no", "off")
# DSN query options and the fields they set.
_DSN_OPTIONS: Final = {
    "secure": "secure",
    "verify": "verify",
    "ca_file": "ca_file",
    "connect_timeout": "connect_timeout_s",
    "send_receive_timeout": "send_receive_timeout_s",
    "compression": "compression",
}


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Connection options for a server DSN; None means "the DSN's, else the default"."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    secure: bool | None = None
    ca_file: Path | None = None
    verify: bool | None = None
    connect_timeout_s: int | None = None
    send_receive_timeout_s: int | None = None
    compression: Compression | None = None

    def with_dsn(self, dsn: str) -> ServerOptions:
        """These options, with the unset ones taken from the DSN."""
        parts = urllib.parse.urlsplit(dsn)
        from_dsn: dict[str, Any] = {
            "user": urllib.parse.unquote(parts.username) if parts.username else None,
            "password": urllib.parse.unquote(parts.password) if parts.password else None,
        }
        for name, values in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items():
            if name not in _DSN_OPTIONS:
                known = ", ".join(sorted(_DSN_OPTIONS))
                raise InvalidDsn(f"unknown DSN option {name!r} (known: {known})")
            from_dsn[_DSN_OPTIONS[name]] = _parsed(name, values[-1])
        if parts.scheme == "https" and from_dsn.get("secure") is None:
            from_dsn["secure"] = True
        unset = {
            item.name: from_dsn[item.name]
            for item in fields(self)
            if getattr(self, item.name) is None and from_dsn.get(item.name) is not None
        }
        return replace(self, **unset)

    def client_arguments(self, dsn: str, database: str) -> dict[str, Any]:
        """Keyword arguments for ``clickhouse_connect.get_client``, the DSN's applied."""
        effective = self.with_dsn(dsn)
        parts = urllib.parse.urlsplit(dsn)
        secure = bool(effective.secure)
        arguments: dict[str, Any] = {
            "host": parts.hostname,
            "port": parts.port or (8443 if secure else 8123),
            "interface": "https" if secure else "http",
            "username": effective.user or "default",
            "password": effective.password or "",
            "database": database,
            # One request at a time per client, no server session: settings travel with
            # each request (DESIGN.md section 3).
            "autogenerate_session_id": False,
        }
        optional = {
            "verify": effective.verify,
            "ca_cert": str(effective.ca_file) if effective.ca_file else None,
            "connect_timeout": effective.connect_timeout_s,
            "send_receive_timeout": effective.send_receive_timeout_s,
            "compress": _compress(effective.compression),
        }
        arguments.update({name: value for name, value in optional.items() if value is not None})
        return arguments


def _parsed(name: str, text: str) -> Any:
    field_name = _DSN_OPTIONS[name]
    if field_name in ("secure", "verify"):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise InvalidDsn(f"DSN option {name} wants true or false, not {text!r}")
    if field_name.endswith("_timeout_s"):
        if not text.isdigit() or not 1 <= int(text) <= 86_400:
            raise InvalidDsn(f"DSN option {name} wants whole seconds (1..86400), not {text!r}")
        return int(text)
    if field_name == "compression" and text not in get_args(Compression):
        choices = ", ".join(get_args(Compression))
        raise InvalidDsn(f"DSN option compression wants one of {choices}, not {text!r}")
    if field_name == "ca_file":
        return Path(text)
    return text


def _compress(compression: Compression | None) -> bool | str | None:
    if compression is None:
        return None
    return False if compression == "none" else compression
