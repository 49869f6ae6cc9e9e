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
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from slo_engine import QUERY_SETTINGS
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_response

# Quoted strings and identifiers, and comments: removed before looking for a second statement.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|--[^\n]*|/\*.*?\*/", re.S)
_LATER_STATEMENT = re.compile(r";\s*\S")
_READ_STATEMENT = re.compile(
    r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN)\b", re.I | re.S
)

router = APIRouter(tags=["query"])


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str
    parameters: dict[str, Any] = {}


class QueryAnswer(BaseModel):
    """Column names, ClickHouse type names, and the rows as JSON values."""

    columns: list[str]
    types: list[str]
    rows: list[list[Any]]


def read_only_settings(max_rows: int, timeout_s: float) -> dict[str, Any]:
    """Settings for the API's query connection: no writes, bounded rows and time, and the
    SLO engine's query settings (readonly refuses a query's own changes, not a repeat of
    the session's values)."""
    return {
        **QUERY_SETTINGS,
        "max_result_rows": max_rows,
        "result_overflow_mode": "throw",
        "max_execution_time": timeout_s,
        "readonly": 1,
    }


def is_read_statement(sql: str) -> bool:
    """A single SELECT-like statement (the embedded engine would run several)."""
    return bool(_READ_STATEMENT.match(sql)) and not _LATER_STATEMENT.search(_QUOTED.sub("", sql))


@router.post("/api/query", response_model=QueryAnswer)
async def query(
    body: QueryRequest, context: Annotated[ApiContext, Depends(api_context)]
) -> Response:
    """Run one read-only query with the session's limits."""
    if not is_read_statement(body.sql):
        return error_response(400, "only SELECT queries are allowed")
    content = await run_in_threadpool(_run, context, body)
    return Response(content, media_type="application/json")


def _run(context: ApiContext, body: QueryRequest) -> bytes:
    names, types, rows = context.query_store.query_typed(body.sql, body.parameters)
    payload = {
        "columns": list(names),
        "types": list(types),
        "rows": [[_plain(value) for value in row] for row in rows],
    }
    return json.dumps(payload, default=_json_value).encode()


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
