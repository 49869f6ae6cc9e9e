"""What sloscope will compute for each SLO, for an SRE to check a file at a glance.

``sloscope slo validate --explain`` prints it: the metric and its table, the filters of
the events counted and of the good ones, the window, the budgeting method, the objective
and the alert conditions with their factors. ``--json`` gives the same as a
``ValidationReport`` document. Factors of budget-share windows depend on the SLO period:
for a calendar window they are those of the period holding ``as_of``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from slo_engine import _burn
from slo_engine._conventions import LATENCY_METRIC
from slo_engine._durations import format_duration
from slo_engine._filters import describe as describe_filter
from slo_engine._model import Budgeting, BurnWindow, Op, Sli, SliKind, Slo, SloSet, Source
from slo_engine._windows import describe as describe_window
from slo_engine._windows import evaluate
from slo_engine.errors import SpecIssue

_SYMBOLS = {Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}
_SOURCES = {
    Source.HISTOGRAM: "explicit histogram",
    Source.EXPONENTIAL_HISTOGRAM: "exponential histogram",
    Source.GAUGE: "gauge",
}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Issue(_Out):
    source: str
    line: int
    column: int
    field: str
    message: str


class ExplainedWindow(_Out):
    kind: Literal["rolling", "calendar"]
    text: str
    length_seconds: float | None
    unit: str | None
    count: int
    timezone: str
    anchor: datetime | None
    period_seconds: float


class ExplainedAlert(_Out):
    severity: str
    long_window: str
    short_window: str
    op: str
    factor: float
    budget_share: float | None
    alert_after_seconds: float


class SloExplanation(_Out):
    name: str
    service: str
    defined_at: str | None
    sli_kind: str
    metric: str
    source: str
    events: str
    good: str
    threshold: float | None
    threshold_unit: str | None
    op: str | None
    percentile: float | None
    window: ExplainedWindow
    budgeting: str
    budgeting_rule: str
    slice_seconds: float | None
    slice_target: float | None
    objective: float
    min_events: int
    no_data: str
    per: list[str]
    alerts: list[ExplainedAlert]
    notes: list[str]


class ValidationReport(_Out):
    """``sloscope slo validate --json``: the errors, the warnings, the SLOs, and with
    ``--explain`` what each SLO computes."""

    valid: bool
    errors: list[Issue]
    warnings: list[Issue]
    slos: list[str]
    explained: list[SloExplanation] = []


def report_issues(found: Iterable[SpecIssue]) -> list[Issue]:
    """Spec issues as the report's records."""
    return [
        Issue(source=i.source, line=i.line, column=i.column, field=i.field, message=i.message)
        for i in found
    ]


def explain(slo_set: SloSet, as_of: datetime) -> list[SloExplanation]:
    """Every SLO of ``slo_set`` as it will be computed (periods as of ``as_of``)."""
    return [_explain(slo, as_of) for slo in slo_set.slos]


def _explain(slo: Slo, as_of: datetime) -> SloExplanation:
    evaluated = evaluate(slo.window, as_of)
    period = evaluated.period.end - evaluated.period.start
    sli = slo.sli
    sliced = slo.budgeting is not Budgeting.OCCURRENCES
    by_aggregation = slo.budgeting is Budgeting.TIMESLICES and slo.slice_target is None
    return SloExplanation(
        name=slo.name,
        service=slo.service,
        defined_at=f"{slo.origin.source}:{slo.origin.line}" if slo.origin else None,
        sli_kind=sli.kind.value,
        metric=sli.metric,
        source=_SOURCES[sli.source],
        events=describe_filter(sli.filter),
        good=_good(sli, by_aggregation=by_aggregation),
        threshold=sli.threshold,
        threshold_unit=_unit(sli),
        op=_SYMBOLS[sli.op] if sli.threshold is not None else None,
        percentile=sli.percentile,
        window=ExplainedWindow(
            kind="rolling" if slo.window.rolling else "calendar",
            text=describe_window(slo.window),
            length_seconds=slo.window.length.total_seconds() if slo.window.length else None,
            unit=slo.window.unit.value if slo.window.unit else None,
            count=slo.window.count,
            timezone=slo.window.timezone,
            anchor=slo.window.anchor,
            period_seconds=period.total_seconds(),
        ),
        budgeting=slo.budgeting.value,
        budgeting_rule=_budgeting_rule(slo),
        slice_seconds=slo.slice.total_seconds() if sliced else None,
        slice_target=slo.slice_target if sliced else None,
        objective=slo.objective,
        min_events=slo.min_events,
        no_data=slo.no_data.value,
        per=list(slo.per),
        alerts=[_alert(window, period) for window in slo.burn_windows],
        notes=_notes(sli),
    )


