"""Dashboards as config (``sloscope._dashboards``): the list, one dashboard's layout,
and one widget's data.

* ``GET /api/dashboards``: every dashboard, name, title and refresh interval.
* ``GET /api/dashboards/{name}``: the layout (grid, widgets, variables), after every
  widget's SQL passed the query policy (422 with each issue at file:line:col if not).
* ``GET /api/dashboards/{name}/widgets/{id}?<variable>=...&range=1h&at=...``: the
  widget's data (``WidgetData``, by its type), read through one of the API's read-only
  query sessions; the token, limits and 429 apply as to ``POST /api/query``.

Dashboards are read from the SLO directory at each request (a fixed file shows at once)
and from the ones sloscope ships.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from processor.store import Store
from slo_engine import SpecError
from sloscope._dashboard_data import WidgetData, widget_data
from sloscope._dashboard_spec import GRID_COLUMNS, VariableSpec, WidgetSpec
from sloscope._dashboards import Dashboard, check_queries, read_dashboards
from sloscope._query_policy import FunctionCatalog
from sloscope.api._context import ApiContext, api_context
from sloscope.errors import UsageError

MAX_QUERY_PARAMETERS: Final = 20

router = APIRouter(tags=["dashboards"])


class DashboardSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    description: str | None
    refresh_s: float


class DashboardLayout(DashboardSummary):
    """A dashboard as its page draws it: a grid of ``columns`` columns."""

    range_s: float
    columns: int
    variables: list[VariableSpec]
    widgets: list[WidgetSpec]


@router.get("/api/dashboards")
async def dashboards(
    context: Annotated[ApiContext, Depends(api_context)],
) -> list[DashboardSummary]:
    """Every dashboard: the SLO directory's, then the shipped ones."""
    found = await run_in_threadpool(read_dashboards, context.slos_dir)
    return [_summary(dashboard) for dashboard in found]


@router.get("/api/dashboards/{name}")
async def dashboard_layout(
    name: str, context: Annotated[ApiContext, Depends(api_context)]
) -> DashboardLayout:
    """One dashboard's layout, once its queries passed the query policy."""
    with context.sessions.take() as session:
        return await run_in_threadpool(
            _layout, session, context.sessions.catalog, context.slos_dir, name
        )


@router.get("/api/dashboards/{name}/widgets/{widget_id}", response_model=WidgetData)
async def widget(
    name: str,
    widget_id: str,
    request: Request,
    context: Annotated[ApiContext, Depends(api_context)],
) -> WidgetData:
    """One widget's data, for the variables, ``range`` and ``at`` given."""
    given = request.query_params.multi_items()
    if len(given) > MAX_QUERY_PARAMETERS:
        raise UsageError(f"more than {MAX_QUERY_PARAMETERS} query parameters")
    if len({name for name, _ in given}) != len(given):
        raise UsageError("a query parameter is given twice")
    asked = dict(request.query_params)
    dashboard = _find(await run_in_threadpool(read_dashboards, context.slos_dir), name)
    spec = dashboard.widget(widget_id)
    if spec is None:
        raise HTTPException(404, f"dashboard {name!r} has no widget {widget_id!r}")
    with context.sessions.take() as session:
        return await run_in_threadpool(
            widget_data,
            session,
            context.sessions.catalog,
            dashboard,
            spec,
            request=asked,
            now=datetime.now(UTC),
        )


def _layout(session: Store, catalog: FunctionCatalog, slos_dir: Path, name: str) -> DashboardLayout:
    dashboard = _find(read_dashboards(slos_dir), name)
    issues = check_queries([dashboard], session, catalog)
    if issues:
        raise SpecError(issues)
    spec = dashboard.spec
    return DashboardLayout(
        **_summary(dashboard).model_dump(),
        range_s=dashboard.range.total_seconds(),
        columns=GRID_COLUMNS,
        variables=list(spec.variables),
        widgets=list(spec.widgets),
    )


def _summary(dashboard: Dashboard) -> DashboardSummary:
    spec = dashboard.spec
    return DashboardSummary(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        refresh_s=dashboard.refresh.total_seconds(),
    )


def _find(found: list[Dashboard], name: str) -> Dashboard:
    for dashboard in found:
        if dashboard.spec.name == name:
            return dashboard
    raise HTTPException(404, f"no dashboard {name!r}")
