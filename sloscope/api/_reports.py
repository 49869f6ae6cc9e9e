"""``POST /api/reports/sla``: the monthly SLA report, for the CLI while serve runs.

Body: ``SlaRequest`` (``files``: SLO file texts by name, default the server's SLO
directory; ``month``: ``YYYY-MM``; ``timezone``: IANA name, default UTC; ``as_of``:
ISO-8601, default now). Answer: ``SlaReport`` JSON, the document ``sloscope report sla
--format json`` prints. Spec errors answer 422 with every issue; a bad month or zone 400.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from processor.errors import QueryFailed, StoreUnavailable
from slo_engine import SlaRequest, SloEngineError, SpecError, load, read_sources, sla_report
from sloscope.api._context import ApiContext, error_response


def routes(context: ApiContext) -> list[Route]:
    async def sla(request: Request) -> Response:
        try:
            body = SlaRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return error_response(400, f"bad request body: {exc.errors()[0]['msg']}")
        try:
            sources = body.files if body.files is not None else read_sources([context.slos_dir])
            slo_set = load(sources)
            now = body.as_of or datetime.now(UTC)
            report = await run_in_threadpool(
                sla_report, context.query_store, slo_set, body.month, body.timezone, now
            )
        except SpecError as exc:
            return JSONResponse({"error": str(exc), "issues": [str(i) for i in exc.issues]}, 422)
        except (SloEngineError, QueryFailed) as exc:
            return error_response(400, str(exc))
        except StoreUnavailable as exc:
            return error_response(503, str(exc))
        return Response(report.model_dump_json(), media_type="application/json")

    return [Route("/api/reports/sla", sla, methods=["POST"])]
