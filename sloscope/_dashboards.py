"""Dashboards as config: read from the ``dashboards:`` section of the SLO files and
from the ones sloscope ships (``sloscope/dashboards/*.yaml``), checked like SLO files.

``parse_dashboards(text, source)`` is pure: the project's bounded YAML loader (positions,
no tags, alias and depth budgets), pydantic, then the checks pydantic cannot make (the
grid, durations, unique ids, variables); every problem a ``SpecIssue`` at file:line:col.
``check_queries`` then runs each widget's SQL through the API's query policy, on a
read-only session, exactly as ``POST /api/query`` would: a query the API would refuse is
refused here, and so is a ``{name:Type}`` parameter that is neither a variable nor one of
``BUILTIN_PARAMETERS``. A user's dashboard replaces a shipped one of the same name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Final

import pydantic

from processor.store import Store
from slo_engine import (
    Document,
    SpecError,
    SpecIssue,
    compose_documents,
    format_duration,
    parse_duration,
    pydantic_issues,
    read_sources,
)
from sloscope._dashboard_spec import GRID_COLUMNS, GRID_ROWS, DashboardSpec, WidgetSpec
from sloscope._query_policy import FunctionCatalog
from sloscope._read_query import check_query
from sloscope.errors import QueryRefused

SECTION: Final = "dashboards"
SHIPPED_PACKAGE: Final = "sloscope.dashboards"
# Bound by sloscope for every widget: the store's database and the time range asked for.
BUILTIN_PARAMETERS: Final = frozenset({"db", "start", "end", "start_ns", "end_ns", "step_s"})
# Query parameters of the widget route that are not variables.
RESERVED_NAMES: Final = BUILTIN_PARAMETERS | {"range", "at"}
REFRESH_BOUNDS: Final = (timedelta(seconds=5), timedelta(hours=1))
RANGE_BOUNDS: Final = (timedelta(minutes=1), timedelta(days=400))


@dataclass(frozen=True, slots=True)
class Dashboard:
    """A checked dashboard, and where it was written (for the errors found later)."""

    spec: DashboardSpec
    refresh: timedelta
    range: timedelta
    document: Document
    index: int

    def issue(self, path: Sequence[str | int], message: str) -> SpecIssue:
        return self.document.issue((SECTION, self.index, *path), message)

    def widget(self, widget_id: str) -> WidgetSpec | None:
        return next((w for w in self.spec.widgets if w.id == widget_id), None)


def parse_dashboards(text: str, source: str) -> tuple[list[Dashboard], list[SpecIssue]]:
    """The dashboards of one file (none when it has no ``dashboards:``), and its issues.
    YAML errors are the SLO loader's to report; they are not reported twice."""
    documents, _ = compose_documents(text, source)
    dashboards: list[Dashboard] = []
    issues: list[SpecIssue] = []
    for document in documents:
        if not isinstance(document.data, dict) or SECTION not in document.data:
            continue
        section = document.data[SECTION]
        if not isinstance(section, list):
            issues.append(document.issue((SECTION,), "expected a list of dashboards"))
            continue
        for index in range(len(section)):
            try:
                spec = DashboardSpec.model_validate(section[index])
            except pydantic.ValidationError as exc:
                issues += pydantic_issues(document, exc, (SECTION, index), (SECTION, index))
                continue
            found = _check(spec, document, index)
            if isinstance(found, Dashboard):
                dashboards.append(found)
            else:
                issues += found
    return dashboards, issues


def load_dashboards(sources: Mapping[str, str], *, shipped: bool = True) -> list[Dashboard]:
    """Every dashboard of ``sources`` (and the shipped ones); SpecError lists each issue."""
    found: list[Dashboard] = []
    issues: list[SpecIssue] = []
    for source, text in sources.items():
        dashboards, problems = parse_dashboards(text, source)
        found += dashboards
        issues += problems
    seen: dict[str, Dashboard] = {}
    for dashboard in found:
        first = seen.setdefault(dashboard.spec.name, dashboard)
        if first is not dashboard:
            line = first.document.position((SECTION, first.index))[0]
            issues.append(
                dashboard.issue(
                    ("name",),
                    f"duplicate dashboard name {dashboard.spec.name!r} "
                    f"(first at {first.document.source}:{line})",
                )
            )
    if issues:
        raise SpecError(sorted(set(issues), key=lambda i: (i.source, i.line, i.column)))
    if not shipped:
        return found
    mine = {dashboard.spec.name for dashboard in found}
    defaults = load_dashboards(shipped_sources(), shipped=False)
    return [*found, *(d for d in defaults if d.spec.name not in mine)]


