"""What a dashboard file says (the product spec's PerformanceDashboard), as written.

Dashboards sit in the SLO files, under a top-level ``dashboards:`` list (the SLO engine
lets the section through; ``sloscope._dashboards`` reads it), so one directory and one
``sloscope slo validate`` cover both. A dashboard is a grid of ``GRID_COLUMNS`` columns;
each widget is placed at (x, y) with a width and height in cells and runs one read-only
query of the store. Variables are the dashboard's filters: their values are bound as
query parameters (``{service:String}``), never written into the SQL.

Every field is bounded: names, texts, counts, the grid and the SQL's length.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

GRID_COLUMNS: Final = 12
GRID_ROWS: Final = 100
MAX_WIDGETS: Final = 50
MAX_VARIABLES: Final = 10
MAX_SQL_CHARS: Final = 10_000
MAX_VALUE_CHARS: Final = 256

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
VariableName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Value = Annotated[str, Field(max_length=MAX_VALUE_CHARS)]
WidgetType = Literal["metric", "chart", "table", "gauge", "status"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariableSpec(_Strict):
    """A filter: its value comes from the request (``?name=value``) or the default."""

    name: VariableName
    label: Text | None = None
    default: Value = ""
    options: Annotated[list[Value], Field(max_length=100)] | None = None


class WidgetSpec(_Strict):
    """One query shown one way. ``metric``, ``gauge`` and ``status`` show the first
    column of the query's single row; ``chart`` takes the first column as time and each
    further column as a series; ``table`` shows the rows as they come."""

    id: Name
    type: WidgetType
    title: Text
    sql: Annotated[str, Field(min_length=1, max_length=MAX_SQL_CHARS)]
    x: Annotated[int, Field(ge=0, lt=GRID_COLUMNS)]
    y: Annotated[int, Field(ge=0, lt=GRID_ROWS)]
    w: Annotated[int, Field(ge=1, le=GRID_COLUMNS)]
    h: Annotated[int, Field(ge=1, le=20)]
    unit: Annotated[str, Field(max_length=20)] | None = None
    min: float | None = None
    max: float | None = None
    warning: float | None = None
    critical: float | None = None
    higher_is_better: bool = False


class DashboardSpec(_Strict):
    name: Name
    title: Text
    description: Annotated[str, Field(max_length=2000)] | None = None
    refresh: Annotated[str, Field(max_length=20)] = "30s"
    range: Annotated[str, Field(max_length=20)] = "1h"
    variables: Annotated[list[VariableSpec], Field(max_length=MAX_VARIABLES)] = []
    widgets: Annotated[list[WidgetSpec], Field(min_length=1, max_length=MAX_WIDGETS)]
