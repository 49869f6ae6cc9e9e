"""The page routes, their templates, and the static files (see the package docstring)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Annotated, Any, Final

import jinja2
from fastapi import APIRouter, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

STATIC_URL: Final = "/static"
PAGE_HEADERS: Final = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
MAX_NAME = 500

router = APIRouter(include_in_schema=False)


def _environment() -> jinja2.Environment:
    folder = importlib.resources.files("sloscope.web") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


_TEMPLATES: Final = _environment()


def render(request: Request, template: str, **values: Any) -> HTMLResponse:
    """``template`` with ``values``, autoescaped, with the pages' security headers."""
    token_set = bool(getattr(request.app.state, "token_set", False))
    html = _TEMPLATES.get_template(template).render(
        static=STATIC_URL, token_set=token_set, **values
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


Name = Annotated[str, PathParam(max_length=MAX_NAME)]


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request) -> HTMLResponse:
    return render(request, "overview.html", page="overview", title="SLOs")


@router.get("/slos/{name:path}", response_class=HTMLResponse)
async def slo(request: Request, name: Name) -> HTMLResponse:
    return render(request, "slo.html", page="slo", title=name, name=name)


@router.get("/services", response_class=HTMLResponse)
async def service_list(request: Request) -> HTMLResponse:
    return render(request, "services.html", page="services", title="Services")


@router.get("/services/{name:path}", response_class=HTMLResponse)
async def service(request: Request, name: Name) -> HTMLResponse:
    return render(request, "service.html", page="service", title=name, name=name)


@router.get("/alerts", response_class=HTMLResponse)
async def alerts(request: Request) -> HTMLResponse:
    return render(request, "alerts.html", page="alerts", title="Alerts")


@router.get("/dashboards", response_class=HTMLResponse)
async def dashboard_list(request: Request) -> HTMLResponse:
    return render(request, "dashboards.html", page="dashboards", title="Dashboards")


@router.get("/dashboards/{name}", response_class=HTMLResponse)
async def dashboard(request: Request, name: Name) -> HTMLResponse:
    return render(request, "dashboard.html", page="dashboard", title=name, name=name)


@router.get("/sla", response_class=HTMLResponse)
async def sla(request: Request) -> HTMLResponse:
    return render(request, "sla.html", page="sla", title="SLA report")


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    return render(request, "docs.html", page="docs", title="API")


def install_web(app: FastAPI, *, token_set: bool) -> None:
    """Add the pages and ``/static`` to ``app``."""
    app.state.token_set = token_set
    app.include_router(router)
    folder = Path(str(importlib.resources.files("sloscope.web") / "static"))
    app.mount(STATIC_URL, StaticFiles(directory=folder), name="static")
