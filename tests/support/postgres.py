"""A throwaway PostgreSQL cluster for tests: initdb, start, yield, stop, delete.

Uses the server binaries of Debian's ``postgresql`` package (``.ci/run`` installs it).
``initdb`` refuses to run as root, so when the tests run as root the cluster is created
and run by the ``postgres`` OS user (the package creates it). The server listens on a
Unix socket in its own temporary directory only, so parallel clusters never collide on
a TCP port. ``pg_stat_statements`` is preloaded when the package ships it.

Typical use, as a session fixture::

    @pytest.fixture(scope="session")
    def postgres() -> Iterator[PostgresServer]:
        with running_postgres() as server:
            yield server
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_bin_dir", "running_postgres", "running_standby"]

_SEARCH = (Path("/usr/lib/postgresql"),)
_PORT = 5432
_OS_USER = "postgres"
_START_TIMEOUT_S = 60

_FAST_SETTINGS: Mapping[str, str] = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "deadlock_timeout": "'100ms'",
    "max_connections": "50",
    "shared_buffers": "'32MB'",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "hot_standby": "on",
}


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running cluster: where its data and socket are, and how to reach it."""

    base_dir: Path
    data_dir: Path
    bin_dir: Path
    port: int
    pg_stat_statements: bool

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string for the superuser over the Unix socket."""
        return f"host={self.socket_dir} port={self.port} user={_OS_USER} dbname={database}"


def find_bin_dir(search: Sequence[Path] = _SEARCH) -> Path | None:
    """The newest ``.../<version>/bin`` that has ``initdb`` and ``pg_ctl``, if any."""
    found: list[tuple[int, Path]] = []
    for root in search:
        if not root.is_dir():
            continue
        for version_dir in root.iterdir():
            bin_dir = version_dir / "bin"
            if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
                try:
                    found.append((int(version_dir.name.split(".")[0]), bin_dir))
                except ValueError:
                    continue
    return max(found)[1] if found else None


def _as_server_user(argv: Sequence[str]) -> list[str]:
    if os.geteuid() != 0:
        return list(argv)
    return ["runuser", "-u", _OS_USER, "--", *argv]


def _run(argv: Sequence[str]) -> None:
    result = subprocess.run(
        _as_server_user(argv), capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(argv[0]).name} failed ({result.returncode}): {result.stdout}{result.stderr}"
        )


def _make_base_dir() -> Path:
    # Not under pytest's tmp_path: that is mode 0700 and owned by root, and the server
    # runs as the postgres user.
    base = Path(tempfile.mkdtemp(prefix="sloscope-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(_OS_USER)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    return base


def _configure(data_dir: Path, base_dir: Path, settings: Mapping[str, str]) -> None:
    lines = [f"{key} = {value}" for key, value in settings.items()]
    lines.append(f"unix_socket_directories = '{base_dir}'")
    lines.append(f"port = {_PORT}")
    conf = data_dir / "postgresql.conf"
    # Appending as root keeps the file's owner; postgres only needs to read it.
    with conf.open("a", encoding="utf-8") as handle:
        handle.write("\n" + "\n".join(lines) + "\n")


def _start(bin_dir: Path, data_dir: Path, log: Path) -> None:
    _run(
        [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log), "-w",
         "-t", str(_START_TIMEOUT_S), "start"]
    )  # fmt: skip


def _stop(bin_dir: Path, data_dir: Path) -> None:
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        _run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"])


@contextlib.contextmanager
def running_postgres(
    settings: Mapping[str, str] | None = None, *, bin_dir: Path | None = None
) -> Iterator[PostgresServer]:
    """Start a fresh cluster; stop it and delete its files on exit.

    Raises ``FileNotFoundError`` when no PostgreSQL server binaries are installed.
    """
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql")
    base_dir = _make_base_dir()
    data_dir = base_dir / "data"
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", _OS_USER,
              "-E", "UTF8", "--no-sync"])  # fmt: skip
        library = bin_dir.parent / "lib" / "pg_stat_statements.so"
        statements = library.exists()
        merged = dict(_FAST_SETTINGS)
        if statements:
            merged["shared_preload_libraries"] = "'pg_stat_statements'"
        merged.update(settings or {})
        _configure(data_dir, base_dir, merged)
        _start(bin_dir, data_dir, base_dir / "server.log")
        try:
            yield PostgresServer(base_dir, data_dir, bin_dir, _PORT, statements)
        finally:
            _stop(bin_dir, data_dir)
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


@contextlib.contextmanager
def running_standby(primary: PostgresServer) -> Iterator[PostgresServer]:
    """A streaming-replication standby of ``primary`` (``pg_basebackup -R``)."""
    base_dir = _make_base_dir()
    data_dir = base_dir / "data"
    try:
        _run([str(primary.bin_dir / "pg_basebackup"), "-h", str(primary.socket_dir),
              "-p", str(primary.port), "-U", _OS_USER, "-D", str(data_dir), "-R",
              "-X", "stream", "-c", "fast", "--no-sync"])  # fmt: skip
        _configure(data_dir, base_dir, {})
        _start(primary.bin_dir, data_dir, base_dir / "server.log")
        try:
            yield PostgresServer(
                base_dir, data_dir, primary.bin_dir, _PORT, primary.pg_stat_statements
            )
        finally:
            _stop(primary.bin_dir, data_dir)
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)
