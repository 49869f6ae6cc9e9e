"""Every error the API answers, as ``{"error": "<message>"}`` (plus ``issues`` for SLO
files): the domain's errors are mapped here once, so routes only raise.

=======================  =====  ==============================================
raised                   HTTP   why
=======================  =====  ==============================================
a body that does not     400    the caller's mistake: fix the request
parse or validate
``SpecError``            422    SLO files with errors: every issue is listed
``SloEngineError``,      400    a bad argument (a month, a zone, an instant), a
``InvalidInput``,               query ClickHouse refused, or one the API does not
``UsageError``                  run (``QueryRefused`` says what and why)
``NotFound`` (alerting)   404    no alert or silence by that id
``InvalidAction``        400    a change the alert's state does not allow
``Busy``                 429    every query slot is taken: retry after
                                ``Retry-After`` seconds
``Unavailable``          503    the store is down or busy: retry later
an HTTP error (404,      its    FastAPI's own, reshaped
405, ...)                own
anything else            500    a bug: logged with its traceback, never sent
=======================  =====  ==============================================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from alerting import InvalidAction, NotFound
from processor.errors import InvalidInput, Unavailable
from slo_engine import SloEngineError, SpecError
from sloscope.errors import Busy, UsageError

logger = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 5


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def body_error_message(errors: Sequence[Any]) -> str:
    """``bad request body: sql: Field required; ...`` from pydantic/FastAPI errors."""
    parts = []
    for error in errors[:MAX_LISTED_ERRORS]:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "")
            parts.append(f"not JSON at character {''.join(loc) or 0}: {detail}")
        else:
            where = ".".join(loc)
            parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    hidden = len(errors) - MAX_LISTED_ERRORS
    more = f" (and {hidden} more)" if hidden > 0 else ""
    return "bad request body: " + "; ".join(parts) + more


async def _invalid_body(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, body_error_message(exc.errors()))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI's "There was an error parsing the body": say what the error was.
        return error_response(400, f"bad request body: {exc.__cause__}")
    return error_response(exc.status_code, str(exc.detail), exc.headers)


async def _spec_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SpecError)
    return error_response(422, str(exc), issues=[str(issue) for issue in exc.issues])


async def _bad_input(request: Request, exc: Exception) -> JSONResponse:
    return error_response(400, str(exc))


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error_response(404, str(exc))


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Busy)
    return error_response(429, str(exc), {"retry-after": str(exc.retry_after_s)})


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return error_response(503, str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "api request failed",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )
    return error_response(500, "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to its JSON answer (see the module docstring)."""
    app.add_exception_handler(RequestValidationError, _invalid_body)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(SpecError, _spec_error)
    app.add_exception_handler(SloEngineError, _bad_input)
    app.add_exception_handler(InvalidInput, _bad_input)
    app.add_exception_handler(UsageError, _bad_input)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(InvalidAction, _bad_input)
    app.add_exception_handler(Busy, _busy)
    app.add_exception_handler(Unavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
