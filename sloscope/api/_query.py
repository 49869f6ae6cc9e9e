"""``POST /api/query``: a read-only SQL query against the store.

Body: ``{"sql": "SELECT ...", "parameters": {"name": value}}``; values are bound
server-side (``{name:Type}`` placeholders). The query runs on a connection opened with
``readonly = 1`` and with row and time limits, so it can neither write nor lift them.
Answer: ``{"columns": [...], "types": [...], "rows": [[...], ...]}``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from processor.errors import QueryFailed, StoreUnavailable
from slo_engine import QUERY_SETTINGS
from sloscope.api._context import ApiContext, error_response

# Quoted strings and identifiers, and comments: removed before looking for a second statement.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--[^\n]*|/\*.*?\*/", re.S)
_LATER_STATEMENT = re.compile(r";\s*\S")
_READ_STATEMENT = re.compile(
    r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN)\b", re.I | re.S
)


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str
    parameters: dict[str, Any] = {}


def read_only_settings(max_rows: int, timeout_s: float) -> dict[str, Any]:
    """Settings for the API's query connection: no writes, bounded rows and time, and the
    SLO engine's query settings (readonly refuses a query's own changes, not a repeat of
    the session's values). Times written as text, and functions of time without a zone,
    are read in UTC, as results are: not in the zone of the machine or of the server."""
    return {
        **QUERY_SETTINGS,
        "session_timezone": "UTC",
        "max_result_rows": max_rows,
        "result_overflow_mode": "throw",
        "max_execution_time": timeout_s,
        "readonly": 1,
    }


def is_read_statement(sql: str) -> bool:
    """A single SELECT-like statement (the embedded engine would run several)."""
    return bool(_READ_STATEMENT.match(sql)) and not _LATER_STATEMENT.search(_QUOTED.sub("", sql))


def routes(context: ApiContext) -> list[Route]:
    async def query(request: Request) -> Response:
        try:
            body = QueryRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return error_response(400, f"bad request body: {exc.errors()[0]['msg']}")
        if not is_read_statement(body.sql):
            return error_response(400, "only SELECT queries are allowed")
        try:
            columns, types, rows = await run_in_threadpool(_run, context, body)
        except QueryFailed as exc:
            return error_response(400, str(exc))
        except StoreUnavailable as exc:
            return error_response(503, str(exc))
        payload = {"columns": columns, "types": types, "rows": rows}
        return Response(json.dumps(payload, default=_json_value), media_type="application/json")

    return [Route("/api/query", query, methods=["POST"])]


def _run(context: ApiContext, body: QueryRequest) -> tuple[list[str], list[str], list[list[Any]]]:
    names, types, rows = context.query_store.query_typed(body.sql, body.parameters)
    return list(names), list(types), [[_plain(value) for value in row] for row in rows]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # The client hands out naive datetimes in UTC; say so in the text.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")