def _unit(sli: Sli) -> str | None:
    if sli.threshold is None:
        return None
    if sli.kind.request_based:
        return "s" if sli.metric == LATENCY_METRIC else "the metric's unit"
    return "the metric's unit"


def _good(sli: Sli, *, by_aggregation: bool) -> str:
    """When an event is good (a slice, for percentiles, and for gauges judged by the
    aggregation of their values: time slices without a slice target)."""
    if sli.kind is SliKind.AVAILABILITY:
        return describe_filter(sli.good)
    threshold = f"{sli.threshold:g}"
    if sli.kind is SliKind.LATENCY:
        unit = " s" if _unit(sli) == "s" else ""
        return f"a request took <= {threshold}{unit}"
    if sli.kind is SliKind.LATENCY_PERCENTILE:
        assert sli.percentile is not None
        unit = " s" if _unit(sli) == "s" else ""
        return f"a slice's p{sli.percentile * 100:g} is <= {threshold}{unit}"
    if sli.kind is SliKind.HEALTH_CHECK:
        every = "every run in a slice" if by_aggregation else "a run"
        return f"{every} passed (value {_SYMBOLS[sli.op]} {threshold})"
    what = (
        f"the {sli.aggregation.value} of a slice's values" if by_aggregation else "a point's value"
    )
    return f"{what} {_SYMBOLS[sli.op]} {threshold}"


def _budgeting_rule(slo: Slo) -> str:
    events = "checks" if slo.sli.kind is SliKind.HEALTH_CHECK else "events"
    if slo.budgeting is Budgeting.OCCURRENCES:
        return f"good {events} / {events} over the window"
    size = format_duration(slo.slice)
    if slo.budgeting is Budgeting.RATIO_TIMESLICES:
        return f"the mean of the {size} slices' good ratios"
    if slo.sli.kind is SliKind.LATENCY_PERCENTILE or slo.slice_target is None:
        return f"good {size} slices / counted slices"
    return (
        f"good {size} slices / counted slices; a slice is good when at least "
        f"{slo.slice_target * 100:g}% of its {events} are good"
    )


def _alert(window: BurnWindow, period: timedelta) -> ExplainedAlert:
    return ExplainedAlert(
        severity=window.severity.value,
        long_window=format_duration(window.long),
        short_window=format_duration(window.short),
        op=_SYMBOLS[window.op],
        factor=_burn.factor(window, period),
        budget_share=window.budget_share,
        alert_after_seconds=window.alert_after.total_seconds(),
    )


def _notes(sli: Sli) -> list[str]:
    notes = []
    if sli.kind.request_based and sli.op is Op.LT:
        notes.append(
            "lt read as lte: a histogram counts requests up to each bucket bound, so a "
            "request exactly on the bound cannot be told apart"
        )
    return notes


def render_explanations(explained: list[SloExplanation]) -> str:
    """The explanations as text blocks, one per SLO."""
    return "\n\n".join(_render(one) for one in explained)


def _render(one: SloExplanation) -> str:
    rows = [
        ("service", one.service),
        ("SLI", f"{one.sli_kind}: {one.metric} ({one.source})"),
        ("events", one.events),
        ("good", one.good),
        ("window", _render_window(one.window)),
        ("budgeting", f"{one.budgeting}: {one.budgeting_rule}"),
        ("objective", f"{one.objective * 100:g}% (error budget {(1 - one.objective) * 100:.4g}%)"),
    ]
    if one.min_events:
        rows.append(("min events", str(one.min_events)))
    if one.no_data != "ignore" or one.budgeting != "occurrences":
        rows.append(("no data", one.no_data))
    if one.per:
        rows.append(("per", ", ".join(one.per)))
    for index, alert in enumerate(one.alerts):
        rows.append(("alerts" if index == 0 else "", _render_alert(alert)))
    rows += [("note", note) for note in one.notes]
    header = one.name + (f"  ({one.defined_at})" if one.defined_at else "")
    return "\n".join([header, *(f"  {label:<11}{text}" for label, text in rows)])


def _render_window(window: ExplainedWindow) -> str:
    if window.kind == "rolling":
        return f"rolling {window.text}"
    anchor = f", periods from {window.anchor.isoformat(sep=' ')}" if window.anchor else ""
    return f"{window.text}{anchor}"


def _render_alert(alert: ExplainedAlert) -> str:
    share = f" ({alert.budget_share * 100:g}% of the budget)" if alert.budget_share else ""
    after = (
        f", held {format_duration(timedelta(seconds=alert.alert_after_seconds))}"
        if alert.alert_after_seconds
        else ""
    )
    windows = f"{alert.long_window} & {alert.short_window}"
    return f"{alert.severity:<7}{windows:<11}burn rate {alert.op} {alert.factor:.3g}{share}{after}"
