"""rotel, a real OpenTelemetry collector from PyPI, between a sender and the processor."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import rotel

AGENT = Path(rotel.__file__).parent / "rotel-agent"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_rotel(processor_endpoint: str, workdir: Path) -> Iterator[str]:
    """Start rotel receiving OTLP/gRPC and exporting to ``processor_endpoint``; yield its
    own endpoint. It batches for 100 ms and has its own pid and log files."""
    port = free_port()
    log = workdir / "rotel.log"
    command = [
        str(AGENT),
        "start",
        "--otlp-grpc-endpoint", f"127.0.0.1:{port}",
        "--otlp-http-endpoint", f"127.0.0.1:{free_port()}",
        "--exporter", "otlp",
        "--otlp-exporter-endpoint", f"http://{processor_endpoint}",
        "--otlp-exporter-protocol", "grpc",
        "--batch-timeout", "100ms",
        "--pid-file", str(workdir / "rotel.pid"),
        "--log-file", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rotel exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("rotel did not start listening")


def wait_until(
    condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition"
) -> None:
    """Poll ``condition`` until it holds; a collector acknowledges before it forwards."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
