"""The store a copy writes into: a server's client, or an embedded store that a child
process opens and writes.

chDB opens one data directory per process, and ``sloscope store copy`` holds the
source's; so an embedded target is opened by ``python -m processor._copy_child``, and
``ChildStore`` is the copy's handle on it: the same ``query`` and ``insert_native`` as a
``Store``, each a request on the child's stdin answered on its stdout. The copy's checks
and inserts (``processor/_copy.py``) run unchanged on either kind of target, so its
batching, resume and exactly-once hold for both: the child writes each chunk as one
insert and acknowledges it once stored, and a copy whose child dies is run again and
goes on where it stopped.

The wire, one request at a time: a JSON line (the first one the options to open the
store with; then ``{"op": "query", ...}`` or ``{"op": "insert_native", ..., "size": N}``
followed by N bytes of Native data), answered by a JSON line: ``{"ok": true}``,
``{"rows": [...]}`` or ``{"error": {"kind": ..., "message": ...}}`` (a
``processor.errors`` class). The child's stdout carries nothing else: it answers on a
copy of it and points its own stdout at stderr. It ends, closing the store, when its
stdin does: the parent closes it, or the parent dies. Ctrl-C reaches the whole process
group; the child ignores it and the parent decides.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Any, Final, Protocol

from processor import errors
from processor.errors import ProcessorError, StoreUnavailable
from processor.store import Queryable, StoreOptions, open_store, parse_dsn

# A request line (the Native data follows it) and an answer line: the per-minute
# measures of a table run to a few MB; the bounds leave room and stop a runaway.
MAX_LINE: Final = 256 * 1024 * 1024
MAX_DATA: Final = 4 * 1024 * 1024 * 1024
# How long the child may take to close the store (flush, release the directory).
_CLOSE_TIMEOUT_S: Final = 120.0


class CopyTarget(Queryable, Protocol):
    """What a copy writes through: a ``Store``, or a ``ChildStore``."""

    def insert_native(
        self,
        table: str,
        column_names: Sequence[str],
        data: bytes,
        settings: Mapping[str, Any] | None = None,
    ) -> None: ...

    def close(self) -> None: ...


def open_copy_target(options: StoreOptions) -> CopyTarget:
    """Open (and migrate) the store at ``options.dsn`` to copy into: a server in this
    process, an embedded store in a child process."""
    if parse_dsn(options.dsn, options.database, options.server).embedded:
        return ChildStore(options)
    return open_store(options)


class ChildStore:
    """An embedded store opened and written by a child process (see the module
    docstring). Close it on every path: ``close`` ends the child."""

    def __init__(self, options: StoreOptions) -> None:
        self.database = options.database
        self._process = subprocess.Popen(
            [sys.executable, "-m", "processor._copy_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        # Both are pipes: Popen sets them when asked for PIPE.
        self._requests: IO[bytes] = self._process.stdin  # type: ignore[assignment]
        self._answers: IO[bytes] = self._process.stdout  # type: ignore[assignment]
        try:
            self._call(
                {
                    "dsn": options.dsn,
                    "database": options.database,
                    "retention_days": options.retention_days,
                    "rollup_retention_days": options.rollup_retention_days,
                }
            )
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int:
        return self._process.pid

    def query(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Run a SELECT whose values are numbers and strings (what a copy's checks read)."""
        request = {
            "op": "query",
            "sql": sql,
            "parameters": dict(parameters or {}),
            "settings": dict(settings or {}),
        }
        return [tuple(row) for row in self._call(request)["rows"]]

    def insert_native(
        self,
        table: str,
        column_names: Sequence[str],
        data: bytes,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert Native ``data``; returns once the child has stored it."""
        request = {
            "op": "insert_native",
            "table": table,
            "columns": list(column_names),
            "settings": dict(settings or {}),
            "size": len(data),
        }
        self._call(request, data)

    def close(self) -> None:
        """End the child: its stdin closed, it closes the store and exits; killed if it
        does not within the timeout."""
        with contextlib.suppress(BrokenPipeError):  # the child is gone already
            self._requests.close()
        try:
            self._process.wait(timeout=_CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._answers.close()

    def _call(self, request: Mapping[str, Any], data: bytes = b"") -> dict[str, Any]:
        try:
            self._requests.write(json.dumps(request).encode() + b"\n" + data)
            self._requests.flush()
            line = self._answers.readline(MAX_LINE)
        except (BrokenPipeError, ValueError):  # ValueError: the pipe was closed
            line = b""
        if not line.endswith(b"\n"):
            raise self._ended()
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise _error(answer["error"])
        return answer

    def _ended(self) -> StoreUnavailable:
        self.close()
        return StoreUnavailable(
            f"the process writing the target store (pid {self._process.pid}) ended with "
            f"exit code {self._process.returncode}: run the copy again, it goes on where "
            "it stopped"
        )


def _error(found: Mapping[str, str]) -> ProcessorError:
    """The child's error as the class it raised (a ``processor.errors`` one)."""
    kind = getattr(errors, found.get("kind", ""), None)
    if not (isinstance(kind, type) and issubclass(kind, ProcessorError)):
        kind = ProcessorError
    return kind(found.get("message", "the target store failed"))
