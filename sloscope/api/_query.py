"""``POST /api/query``: one read of the store's own tables, in SQL.

Body: ``{"sql": "SELECT ...", "parameters": {"name": value}}``; values are bound
server-side (``{name:Type}`` placeholders; ``{db:Identifier}`` is the store's database).
What may run, and the limits it runs with, are ``sloscope._read_query``'s: refused with
400 and what was refused, 429 when every query slot is taken. Answer: ``QueryAnswer``,
``{"columns": [...], "types": [...], "rows": [[...], ...]}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from processor.store import Store
from sloscope._query_policy import FunctionCatalog
from sloscope._read_query import QueryAnswer, run_read_query
from sloscope.api._context import ApiContext, api_context
from sloscope.api._errors import error_responses

router = APIRouter(tags=["query"])


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: Annotated[str, Field(min_length=1)]
    parameters: dict[str, Any] = {}


@router.post("/api/query", response_model=QueryAnswer, responses=error_responses(400, 413, 415))
async def query(
    body: QueryRequest, context: Annotated[ApiContext, Depends(api_context)]
) -> Response:
    """Run one read of the store's tables; the answer is encoded off the event loop."""
    with context.sessions.take() as session:
        content = await run_in_threadpool(_answer, session, context.sessions.catalog, body)
    return Response(content, media_type="application/json")


def _answer(session: Store, catalog: FunctionCatalog, body: QueryRequest) -> bytes:
    answer = run_read_query(session, catalog, body.sql, body.parameters)
    return answer.model_dump_json().encode()
