"""OpenSLO objects to typed SLOs, references resolved across documents and files.

Every object is checked once, where it is written: AlertConditions, then AlertPolicies
(which name conditions and notification targets), then SLIs, then SLOs (which name SLIs
and policies). Every problem is reported, not the first: an SLO whose metric source
sloscope cannot evaluate still has its window, objectives and alert policies checked.
An SLO with several objectives becomes one SLO per objective (``name/displayName``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from slo_engine import _build
from slo_engine._build import Problem
from slo_engine._model import (
    Budgeting,
    BurnWindow,
    CalendarUnit,
    NoDataPolicy,
    Op,
    Origin,
    Sli,
    Slo,
    Window,
)
from slo_engine._openslo import (
    InlinePolicy,
    Metadata,
    Objective,
    SloSpec,
    TimeWindow,
    duration_text,
)
from slo_engine._openslo_alerts import OPS, Windows, condition_window, policy_windows
from slo_engine._openslo_objects import Catalog, OpenSloObject
from slo_engine._openslo_sli import Indicator, indicator
from slo_engine._spec_issues import Findings, Where

DEFAULT_WINDOW = "30d"
ANNOTATION_PREFIX = "sloscope.dev/"
_BUDGETING = {
    "Occurrences": Budgeting.OCCURRENCES,
    "Timeslices": Budgeting.TIMESLICES,
    "RatioTimeslices": Budgeting.RATIO_TIMESLICES,
}
_CALENDAR_UNITS = {
    "d": CalendarUnit.DAY,
    "w": CalendarUnit.WEEK,
    "M": CalendarUnit.MONTH,
    "Q": CalendarUnit.QUARTER,
    "Y": CalendarUnit.YEAR,
}
# check_slo's native field names, as OpenSLO names them (objective-relative or spec-relative)
_NATIVE_FIELDS = {
    "budgeting": ("spec", ("budgetingMethod",)),
    "slice_target": ("objective", ("timeSliceTarget",)),
    "slice": ("objective", ("timeSliceWindow",)),
    "sli": ("objective", ("value",)),
}


@dataclass(frozen=True, slots=True)
class _Resolved:
    """Every referable object, converted once (``None``: its problems were reported)."""

    catalog: Catalog
    policies: dict[str, Windows | None]
    conditions: dict[str, BurnWindow | None]
    indicators: dict[str, Indicator]


@dataclass(frozen=True, slots=True)
class _Settings:
    """What OpenSLO has no field for, from ``sloscope.dev/`` annotations."""

    min_events: int = 0
    no_data: NoDataPolicy = NoDataPolicy.IGNORE
    per: tuple[str, ...] = ()


def convert_objects(objects: Sequence[OpenSloObject], findings: Findings) -> list[Slo]:
    """The SLOs of ``objects``; every problem of every object goes to ``findings``."""
    catalog = Catalog(objects, findings)
    conditions = {
        obj.name: condition_window(obj.spec, obj.where.inner("spec"), findings)
        for obj in catalog.of_kind("AlertCondition")
    }
    policies = {
        obj.name: policy_windows(obj.spec, obj.where.inner("spec"), conditions, catalog, findings)
        for obj in catalog.of_kind("AlertPolicy")
    }
    indicators = {
        obj.name: indicator(obj.spec, obj.where.inner("spec"), catalog, findings)
        for obj in catalog.of_kind("SLI")
    }
    resolved = _Resolved(catalog, policies, conditions, indicators)
    return [slo for obj in catalog.of_kind("SLO") for slo in _slos(obj, resolved, findings)]


def _slos(obj: OpenSloObject, resolved: _Resolved, findings: Findings) -> list[Slo]:
    spec: SloSpec = obj.spec
    where = obj.where.inner("spec")
    window = _window(spec.timeWindow, where, findings)
    found = _indicator(spec, where, resolved, findings)
    burn = _burn_windows(spec, where, resolved, findings)
    settings = _settings(obj.metadata, obj.where.inner("metadata", "annotations"), findings)
    slos = []
    for index, objective in enumerate(spec.objectives):
        at = where.inner("objectives", index)
        sli = _objective_sli(found, objective, at, findings)
        slice_length = _slice(spec, objective, at, findings)
        target = _target(objective, at, findings)
        if (
            window is None
            or sli is None
            or burn is None
            or settings is None
            or slice_length is None
            or target is None
        ):
            continue
        name, defined = obj.name, obj.where
        if len(spec.objectives) > 1:
            name, defined = f"{obj.name}/{objective.displayName or index}", at
        slo = Slo(
            name=name,
            service=spec.service,
            sli=sli,
            objective=target,
            window=window,
            budgeting=_BUDGETING[spec.budgetingMethod],
            slice=slice_length,
            slice_target=objective.timeSliceTarget,
            min_events=settings.min_events,
            no_data=settings.no_data,
            per=settings.per,
            burn_windows=burn,
            description=spec.description,
            origin=Origin(defined.source, defined.line),
        )
        problems = _build.check_slo(slo)
        for problem in problems:
            scope, path = _NATIVE_FIELDS[str(problem.path[0])]
            findings.error(at if scope == "objective" else where, path, problem.message)
        if not problems:
            slos.append(slo)
    return slos


def _window(windows: list[TimeWindow] | None, where: Where, findings: Findings) -> Window | None:
    """The SLO window; without ``timeWindow``, sloscope's default (rolling 30 days)."""
    if windows is None:
        return _build.rolling_window(DEFAULT_WINDOW, ())
    window = windows[0]
    at = where.inner("timeWindow", 0)
    count, unit = int(window.duration[:-1]), window.duration[-1]
    try:
        if count == 0:
            raise Problem(("duration",), "a window must be longer than zero")
        if window.isRolling:
            if window.calendar is not None:
                raise Problem(("calendar",), "a rolling window (isRolling: true) takes no calendar")
            return _build.rolling_window(duration_text(window.duration), ("duration",))
        return _calendar(window, count, unit)
    except Problem as problem:
        findings.error(at, problem.path, problem.message)
        return None


