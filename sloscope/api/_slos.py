"""``POST /api/slos/status``: the SLO engine's status, for the CLI while serve runs.

Body: ``StatusRequest`` (``files``: SLO file texts by name, default the server's SLO
directory; ``at``: ISO-8601, default now). Answer: ``StatusReport`` JSON, the same
document ``sloscope slo status --json`` prints. Spec errors answer 422 with every issue.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from processor.errors import QueryFailed, StoreUnavailable
from slo_engine import SloEngineError, SpecError, StatusRequest, load, read_sources, status
from sloscope.api._context import ApiContext, error_response


def routes(context: ApiContext) -> list[Route]:
    async def slo_status(request: Request) -> Response:
        try:
            body = StatusRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return error_response(400, f"bad request body: {exc.errors()[0]['msg']}")
        try:
            sources = body.files if body.files is not None else read_sources([context.slos_dir])
            slo_set = load(sources)
            at = body.at or datetime.now(UTC)
            report = await run_in_threadpool(status, context.query_store, slo_set, at)
        except SpecError as exc:
            return JSONResponse({"error": str(exc), "issues": [str(i) for i in exc.issues]}, 422)
        except (SloEngineError, QueryFailed) as exc:
            return error_response(400, str(exc))
        except StoreUnavailable as exc:
            return error_response(503, str(exc))
        return Response(report.model_dump_json(), media_type="application/json")

    return [Route("/api/slos/status", slo_status, methods=["POST"])]
