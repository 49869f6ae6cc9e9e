"""``sloscope serve`` as a real subprocess on its own data directory, for tests that
kill it or talk to it from the outside."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.servers import free_port


@dataclass
class ServeProcess:
    """A ``sloscope serve`` process: start, kill, restart on the same ports and directory."""

    data_dir: Path
    otlp_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def otlp_endpoint(self) -> str:
        return f"127.0.0.1:{self.otlp_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, timeout_s: float = 60.0) -> None:
        serve_file = self.data_dir / "sloscope-serve.json"
        serve_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "sloscope", "serve",
                "--data-dir", str(self.data_dir),
                "--otlp", self.otlp_endpoint,
                "--api", f"127.0.0.1:{self.api_port}",
                "--log-level", "warning",
                *self.args,
            ],
            env={**os.environ, **self.env},
        )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while not serve_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"sloscope serve exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("sloscope serve did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no flush, no goodbye."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[list[Any]]:
        body = json.dumps({"sql": sql, "parameters": parameters or {}}).encode()
        request = urllib.request.Request(
            self.api_url + "/api/query", data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            rows: list[list[Any]] = json.loads(response.read())["rows"]
        return rows