def _calendar(window: TimeWindow, count: int, unit: str) -> Window:
    if window.calendar is None:
        raise Problem(
            (),
            "a calendar window (isRolling: false, the default) needs calendar "
            "{startTime, timeZone}; for a rolling window write isRolling: true",
        )
    if unit not in _CALENDAR_UNITS:
        plural = "" if count == 1 else "s"
        meaning = f"{count} {'minute' if unit == 'm' else 'hour'}{plural}"
        hint = f"; {count} month{plural} is {count}M" if unit == "m" else ""
        raise Problem(
            ("duration",),
            "a calendar window is whole days (d), weeks (w), months (M), quarters (Q) or "
            f"years (Y): {window.duration!r} is {meaning}{hint}",
        )
    start = window.calendar.startTime
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start)
        except ValueError:
            raise Problem(
                ("calendar", "startTime"), "startTime must be YYYY-MM-DD HH:MM:SS"
            ) from None
    return _build.calendar_window(
        _CALENDAR_UNITS[unit],
        count,
        window.calendar.timeZone,
        start,
        ("calendar",),
        anchor_field="startTime",
    )


def _indicator(
    spec: SloSpec, where: Where, resolved: _Resolved, findings: Findings
) -> Indicator | None:
    if spec.indicator is not None and spec.indicatorRef is not None:
        findings.error(where, ("indicatorRef",), "give one of indicator and indicatorRef, not both")
        return None
    if spec.indicator is not None:
        return indicator(
            spec.indicator.spec, where.inner("indicator", "spec"), resolved.catalog, findings
        )
    if spec.indicatorRef is not None:
        found = resolved.indicators.get(spec.indicatorRef)
        if found is None:
            findings.error(
                where, ("indicatorRef",), f"no SLI named {spec.indicatorRef!r} in the files given"
            )
        return found
    if not any(o.indicator or o.indicatorRef for o in spec.objectives):
        findings.error(where, (), "give indicator or indicatorRef")
    return None


def _objective_sli(
    found: Indicator | None, objective: Objective, at: Where, findings: Findings
) -> Sli | None:
    """The SLI an objective judges: a threshold metric's comes with ``op`` and ``value``."""
    if objective.indicator or objective.indicatorRef or objective.compositeWeight is not None:
        findings.error(
            at,
            (),
            "composite SLOs (an indicator per objective) are not supported: "
            "give the SLO one indicator",
        )
        return None
    if found is None:
        return None
    if found.ratio:
        given = [name for name in ("op", "value") if getattr(objective, name) is not None]
        if given:
            findings.warn(
                at,
                (given[0],),
                f"{' and '.join(given)} ignored on a ratio SLI: OpenSLO needs op and value "
                "only with a thresholdMetric (a ratio's events are good or bad by its good "
                "or bad metric)",
            )
        return found.sli
    missing = [name for name in ("op", "value") if getattr(objective, name) is None]
    for name in missing:
        findings.error(at, (name,), f"a thresholdMetric's objective needs {name}")
    if missing or found.sli is None:
        return None
    assert objective.op is not None
    assert objective.value is not None
    op = OPS[objective.op]
    if found.sli.kind.request_based and op not in (Op.LT, Op.LE):
        findings.error(at, ("op",), "a latency objective is met at or below its value: lt or lte")
        return None
    sli = replace(found.sli, threshold=objective.value, op=op)
    warning = _build.threshold_warning(sli)
    if warning is not None:
        findings.warn(at, ("value",), warning)
    return sli