def read_dashboards(slos_dir: Path) -> list[Dashboard]:
    """The dashboards of the SLO directory (when there is one) and the shipped ones."""
    return load_dashboards(read_sources([slos_dir], missing_ok=True))


def shipped_sources() -> dict[str, str]:
    """The dashboards sloscope ships, by file name."""
    folder = resources.files(SHIPPED_PACKAGE)
    return {
        f"<shipped>/{item.name}": item.read_text(encoding="utf-8")
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith(".yaml")
    }


def check_queries(
    dashboards: Iterable[Dashboard], session: Store, catalog: FunctionCatalog
) -> list[SpecIssue]:
    """Each widget's SQL through the API's query policy, on ``session``."""
    issues = []
    for dashboard in dashboards:
        variables = {variable.name for variable in dashboard.spec.variables}
        for index, widget in enumerate(dashboard.spec.widgets):
            where = ("widgets", index, "sql")
            try:
                checked = check_query(session, catalog, widget.sql, {"db": session.database})
            except QueryRefused as exc:
                issues.append(dashboard.issue(where, str(exc)))
                continue
            unknown = sorted(set(checked.parameters) - variables - BUILTIN_PARAMETERS)
            if unknown:
                issues.append(
                    dashboard.issue(
                        where,
                        f"unknown parameter {', '.join(unknown)}: declare it under variables "
                        f"or use one of {', '.join(sorted(BUILTIN_PARAMETERS))}",
                    )
                )
    return issues


def _check(spec: DashboardSpec, document: Document, index: int) -> Dashboard | list[SpecIssue]:
    """What pydantic cannot check: durations, the grid, unique ids and variables."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    refresh = _duration(spec.refresh, REFRESH_BOUNDS, ("refresh",), problems)
    span = _duration(spec.range, RANGE_BOUNDS, ("range",), problems)
    names: set[str] = set()
    for position, variable in enumerate(spec.variables):
        path = ("variables", position, "name")
        if variable.name in RESERVED_NAMES:
            problems.append((path, f"{variable.name!r} is reserved ({_listed(RESERVED_NAMES)})"))
        elif variable.name in names:
            problems.append((path, f"duplicate variable {variable.name!r}"))
        names.add(variable.name)
        if variable.options is not None and variable.default not in variable.options:
            problems.append((("variables", position, "default"), "not one of the options"))
    problems += _grid_problems(spec.widgets)
    if problems:
        return [document.issue((SECTION, index, *path), message) for path, message in problems]
    assert refresh is not None
    assert span is not None
    return Dashboard(spec, refresh, span, document, index)


def _grid_problems(widgets: Sequence[WidgetSpec]) -> list[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    taken: dict[tuple[int, int], str] = {}
    ids: set[str] = set()
    for position, widget in enumerate(widgets):
        path: tuple[str | int, ...] = ("widgets", position)
        if widget.id in ids:
            problems.append(((*path, "id"), f"duplicate widget id {widget.id!r}"))
        ids.add(widget.id)
        if widget.x + widget.w > GRID_COLUMNS:
            problems.append(((*path, "w"), f"x + w is {widget.x + widget.w}, over {GRID_COLUMNS}"))
            continue
        if widget.y + widget.h > GRID_ROWS:
            problems.append(((*path, "h"), f"y + h is {widget.y + widget.h}, over {GRID_ROWS}"))
            continue
        problems += [((*path, p), m) for p, m in _shape_problems(widget)]
        cells = [
            (x, y)
            for x in range(widget.x, widget.x + widget.w)
            for y in range(widget.y, widget.y + widget.h)
        ]
        overlap = next((taken[cell] for cell in cells if cell in taken), None)
        if overlap is not None:
            problems.append(((*path, "x"), f"overlaps widget {overlap!r}"))
        taken.update(dict.fromkeys(cells, widget.id))
    return problems


def _shape_problems(widget: WidgetSpec) -> list[tuple[str, str]]:
    if widget.type == "gauge" and (widget.min is None or widget.max is None):
        return [("max" if widget.min is not None else "min", "a gauge needs min and max")]
    if widget.type == "gauge" and widget.min is not None and widget.max is not None:
        return [("max", "max must be above min")] if widget.min >= widget.max else []
    if widget.type == "status" and widget.warning is None and widget.critical is None:
        return [("type", "a status needs a warning or a critical threshold")]
    return []


def _duration(
    text: str,
    bounds: tuple[timedelta, timedelta],
    path: tuple[str, ...],
    problems: list[tuple[tuple[str | int, ...], str]],
) -> timedelta | None:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        problems.append((path, str(exc)))
        return None
    if not bounds[0] <= value <= bounds[1]:
        problems.append(
            (path, f"must be between {format_duration(bounds[0])} and {format_duration(bounds[1])}")
        )
        return None
    return value


def _listed(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))
