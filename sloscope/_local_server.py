"""Finding a running ``sloscope serve`` that holds the embedded data directory.

chDB allows one process per data directory, so while ``serve`` runs every other command
talks to its HTTP API instead (DESIGN.md section 3). ``serve`` leaves a small JSON file
in the data directory saying where its API listens; a command finds it there, checks that
the process it names is alive and holds the directory, and uses that address.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from processor.store import data_dir_holder, parse_dsn
from sloscope.config import StoreSettings

SERVE_FILE = "sloscope-serve.json"


@dataclass(frozen=True, slots=True)
class ServerAddress:
    pid: int
    api_url: str
    otlp_endpoint: str


def serve_file(data_dir: Path) -> Path:
    return data_dir / SERVE_FILE


def write_serve_file(data_dir: Path, address: ServerAddress) -> None:
    path = serve_file(data_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        json.dumps(
            {"pid": address.pid, "api_url": address.api_url, "otlp_endpoint": address.otlp_endpoint}
        )
    )
    temporary.replace(path)


def remove_serve_file(data_dir: Path) -> None:
    serve_file(data_dir).unlink(missing_ok=True)


def find_running_server(store: StoreSettings) -> ServerAddress | None:
    """The running serve's address when it holds the store's data directory, else None."""
    location = parse_dsn(store.resolved_dsn(), store.database)
    if location.data_dir is None:
        return None
    holder = data_dir_holder(location.data_dir)
    if holder is None or holder == os.getpid():
        return None
    address = read_serve_file(location.data_dir)
    return address if address is not None and address.pid == holder else None


def read_serve_file(data_dir: Path) -> ServerAddress | None:
    """The address a serve left in ``data_dir``, if there is one to read."""
    try:
        data = json.loads(serve_file(data_dir).read_text())
        return ServerAddress(int(data["pid"]), str(data["api_url"]), str(data["otlp_endpoint"]))
    except (OSError, ValueError, KeyError):
        return None
