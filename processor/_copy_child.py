"""The child process that opens an embedded copy target and writes it (the other half
of ``processor/_copy_target.py``, whose docstring gives the wire): run as ``python -m
processor._copy_child``, never imported by the package, so that ``-m`` runs it fresh.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Mapping
from typing import IO, Any

from processor._copy_target import MAX_DATA, MAX_LINE
from processor.errors import ProcessorError, QueryFailed
from processor.store import Store, StoreOptions, open_store


def main() -> int:
    """The child: open the store the first line names, then answer each request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    first = _read_request(requests)
    if first is None:
        return 0
    try:
        store = open_store(
            StoreOptions(
                dsn=first["dsn"],
                database=first["database"],
                retention_days=first["retention_days"],
                rollup_retention_days=first["rollup_retention_days"],
            )
        )
    except ProcessorError as exc:
        _answer(answers, _failure(exc))
        return 0
    try:
        _answer(answers, {"ok": True})
        while (request := _read_request(requests)) is not None:
            data = b""
            if request["op"] == "insert_native":
                data = requests.read(min(int(request["size"]), MAX_DATA))
                if len(data) != request["size"]:
                    return 0  # the parent ended mid-request
            _answer(answers, _serve(store, request, data))
    finally:
        store.close()
    return 0


def _read_request(requests: IO[bytes]) -> dict[str, Any] | None:
    """The next request, or None once the parent has closed the pipe."""
    line = requests.readline(MAX_LINE)
    if not line.endswith(b"\n"):
        return None
    request: dict[str, Any] = json.loads(line)
    return request


def _serve(store: Store, request: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    try:
        if request["op"] == "query":
            rows = store.query(request["sql"], request["parameters"], request["settings"])
            return {"rows": [list(row) for row in rows]}
        store.insert_native(request["table"], request["columns"], data, request["settings"])
    except ProcessorError as exc:
        return _failure(exc)
    return {"ok": True}


def _answer(answers: IO[bytes], answer: Mapping[str, Any]) -> None:
    try:
        line = json.dumps(answer).encode()
    except TypeError as exc:
        line = json.dumps(_failure(QueryFailed(f"a result the copy cannot read: {exc}"))).encode()
    answers.write(line + b"\n")
    answers.flush()


def _failure(exc: ProcessorError) -> dict[str, Any]:
    return {"error": {"kind": type(exc).__name__, "message": str(exc)}}


if __name__ == "__main__":
    sys.exit(main())
