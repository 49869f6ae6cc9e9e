"""A widget's data: its query run through the API's read path, shaped by its type.

The variables' values come from the request (default: each variable's default) and the
time range from ``range`` (default: the dashboard's) ending at ``at`` (default: now).
They are bound as query parameters, as text that ClickHouse reads as the type the SQL
declares (``{service:String}``, ``{start:DateTime}``); nothing is written into the SQL.
The query runs through ``run_read_query``, the same policy and read-only session as
``POST /api/query``.

Built-in parameters: ``start`` and ``end`` (DateTime, UTC), ``start_ns`` and ``end_ns``
(UInt64 nanoseconds: a point belongs to the range when ``start_ns < TimeUnixNano <=
end_ns``), ``step_s`` (a chart's step: the range over ``CHART_STEPS``, at least 10 s)
and ``db`` (the store's database).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from processor.store import Store
from slo_engine import check_instant, format_duration, parse_duration
from sloscope._dashboard_spec import MAX_VALUE_CHARS, WidgetSpec
from sloscope._dashboards import RANGE_BOUNDS, Dashboard
from sloscope._query_policy import FunctionCatalog
from sloscope._read_query import QueryAnswer, run_read_query
from sloscope.errors import UsageError

CHART_STEPS: Final = 120
MIN_STEP_S: Final = 10
SECOND_NS: Final = 1_000_000_000

Status = Literal["ok", "warning", "critical", "no_data"]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricData(_Answer):
    type: Literal["metric"] = "metric"
    value: float | None
    unit: str | None = None


class GaugeData(_Answer):
    type: Literal["gauge"] = "gauge"
    value: float | None
    min: float
    max: float
    unit: str | None = None


class StatusData(_Answer):
    type: Literal["status"] = "status"
    value: float | None
    status: Status
    unit: str | None = None


class Series(_Answer):
    name: str
    values: list[float | None]


class ChartData(_Answer):
    """The first column as ``x`` (times in ISO 8601), each further column a series."""

    type: Literal["chart"] = "chart"
    x: list[JsonValue]
    series: list[Series]
    unit: str | None = None


class TableData(_Answer):
    type: Literal["table"] = "table"
    columns: list[str]
    types: list[str]
    rows: list[list[JsonValue]]


WidgetData = Annotated[
    MetricData | GaugeData | StatusData | ChartData | TableData, Field(discriminator="type")
]


def widget_data(
    session: Store,
    catalog: FunctionCatalog,
    dashboard: Dashboard,
    widget: WidgetSpec,
    *,
    request: Mapping[str, str],
    now: datetime,
) -> MetricData | GaugeData | StatusData | ChartData | TableData:
    """Run ``widget``'s query with the request's variables and range."""
    parameters = bind_parameters(dashboard, request, now)
    answer = run_read_query(session, catalog, widget.sql, parameters)
    return shape(widget, answer)


def bind_parameters(
    dashboard: Dashboard, request: Mapping[str, str], now: datetime
) -> dict[str, str]:
    """Every parameter a widget of ``dashboard`` may use, as text; UsageError for a
    name the dashboard does not have or a value it does not allow."""
    variables = {variable.name: variable for variable in dashboard.spec.variables}
    unknown = sorted(set(request) - set(variables) - {"range", "at"})
    if unknown:
        known = ", ".join(sorted({*variables, "range", "at"}))
        raise UsageError(f"unknown parameter {', '.join(unknown)} (this dashboard has {known})")
    values: dict[str, str] = {}
    for name, variable in variables.items():
        value = request.get(name, variable.default)
        if len(value) > MAX_VALUE_CHARS:
            raise UsageError(f"{name}: longer than {MAX_VALUE_CHARS} characters")
        if variable.options is not None and value not in variable.options:
            raise UsageError(f"{name}: {value!r} is not one of {', '.join(variable.options)}")
        values[name] = value
    span = _range(request.get("range"), dashboard.range)
    end = _instant(request.get("at"), now)
    start = end - span
    step_s = max(MIN_STEP_S, int(span.total_seconds()) // CHART_STEPS)
    values.update(
        start=_clickhouse_time(start),
        end=_clickhouse_time(end),
        start_ns=str(_unix_ns(start)),
        end_ns=str(_unix_ns(end)),
        step_s=str(step_s),
    )
    return values


def shape(
    widget: WidgetSpec, answer: QueryAnswer
) -> MetricData | GaugeData | StatusData | ChartData | TableData:
    """The query's answer as the widget's type wants it."""
    if widget.type == "table":
        return TableData(columns=answer.columns, types=answer.types, rows=answer.rows)
    if widget.type == "chart":
        if len(answer.columns) < 2:
            raise UsageError(f"widget {widget.id}: a chart needs a time column and a series")
        return ChartData(
            x=[row[0] for row in answer.rows],
            series=[
                Series(name=name, values=[_number(widget, row[index]) for row in answer.rows])
                for index, name in enumerate(answer.columns[1:], start=1)
            ],
            unit=widget.unit,
        )
    if len(answer.rows) > 1:
        raise UsageError(f"widget {widget.id}: a {widget.type} shows one row, the query gave more")
    value = _number(widget, answer.rows[0][0]) if answer.rows and answer.rows[0] else None
    if widget.type == "gauge":
        assert widget.min is not None
        assert widget.max is not None
        return GaugeData(value=value, min=widget.min, max=widget.max, unit=widget.unit)
    if widget.type == "status":
        return StatusData(value=value, status=status_of(widget, value), unit=widget.unit)
    return MetricData(value=value, unit=widget.unit)


def status_of(widget: WidgetSpec, value: float | None) -> Status:
    """``critical`` past the critical threshold, ``warning`` past the warning one (at or
    below them when ``higher_is_better``), ``ok`` otherwise, ``no_data`` without a value."""
    if value is None:
        return "no_data"
    for level, threshold in (("critical", widget.critical), ("warning", widget.warning)):
        if threshold is None:
            continue
        past = value <= threshold if widget.higher_is_better else value >= threshold
        if past:
            return "critical" if level == "critical" else "warning"
    return "ok"


def _number(widget: WidgetSpec, value: JsonValue) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UsageError(f"widget {widget.id}: {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"widget {widget.id}: {value!r} is not a number") from None
    return number if math.isfinite(number) else None


def _range(text: str | None, default: timedelta) -> timedelta:
    if text is None:
        return default
    try:
        span = parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"range: {exc}") from None
    if not RANGE_BOUNDS[0] <= span <= RANGE_BOUNDS[1]:
        low, high = (format_duration(bound) for bound in RANGE_BOUNDS)
        raise UsageError(f"range: must be between {low} and {high}")
    return span


def _instant(text: str | None, now: datetime) -> datetime:
    if text is None:
        return now
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"at: {text!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    check_instant(instant, "at")
    return instant.astimezone(UTC)


def _clickhouse_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _unix_ns(instant: datetime) -> int:
    delta = instant - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * SECOND_NS + delta.microseconds * 1000
