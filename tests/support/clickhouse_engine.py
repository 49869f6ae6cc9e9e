"""The ClickHouse stand-in's engine side: chDB on its own data directory, with sessions.

Every request runs on a chDB connection handle of its own, so that the settings it
carries last for that request only, as on a server: a request without a session gets a
new handle (one ``chdb.connect`` on a running engine takes about a millisecond) that is
closed after it; a session (``session_id``) keeps one handle, with its temporary tables,
its ``SET`` values and its current database, until it has been idle for its timeout. A
request's own settings are applied to the session's handle for that request and put back
after it. chDB runs the statements of different handles concurrently.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chdb

from tests.support.clickhouse_statements import Statement, StatementError, read_statement

_CODE = re.compile(r"Code: (\d+)\.")
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IDENTIFIER_QUOTE = re.compile(r"[`\\]")
# Block info the server writes before every Native block when the client names its
# protocol version: field 1 is_overflows = 0, field 2 bucket_num = -1, field 0 ends it.
NATIVE_BLOCK_INFO = b"\x01\x00\x02\xff\xff\xff\xff\x00"
# chDB refuses a statement with chdb._exceptions.ChdbError (a RuntimeError), which is not
# the chdb.ChdbError the package exports.
CHDB_ERRORS = (chdb.ChdbError, RuntimeError)
DEFAULT_SESSION_TIMEOUT_S = 60.0
MAX_SESSION_TIMEOUT_S = 3600.0


class EngineError(Exception):
    """A statement ClickHouse refused: its code and message (``Code: N. DB::Exception: ...``)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request, read: the statement text and what the URL said about it."""

    text: bytes
    parameters: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, str] = field(default_factory=dict)
    database: str | None = None
    default_format: str = "TabSeparated"
    session_id: str | None = None
    session_timeout_s: float = DEFAULT_SESSION_TIMEOUT_S
    session_check: bool = False
    protocol_version: int = 0
    query_id: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    output_format: str | None
    summary: dict[str, str]
    query_id: str
    timezone: str


@dataclass(slots=True)
class _Session:
    connection: Any
    timeout_s: float
    database: str = "default"
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)


class Engine:
    """chDB on ``data_dir`` (this process's only one), serving requests."""

    def __init__(self, data_dir: Path, spool_dir: Path) -> None:
        self._path = str(data_dir)
        self._spool = spool_dir
        # The anchor keeps the engine up between requests and answers the catalogue.
        self._anchor = _connect(self._path)
        self._anchor.query("CREATE DATABASE IF NOT EXISTS default", "TabSeparated")
        about = self._anchor.query("SELECT version(), timezone()", "TabSeparated")
        self.version, self.timezone = about.bytes().decode().strip().split("\t")
        rows = self._anchor.query(
            "SELECT number, errorCodeToName(number) FROM numbers(2000) "
            "WHERE errorCodeToName(number) != ''",
            "TabSeparated",
        )
        self.error_codes = {
            name: int(code)
            for code, name in (line.split("\t") for line in rows.bytes().decode().splitlines())
        }
        self._sessions: dict[str, _Session] = {}
        self._sessions_lock = threading.Lock()

    def close(self) -> None:
        with self._sessions_lock:
            for session in self._sessions.values():
                session.connection.close()
            self._sessions.clear()
        self._anchor.close()

    def error(self, name: str, message: str) -> EngineError:
        code = self.error_codes[name]
        return EngineError(code, f"Code: {code}. DB::Exception: {message}. ({name})")

    def execute(self, request: Request) -> Answer:
        self._expire_sessions()
        query_id = request.query_id or str(uuid.uuid4())
        data_path = self._spool / f"{uuid.uuid4().hex}.data"
        try:
            statement = read_statement(request.text, str(data_path))
        except StatementError as exc:
            raise self.error(exc.name, str(exc)) from None
        if statement.data is not None:
            data_path.write_bytes(statement.data)
        try:
            if request.session_id is None:
                return self._execute_alone(request, statement, query_id)
            return self._execute_in_session(request, statement, query_id)
        finally:
            data_path.unlink(missing_ok=True)

    def _execute_alone(self, request: Request, statement: Statement, query_id: str) -> Answer:
        connection = _connect(self._path)
        try:
            self._use(connection, request.database or "default")
            self._apply(connection, request.settings)
            return self._run(connection, request, statement, query_id)
        finally:
            connection.close()

    def _execute_in_session(self, request: Request, statement: Statement, query_id: str) -> Answer:
        session = self._session(request)
        if not session.lock.acquire(blocking=False):
            raise self.error(
                "SESSION_IS_LOCKED",
                f"Session {request.session_id} is locked by a concurrent client",
            )
        try:
            if "readonly" in request.settings:
                raise self.error(
                    "NOT_IMPLEMENTED",
                    "the stand-in cannot make one request of a session read-only",
                )
            self._use(session.connection, request.database or session.database)
            saved = self._current(session.connection, request.settings)
            try:
                self._apply(session.connection, request.settings)
                answer = self._run(session.connection, request, statement, query_id)
            finally:
                self._apply(session.connection, saved)
                self._use(session.connection, session.database)
            if statement.kind == "USE":
                session.database = self._current_database(session.connection)
                self._use(session.connection, session.database)
            return answer
        finally:
            session.last_used = time.monotonic()
            session.lock.release()

    def _session(self, request: Request) -> _Session:
        assert request.session_id is not None
        with self._sessions_lock:
            session = self._sessions.get(request.session_id)
            if session is None:
                if request.session_check:
                    raise self.error("SESSION_NOT_FOUND", f"Session {request.session_id} not found")
                timeout = min(request.session_timeout_s, MAX_SESSION_TIMEOUT_S)
                session = _Session(_connect(self._path), timeout)
                self._sessions[request.session_id] = session
            return session

    def _expire_sessions(self) -> None:
        now = time.monotonic()
        with self._sessions_lock:
            for session_id, session in list(self._sessions.items()):
                idle = now - session.last_used > session.timeout_s
                if idle and session.lock.acquire(blocking=False):
                    del self._sessions[session_id]
                    session.connection.close()

    def _run(
        self, connection: Any, request: Request, statement: Statement, query_id: str
    ) -> Answer:
        output_format = statement.output_format or request.default_format
        started = time.perf_counter_ns()
        summary = {"read_rows": "0", "read_bytes": "0", "written_rows": "0", "written_bytes": "0"}
        if output_format == "Native" and request.protocol_version > 0:
            body = self._native_blocks(connection, statement, request.parameters)
        else:
            result = self._call(connection.query, statement.sql, output_format, request.parameters)
            body = result.bytes()
            summary = {
                "read_rows": str(result.rows_read()),
                "read_bytes": str(result.bytes_read()),
                "written_rows": str(result.rows_written()),
                "written_bytes": str(result.bytes_written()),
            }
        summary["result_bytes"] = str(len(body))
        summary["elapsed_ns"] = str(time.perf_counter_ns() - started)
        timezone = request.settings.get("session_timezone") or self.timezone
        shown_format = output_format if statement.produces_result else None
        return Answer(body, shown_format, summary, query_id, timezone)

    def _native_blocks(self, connection: Any, statement: Statement, parameters: Any) -> bytes:
        """Native output with the block info a protocol-aware client expects per block.

        chDB streams SELECTs block by block; the answers to DESCRIBE, SHOW, EXISTS and
        EXPLAIN (small catalogue answers, one block) come whole.
        """
        if statement.kind not in ("SELECT", "WITH"):
            result = self._call(connection.query, statement.sql, "Native", parameters)
            payload = result.bytes()
            return NATIVE_BLOCK_INFO + payload if payload else b""
        stream = self._call(connection.send_query, statement.sql, "Native", parameters)
        chunks = []
        try:
            for chunk in stream:
                payload = chunk.bytes() if hasattr(chunk, "bytes") else bytes(chunk)
                if payload:
                    chunks.append(NATIVE_BLOCK_INFO + payload)
        except CHDB_ERRORS as exc:
            raise self._translated(exc) from None
        finally:
            stream.close()
        return b"".join(chunks)

    def _call(self, method: Any, sql: str, output_format: str, parameters: Any) -> Any:
        try:
            return method(sql, output_format, params=dict(parameters))
        except CHDB_ERRORS as exc:
            raise self._translated(exc) from None

    def _translated(self, exc: Exception) -> EngineError:
        message = str(exc).strip()
        start = message.find("Code: ")
        message = message[start:] if start >= 0 else message
        match = _CODE.search(message)
        if match:
            return EngineError(int(match.group(1)), message)
        return self.error("STD_EXCEPTION", message)

    def _apply(self, connection: Any, settings: Mapping[str, str]) -> None:
        # readonly last: once it is 1, no other setting may change.
        for name, value in sorted(settings.items(), key=lambda item: item[0] == "readonly"):
            if not _SETTING_NAME.match(name):
                raise self.error(
                    "UNKNOWN_SETTING", f"Setting {name!r} is neither a builtin nor a custom setting"
                )
            self._call(
                connection.query, f"SET {name} = {{value:String}}", "TabSeparated", {"value": value}
            )

    def _current(self, connection: Any, settings: Mapping[str, str]) -> dict[str, str]:
        if not settings:
            return {}
        result = self._call(
            connection.query,
            "SELECT name, value FROM system.settings WHERE name IN {names:Array(String)}",
            "JSONCompact",
            {"names": "[" + ",".join(_string_literal(name) for name in settings) + "]"},
        )
        return dict(json.loads(result.bytes())["data"])

    def _use(self, connection: Any, database: str) -> None:
        quoted = "`" + _IDENTIFIER_QUOTE.sub(lambda m: "\\" + m.group(), database) + "`"
        self._call(connection.query, f"USE {quoted}", "TabSeparated", {})

    def _current_database(self, connection: Any) -> str:
        result = self._call(connection.query, "SELECT currentDatabase()", "TabSeparated", {})
        return str(result.bytes().decode()).strip()


def _connect(path: str) -> Any:
    return chdb.connect(path)  # type: ignore[no-untyped-call]


def _string_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
