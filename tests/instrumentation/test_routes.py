"""``http.route`` for nested apps: FastAPI routers, Starlette mounts, mounted plain apps."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route, Router

from instrumentation import instrument_app
from instrumentation._routes import RouteResolver
from instrumentation._types import Receive, Scope, Send
from tests.instrumentation._points import collect, named


def _ok(_: Any) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _static(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"file"})


def nested_app() -> Starlette:
    tenant_api = Starlette(routes=[Route("/orders/{order_id:int}", _ok)])
    admin = Router(routes=[Route("/users", _ok, methods=["GET"])])
    return Starlette(
        routes=[
            Route("/health", _ok),
            Mount("/tenants/{tenant}", app=tenant_api),
            Mount("/admin", app=admin),
            Mount("/static", app=_static),
        ]
    )


def routes_of(app: Any, reader: InMemoryMetricReader, *paths: str) -> list[tuple[str, int, int]]:
    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for path in paths:
                await client.get(path)

    asyncio.run(run())
    return sorted(
        (
            str(p.attributes.get("http.route")),
            int(p.attributes["http.response.status_code"]),
            p.count or 0,
        )
        for p in named(collect(reader), "http.server.request.duration")
    )


def test_mounted_routes_report_the_full_template(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    app = instrument_app(nested_app(), meter_provider=meter_provider)
    paths = ["/tenants/acme/orders/1", "/tenants/globex/orders/2", "/tenants/acme/orders/3",
             "/admin/users", "/static/css/site.css", "/static/js/app.js", "/health"]  # fmt: skip
    assert routes_of(app, reader, *paths) == [
        ("/admin/users", 200, 1),
        ("/health", 200, 1),
        ("/static/{path}", 200, 2),
        ("/tenants/{tenant}/orders/{order_id}", 200, 3),
    ]


def test_a_miss_inside_a_mount_gets_the_mount_template(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    app = instrument_app(nested_app(), meter_provider=meter_provider)
    assert routes_of(app, reader, "/tenants/acme/nothing", "/tenants/b/nothing") == [
        ("/tenants/{tenant}/{path}", 404, 2)
    ]


def test_fastapi_routers_report_the_prefixed_template(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    inner = APIRouter(prefix="/carts")

    @inner.get("/{cart_id}/items/{item_id}")
    async def cart_item(cart_id: str, item_id: int) -> dict[str, int]:
        return {"item": item_id}

    outer = APIRouter(prefix="/v2")
    outer.include_router(inner)
    api = FastAPI()
    api.include_router(outer, prefix="/api")
    app = FastAPI()
    app.mount("/shop", api)
    app.include_router(outer)
    instrument_app(app, meter_provider=meter_provider)
    paths = ["/v2/carts/c1/items/1", "/v2/carts/c2/items/2", "/shop/api/v2/carts/c3/items/3"]
    assert routes_of(app, reader, *paths) == [
        ("/shop/api/v2/carts/{cart_id}/items/{item_id}", 200, 1),
        ("/v2/carts/{cart_id}/items/{item_id}", 200, 2),
    ]


def test_the_mount_cache_is_bounded() -> None:
    resolver = RouteResolver(cache_size=1)
    app = nested_app()
    router = app.router
    route = router.routes[1].routes[0]  # type: ignore[attr-defined]
    for tenant in ("a", "b", "c"):
        scope = {"type": "http", "method": "GET", "path": f"/tenants/{tenant}/orders/1",
                 "root_path": f"/tenants/{tenant}", "route": route, "router": router}  # fmt: skip
        assert resolver.resolve(scope, "") == "/tenants/{tenant}/orders/{order_id}"
    assert len(resolver._cache) == 1


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"type": "http", "path": "/x"}, None),
        ({"type": "http", "path": "/x", "route": object()}, None),
        ({"type": "http", "path": "/x", "route": Route("/x/{a}", _ok)}, "/x/{a}"),
        ({"type": "http", "path": "/m/x", "root_path": "/m", "route": object()}, None),
        ({"type": "http", "path": "/x", "fastapi": {"effective_route_context": None}}, None),
    ],
    ids=["no-route", "route-without-path", "route", "mounted-without-router", "no-context"],
)
def test_resolver_without_enough_to_go_on(scope: dict[str, Any], expected: str | None) -> None:
    assert RouteResolver().resolve(scope, "") == expected
