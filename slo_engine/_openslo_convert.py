"""OpenSLO objects to typed SLOs, resolving references across documents and files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pydantic

from slo_engine import _build
from slo_engine._build import Problem
from slo_engine._conventions import METHOD, ROUTE
from slo_engine._filters import to_filter
from slo_engine._model import (
    Aggregation,
    Budgeting,
    BurnWindow,
    CalendarUnit,
    Filter,
    NoDataPolicy,
    Op,
    Origin,
    Severity,
    Sli,
    SliKind,
    Slo,
    Source,
)
from slo_engine._openslo import (
    AlertConditionSpec,
    AlertPolicySpec,
    ConditionRef,
    InlinePolicy,
    MetricHolder,
    Objective,
    SliSpec,
    SloscopeSourceSpec,
    SloSpec,
)
from slo_engine._windows import calendar_unit
from slo_engine.errors import SpecIssue

if TYPE_CHECKING:
    from slo_engine._loader import OpenSloObject

_BUDGETING = {
    "Occurrences": Budgeting.OCCURRENCES,
    "Timeslices": Budgeting.TIMESLICES,
    "RatioTimeslices": Budgeting.RATIO_TIMESLICES,
}
_PAGE_SEVERITIES = {"page", "critical", "high", "p1", "sev1"}


def convert_objects(objects: Sequence[OpenSloObject], issues: list[SpecIssue]) -> list[Slo]:
    by_kind: dict[tuple[str, str], OpenSloObject] = {}
    for obj in objects:
        by_kind.setdefault((obj.kind, obj.name), obj)
    slos = []
    for obj in objects:
        if obj.kind != "SLO":
            continue
        envelope, spec = obj.spec
        try:
            slos += _slos(obj, envelope.metadata, spec, by_kind)
        except Problem as problem:
            issues.append(obj.document.issue(problem.path, problem.message))
    return slos


def _slos(
    obj: OpenSloObject, metadata: Any, spec: SloSpec, by_kind: dict[tuple[str, str], Any]
) -> list[Slo]:
    origin = Origin(obj.document.source, obj.document.position(())[0])
    window = _window(spec)
    budgeting = _BUDGETING[spec.budgetingMethod]
    burn = _burn_windows(spec, by_kind)
    annotations = metadata.annotations
    slos = []
    for index, objective in enumerate(spec.objectives):
        path: tuple[str | int, ...] = ("spec", "objectives", index)
        if objective.compositeWeight is not None or objective.indicator or objective.indicatorRef:
            raise Problem(path, "composite SLOs are not supported")
        sli_spec = _indicator(spec, by_kind)
        target = (
            objective.target
            if objective.target is not None
            else (objective.targetPercent / 100 if objective.targetPercent is not None else None)
        )
        if target is None or (objective.target is not None and objective.targetPercent is not None):
            raise Problem(path, "give exactly one of target and targetPercent")
        sli = _sli(sli_spec, objective, path)
        slice_length = timedelta(minutes=1)
        if objective.timeSliceWindow is not None:
            text = objective.timeSliceWindow
            slice_length = _build.slice_length(
                f"{text}m" if isinstance(text, int) else text, (*path, "timeSliceWindow")
            )
        elif budgeting is not Budgeting.OCCURRENCES:
            raise Problem(path, "timeSliceWindow is required with Timeslices and RatioTimeslices")
        name = (
            metadata.name
            if len(spec.objectives) == 1
            else f"{metadata.name}/{objective.displayName or index}"
        )
        slo = Slo(
            name=name,
            service=spec.service,
            sli=sli,
            objective=target,
            window=window,
            budgeting=budgeting,
            slice=slice_length,
            slice_target=objective.timeSliceTarget,
            min_events=int(annotations.get("sloscope.dev/min-events", "0") or 0),
            no_data=NoDataPolicy(annotations.get("sloscope.dev/no-data", "ignore")),
            per=tuple(
                p.strip() for p in annotations.get("sloscope.dev/per", "").split(",") if p.strip()
            ),
            burn_windows=burn,
            description=spec.description,
            origin=origin,
        )
        for problem in _build.check_slo(slo):
            raise Problem(path, problem.message)
        slos.append(slo)
    return slos


def _window(spec: SloSpec) -> Any:
    window = spec.timeWindow[0]
    path = ("spec", "timeWindow", 0)
    if window.isRolling:
        if window.calendar is not None:
            raise Problem((*path, "calendar"), "a rolling window takes no calendar")
        return _build.rolling_window(window.duration, (*path, "duration"))
    if window.calendar is None:
        raise Problem(path, "a calendar window (isRolling: false) needs calendar")
    unit = calendar_unit(window.duration)
    if unit is None:
        text = window.duration.strip()
        mapping = {"d": "day", "w": "week"}
        count = text[:-1]
        if text[-1:] in mapping and count.isdigit():
            unit = (CalendarUnit(mapping[text[-1]]), int(count))
        else:
            raise Problem((*path, "duration"), "a calendar window is a number of d, w, M, Q or Y")
    start = window.calendar.startTime
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start)
        except ValueError:
            raise Problem(
                (*path, "calendar", "startTime"), "startTime must be YYYY-MM-DD HH:MM:SS"
            ) from None
    return _build.calendar_window(
        unit[0],
        unit[1],
        window.calendar.timeZone,
        start,
        (*path, "calendar"),
        anchor_field="startTime",
    )


def _indicator(spec: SloSpec, by_kind: dict[tuple[str, str], Any]) -> SliSpec:
    if (spec.indicator is None) == (spec.indicatorRef is None):
        raise Problem(("spec",), "give exactly one of indicator and indicatorRef")
    if spec.indicator is not None:
        return spec.indicator.spec
    found = by_kind.get(("SLI", spec.indicatorRef or ""))
    if found is None:
        raise Problem(
            ("spec", "indicatorRef"), f"no SLI named {spec.indicatorRef!r} in the files given"
        )
    return found.spec[1]  # type: ignore[no-any-return]


def _source(holder: MetricHolder | None, path: tuple[str | int, ...]) -> SloscopeSourceSpec:
    if holder is None:
        raise Problem(path, "missing metricSource")
    source = holder.metricSource
    if source.type.lower() != "sloscope":
        raise Problem(
            (*path, "metricSource", "type"),
            f"metric source type {source.type!r} cannot be evaluated (use type: sloscope)",
        )
    try:
        return SloscopeSourceSpec.model_validate(source.spec)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = [p for p in first["loc"] if isinstance(p, str | int)]
        message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        raise Problem((*path, "metricSource", "spec", *loc), message) from None


def _base_filter(source: SloscopeSourceSpec) -> Filter:
    return to_filter(source.filter, {ROUTE: source.route, METHOD: source.method})


def _sli(spec: SliSpec, objective: Objective, path: tuple[str | int, ...]) -> Sli:
    sli_path: tuple[str | int, ...] = ("spec", "indicator", "spec")
    if (spec.thresholdMetric is None) == (spec.ratioMetric is None):
        raise Problem(sli_path, "give exactly one of thresholdMetric and ratioMetric")
    if spec.ratioMetric is not None:
        ratio = spec.ratioMetric
        if objective.op is not None or objective.value is not None:
            raise Problem(path, "op and value belong to threshold SLIs only")
        total = _source(ratio.total, (*sli_path, "ratioMetric", "total"))
        if ratio.good is not None:
            good = _source(ratio.good, (*sli_path, "ratioMetric", "good"))
            good_filter = to_filter(good.filter)
        elif ratio.bad is not None:
            bad = _source(ratio.bad, (*sli_path, "ratioMetric", "bad"))
            good_filter = to_filter(bad.filter, negate=True)
        else:
            raise Problem((*sli_path, "ratioMetric"), "give good or bad with total")
        return Sli(
            kind=SliKind.AVAILABILITY,
            metric=total.metric,
            source=_histogram(total),
            filter=_base_filter(total),
            good=good_filter,
        )
    source = _source(spec.thresholdMetric, (*sli_path, "thresholdMetric"))
    if objective.op is None or objective.value is None:
        raise Problem(path, "a threshold SLI needs op and value")
    op = {"lt": Op.LE, "lte": Op.LE, "gt": Op.GE, "gte": Op.GE}[objective.op]
    if source.kind == "gauge":
        return _build.gauge_sli(
            source.metric,
            _base_filter(source),
            objective.op.replace("te", "e"),
            objective.value,
            source.aggregation,
        )
    if source.kind == "health_check":
        return Sli(
            kind=SliKind.HEALTH_CHECK,
            metric=source.metric,
            source=Source.GAUGE,
            filter=_base_filter(source),
            threshold=objective.value,
            op=op,
            aggregation=Aggregation.MIN,
        )
    if op is not Op.LE:
        raise Problem((*path, "op"), "a latency objective compares with lt or lte")
    if source.kind == "latency_percentile":
        if source.percentile is None:
            raise Problem(
                (*sli_path, "thresholdMetric", "metricSource", "spec"),
                "latency_percentile needs percentile",
            )
        return Sli(
            kind=SliKind.LATENCY_PERCENTILE,
            metric=source.metric,
            source=_histogram(source),
            filter=_base_filter(source),
            threshold=objective.value,
            percentile=source.percentile / 100,
        )
    return Sli(
        kind=SliKind.LATENCY,
        metric=source.metric,
        source=_histogram(source),
        filter=_base_filter(source),
        threshold=objective.value,
    )


def _histogram(source: SloscopeSourceSpec) -> Source:
    return Source.EXPONENTIAL_HISTOGRAM if source.histogram == "exponential" else Source.HISTOGRAM


def _burn_windows(spec: SloSpec, by_kind: dict[tuple[str, str], Any]) -> tuple[BurnWindow, ...]:
    windows = []
    for index, entry in enumerate(spec.alertPolicies):
        path = ("spec", "alertPolicies", index)
        if isinstance(entry, InlinePolicy):
            policy: AlertPolicySpec = entry.spec
        else:
            name = entry if isinstance(entry, str) else entry.alertPolicyRef
            found = by_kind.get(("AlertPolicy", name))
            if found is None:
                raise Problem(path, f"no AlertPolicy named {name!r} in the files given")
            policy = found.spec[1]
        for condition in policy.conditions:
            if isinstance(condition, ConditionRef):
                found = by_kind.get(("AlertCondition", condition.conditionRef))
                if found is None:
                    raise Problem(path, f"no AlertCondition named {condition.conditionRef!r}")
                body: AlertConditionSpec = found.spec[1]
            else:
                body = condition.spec
            long = _build.duration(body.condition.lookbackWindow, (*path, "lookbackWindow"))
            severity = (
                Severity.PAGE if body.severity.lower() in _PAGE_SEVERITIES else Severity.TICKET
            )
            windows.append(BurnWindow(severity, long, long / 12, factor=body.condition.threshold))
    return tuple(windows) if windows else _build.burn_windows(None, ())