def _target(objective: Objective, at: Where, findings: Findings) -> float | None:
    if (objective.target is None) == (objective.targetPercent is None):
        findings.error(at, (), "give exactly one of target and targetPercent")
        return None
    if objective.target is not None:
        return objective.target
    assert objective.targetPercent is not None
    return objective.targetPercent / 100


def _slice(spec: SloSpec, objective: Objective, at: Where, findings: Findings) -> timedelta | None:
    """The time slice: required with Timeslices (with timeSliceTarget) and RatioTimeslices."""
    method = spec.budgetingMethod
    text = objective.timeSliceWindow
    missing = [] if text is not None else ["timeSliceWindow"]
    if method == "Timeslices" and objective.timeSliceTarget is None:
        missing.append("timeSliceTarget")
    if method == "Occurrences":
        names = ("timeSliceWindow", "timeSliceTarget")
        given = [name for name in names if getattr(objective, name) is not None]
        if given:
            message = f"{' and '.join(given)} ignored with Occurrences budgeting"
            findings.warn(at, (given[0],), message)
        return timedelta(minutes=1)
    for name in missing:
        findings.error(at, (name,), f"{method} budgeting needs {name}")
    if text is None:
        return None
    if isinstance(text, str) and text[-1] in "MQY":
        findings.error(at, ("timeSliceWindow",), "a time slice is minutes, hours, days or weeks")
        return None
    try:
        text = f"{text}m" if isinstance(text, int) else text
        length = _build.slice_length(text, ("timeSliceWindow",))
    except Problem as problem:
        findings.error(at, problem.path, problem.message)
        return None
    return None if missing else length


def _burn_windows(
    spec: SloSpec, where: Where, resolved: _Resolved, findings: Findings
) -> Windows | None:
    """The windows of every alert policy, or the default catalogue without any."""
    if not spec.alertPolicies:
        return _build.burn_windows(None, ())
    windows: list[BurnWindow] = []
    complete = True
    for index, entry in enumerate(spec.alertPolicies):
        at = where.inner("alertPolicies", index)
        if isinstance(entry, InlinePolicy):
            found = policy_windows(
                entry.spec, at.inner("spec"), resolved.conditions, resolved.catalog, findings
            )
        else:
            if entry.alertPolicyRef not in resolved.policies:
                findings.error(
                    at,
                    ("alertPolicyRef",),
                    f"no AlertPolicy named {entry.alertPolicyRef!r} in the files given",
                )
            found = resolved.policies.get(entry.alertPolicyRef)
        complete = complete and found is not None
        windows += found or ()
    return tuple(windows) if complete else None


def _settings(metadata: Metadata, where: Where, findings: Findings) -> _Settings | None:
    """``sloscope.dev/min-events``, ``/no-data`` and ``/per``; an unknown one is a typo."""
    values = {
        key.removeprefix(ANNOTATION_PREFIX): (key, value)
        for key, value in metadata.annotations.items()
        if key.startswith(ANNOTATION_PREFIX)
    }
    settings = _Settings()
    problems = 0
    for name, (key, value) in values.items():
        try:
            settings = _setting(settings, name, value.strip())
        except ValueError as exc:
            findings.error(where, (key,), str(exc))
            problems += 1
    return None if problems else settings


def _setting(settings: _Settings, name: str, value: str) -> _Settings:
    if name == "min-events":
        if not value.isdigit():
            raise ValueError(f"min-events is a whole number of events, not {value!r}")
        return replace(settings, min_events=int(value))
    if name == "no-data":
        if value not in {policy.value for policy in NoDataPolicy}:
            raise ValueError(f"no-data is good, bad or ignore, not {value!r}")
        return replace(settings, no_data=NoDataPolicy(value))
    if name == "per":
        per = tuple(part.strip() for part in value.split(",") if part.strip())
        if len(per) > 4 or any(len(part) > 256 for part in per):
            raise ValueError("per names at most 4 attributes, comma-separated")
        return replace(settings, per=per)
    raise ValueError(
        f"unknown sloscope annotation {ANNOTATION_PREFIX}{name} (known: min-events, no-data, per)"
    )
