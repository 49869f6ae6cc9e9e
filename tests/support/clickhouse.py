"""A ClickHouse server for tests: the chDB stand-in (``clickhouse_http``) as a process of
its own, or a real server named by ``SLOSCOPE_TEST_CLICKHOUSE_URL``."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import clickhouse_connect

from tests.support.clickhouse_http import PASSWORD_ENV, USER_ENV
from tests.support.servers import stop_process

ROOT = Path(__file__).resolve().parents[2]
REAL_SERVER_ENV = "SLOSCOPE_TEST_CLICKHOUSE_URL"
NO_REAL_SERVER = f"{REAL_SERVER_ENV} is not set: no real ClickHouse server to test against"
# The stand-in's zone: a server's zone is seldom the client's, and a half-hour offset shows
# every place where a time is read or cut in the server's zone instead of UTC.
SERVER_TIMEZONE = "Asia/Kolkata"


@dataclass(frozen=True, slots=True)
class ClickHouseServer:
    """Where a server listens (``http(s)://host:port``) and who may use it."""

    url: str
    user: str
    password: str

    def dsn(self, database: str) -> str:
        parts = urllib.parse.urlsplit(self.url)
        credentials = f"{urllib.parse.quote(self.user)}:{urllib.parse.quote(self.password)}"
        netloc = f"{credentials}@{parts.hostname}:{parts.port}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, f"/{database}", "", ""))

    @classmethod
    def from_url(cls, url: str) -> ClickHouseServer:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (8443 if parts.scheme == "https" else 8123)
        return cls(
            f"{parts.scheme}://{parts.hostname}:{port}",
            urllib.parse.unquote(parts.username or "default"),
            urllib.parse.unquote(parts.password or ""),
        )


@contextlib.contextmanager
def running_standin(
    work_dir: Path,
    *,
    user: str = "sloscope",
    password: str = "stand-in secret",
    tls: tuple[Path, Path] | None = None,
    timezone: str = SERVER_TIMEZONE,
    port: int = 0,
) -> Iterator[ClickHouseServer]:
    """Start the stand-in on 127.0.0.1 (``port``, 0 for any free one) with its own data
    directory; stop it after. Started again on the same directory and port, it is the
    same server restarted: the tables stay, the sessions are gone."""
    port_file = work_dir / "port"
    port_file.unlink(missing_ok=True)
    argv = [
        sys.executable, "-m", "tests.support.clickhouse_http",
        "--data-dir", str(work_dir / "data"),
        "--port", str(port),
        "--port-file", str(port_file),
    ]  # fmt: skip
    if tls is not None:
        argv += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    env = {
        **os.environ,
        USER_ENV: user,
        PASSWORD_ENV: password,
        "TZ": timezone,
        "PYTHONPATH": str(ROOT),
    }
    log = (work_dir / "standin.log").open("ab")
    # Its working directory is its own, as a server's is: ClickHouse caches there the
    # format schemas given inline (format_schema_source = 'string').
    process = subprocess.Popen(argv, cwd=work_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stand-in did not start: {_log(work_dir)}")
            time.sleep(0.05)
        scheme = "https" if tls else "http"
        yield ClickHouseServer(f"{scheme}://127.0.0.1:{port_file.read_text()}", user, password)
    finally:
        stop_process(process)
        log.close()


def _log(work_dir: Path) -> str:
    return (work_dir / "standin.log").read_text(errors="replace")


@contextlib.contextmanager
def fresh_database(server: ClickHouseServer) -> Iterator[str]:
    """A new database on ``server`` for one test, dropped after it."""
    database = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield database
    finally:
        client = clickhouse_connect.get_client(dsn=server.dsn("default"))
        try:
            client.command("DROP DATABASE IF EXISTS {db:Identifier}", parameters={"db": database})
        finally:
            client.close()
