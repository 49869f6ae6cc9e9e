"""The client `sloscope` commands use to reach a running server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from sloscope._api_client import post_json
from sloscope.errors import ServerUnreachable, UsageError
from tests.support.servers import free_port, serving


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"got": await request.json(), "auth": request.headers.get("authorization")})


async def _refuse(request: Request) -> JSONResponse:
    return JSONResponse({"error": "month must be YYYY-MM"}, status_code=400)


async def _crash(request: Request) -> PlainTextResponse:
    return PlainTextResponse("upstream exploded", status_code=502)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/echo", _echo, methods=["POST"]),
            Route("/refuse", _refuse, methods=["POST"]),
            Route("/crash", _crash, methods=["POST"]),
        ]
    )
    with serving(app) as base:
        yield base


def test_post_json_round_trips_with_a_token(url: str) -> None:
    assert post_json(url, "/echo", {"a": [1, 2]}, token="t0k") == {
        "got": {"a": [1, 2]},
        "auth": "Bearer t0k",
    }


def test_a_4xx_carries_the_servers_message(url: str) -> None:
    with pytest.raises(UsageError, match=r"^month must be YYYY-MM$"):
        post_json(url, "/refuse", {})


def test_a_5xx_or_no_answer_is_unreachable(url: str) -> None:
    with pytest.raises(ServerUnreachable, match="answered 502"):
        post_json(url, "/crash", {})
    with pytest.raises(ServerUnreachable, match="did not answer"):
        post_json(f"http://127.0.0.1:{free_port()}", "/echo", {}, timeout_s=2)
