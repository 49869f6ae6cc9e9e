"""Real servers for tests: uvicorn in a thread, and rotel (a real OpenTelemetry collector
from PyPI) as a subprocess between a sender and the processor."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import rotel
import uvicorn

ROTEL_AGENT = Path(rotel.__file__).parent / "rotel-agent"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def listening() -> Iterator[int]:
    """A TCP socket listening on 127.0.0.1 (nothing accepts: the kernel completes the
    handshakes); yields its port. A health check's TCP target that is up."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], *, timeout_s: float = 30.0, what: str = "") -> None:
    """Poll ``condition`` until it holds; fail (not time) after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or condition}")
        time.sleep(0.05)


@contextlib.contextmanager
def serving(app: Any, *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (port 0); yield its base URL.
    ``tls`` (certificate file, key file) serves HTTPS."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), what="uvicorn to start")
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def running_rotel(upstream: str, work_dir: Path) -> Iterator[str]:
    """rotel-agent receiving OTLP/gRPC and forwarding to ``upstream`` (host:port)."""
    port = free_port()
    argv = [
        str(ROTEL_AGENT), "start",
        "--otlp-grpc-endpoint", f"127.0.0.1:{port}",
        "--otlp-http-endpoint", f"127.0.0.1:{free_port()}",
        "--exporter", "otlp",
        "--otlp-exporter-endpoint", f"http://{upstream}",
        "--otlp-exporter-protocol", "grpc",
        "--batch-timeout", "100ms",
        "--pid-file", str(work_dir / "rotel.pid"),
        "--log-file", str(work_dir / "rotel.log"),
    ]  # fmt: skip
    log = (work_dir / "rotel.out").open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _accepts(port) or process.poll() is not None, what="rotel to listen")
        if process.poll() is not None:
            raise RuntimeError(f"rotel exited: {(work_dir / 'rotel.out').read_text()}")
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(process)
        log.close()


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_s)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
