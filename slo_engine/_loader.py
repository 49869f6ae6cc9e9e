"""Load SLO files: native and OpenSLO v1 documents into one ``SloSet``.

``parse_spec(text, source)`` is pure: YAML with positions, then pydantic, then the
typed model; every problem becomes a ``SpecIssue`` at ``source:line:col``. An OpenSLO
file holds objects as ``---`` documents or as a top-level list (as the Go SDK writes
them). ``load`` resolves OpenSLO references (``indicatorRef``, ``alertPolicyRef``,
``conditionRef``, ``targetRef``, ``metricSourceRef``) across all the files given and
raises ``SpecError`` with every issue found; the ``SloSet`` (or the error) carries the
warnings too.
``read_sources`` is the thin I/O layer: files, or directories of ``*.yaml``/``*.yml``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path as FilePath
from typing import Any

import pydantic

from slo_engine import _build
from slo_engine._build import Problem
from slo_engine._conventions import HEALTH_CHECK_NAME, METHOD, ROUTE
from slo_engine._filters import to_filter
from slo_engine._model import (
    DEFAULT_GOOD,
    Aggregation,
    CalendarUnit,
    Exclusion,
    Op,
    Origin,
    SlaPolicy,
    Sli,
    SliKind,
    Slo,
    SloSet,
    Source,
)
from slo_engine._native import NativeFile, SlaPolicySpec, SloSpec, is_native
from slo_engine._openslo import SPEC_MODELS, Envelope, is_openslo
from slo_engine._openslo_convert import convert_objects
from slo_engine._openslo_objects import OpenSloObject
from slo_engine._spec_issues import Findings, Where, pydantic_issues
from slo_engine._yaml_nodes import Document, Path, compose_documents
from slo_engine.errors import SpecError, SpecIssue

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass
class Parsed:
    """What one or more files gave: native SLOs and exclusions, OpenSLO objects, issues
    and warnings."""

    slos: list[Slo] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    sla: list[tuple[NativeFile, Document]] = field(default_factory=list)
    objects: list[OpenSloObject] = field(default_factory=list)
    issues: list[SpecIssue] = field(default_factory=list)
    warnings: list[SpecIssue] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.slos += other.slos
        self.exclusions += other.exclusions
        self.sla += other.sla
        self.objects += other.objects
        self.issues += other.issues
        self.warnings += other.warnings


def parse_spec(text: str, source: str) -> Parsed:
    """Every SLO, exclusion and OpenSLO object in ``text``, and every issue."""
    parsed = Parsed()
    documents, parsed.issues = compose_documents(text, source)
    for document in documents:
        if document.data is None:
            continue
        if isinstance(document.data, list):
            for index, item in enumerate(document.data):
                if is_openslo(item):
                    _parse_openslo(document, (index,), parsed)
                else:
                    parsed.issues.append(
                        document.issue((index,), "expected an OpenSLO object (apiVersion, kind)")
                    )
        elif is_openslo(document.data):
            _parse_openslo(document, (), parsed)
        elif is_native(document.data):
            _parse_native(document, parsed)
        else:
            parsed.issues.append(
                document.issue((), "expected a mapping (an SLO file) or a list of OpenSLO objects")
            )
    return parsed


def load(sources: Mapping[str, str]) -> SloSet:
    """All SLOs of ``sources`` (name -> text); SpecError lists every problem."""
    parsed = Parsed()
    for source, text in sources.items():
        parsed.extend(parse_spec(text, source))
    parsed.slos += convert_objects(parsed.objects, Findings(parsed.issues, parsed.warnings))
    _check_unique(parsed)
    sla, sla_services = _sla_policies(parsed)
    warnings = _in_order(parsed.warnings)
    if parsed.issues:
        raise SpecError(_in_order(parsed.issues), warnings)
    return SloSet(tuple(parsed.slos), tuple(parsed.exclusions), sla, sla_services, warnings)


def _in_order(issues: Iterable[SpecIssue]) -> tuple[SpecIssue, ...]:
    """Each issue once (an object is checked once, but may be named twice), by place."""
    return tuple(sorted(set(issues), key=lambda i: (i.source, i.line, i.column, i.field)))


def read_sources(paths: Iterable[FilePath], *, missing_ok: bool = False) -> dict[str, str]:
    """The text of every SLO file under ``paths``; unreadable ones are SpecErrors. With
    ``missing_ok``, a path that does not exist holds no file: a server's default SLO
    directory, absent on a first run, means no SLOs, where a path a command was given
    must exist."""
    sources: dict[str, str] = {}
    issues = []
    for path in paths:
        if missing_ok and not path.exists():
            continue
        files = sorted([*path.rglob("*.yaml"), *path.rglob("*.yml")]) if path.is_dir() else [path]
        for file in files:
            try:
                if file.stat().st_size > MAX_FILE_BYTES:
                    issues.append(SpecIssue(str(file), 1, 1, "", "file larger than 4 MiB"))
                    continue
                sources[str(file)] = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                issues.append(SpecIssue(str(file), 1, 1, "", f"cannot read: {reason}"))
    if issues:
        raise SpecError(issues)
    return sources


def _parse_native(document: Document, parsed: Parsed) -> None:
    try:
        spec = NativeFile.model_validate(document.data)
    except pydantic.ValidationError as exc:
        parsed.issues += pydantic_issues(document, exc)
        return
    for index, slo_spec in enumerate(spec.slos):
        path: tuple[str | int, ...] = ("slos", index)
        try:
            slo = _native_slo(
                slo_spec, spec.service, Origin(document.source, document.position(path)[0])
            )
        except Problem as problem:
            parsed.issues.append(document.issue((*path, *problem.path), problem.message))
            continue
        problems = _build.check_slo(slo)
        parsed.issues += [document.issue((*path, *p.path), p.message) for p in problems]
        if not problems:
            parsed.slos.append(slo)
        warning = _build.threshold_warning(slo.sli)
        if warning is not None:
            kind = slo.sli.kind.value
            parsed.warnings.append(document.issue((*path, "sli", kind, "threshold"), warning))
    for key, kind in (("maintenance", "maintenance"), ("corrections", "correction")):
        for index, item in enumerate(getattr(spec, key)):
            try:
                parsed.exclusions.append(
                    _build.exclusion(
                        name=item.name,
                        start=item.start,
                        duration_text=item.duration,
                        end=item.end,
                        zone=item.timezone,
                        rule=item.rrule,
                        kind=kind,
                        reason=item.reason,
                        services=item.services,
                        slos=item.slos,
                        path=(),
                    )
                )
            except Problem as problem:
                parsed.issues.append(document.issue((key, index, *problem.path), problem.message))
    if spec.sla is not None:
        parsed.sla.append((spec, document))


def native_slo(data: Mapping[str, Any], service: str) -> Slo:
    """One SLO from its native form (a mapping as under ``slos:``), for a caller that
    builds an SLO rather than reads one: the alerting package measures its threshold
    rules over request histograms as SLOs of the rule's window, so the good/bad rules,
    windows and quantiles are the engine's own. ``SpecError`` lists what is wrong."""
    document = Document("<built>", dict(data))
    try:
        spec = SloSpec.model_validate(document.data)
        slo = _native_slo(spec, service, None)
    except pydantic.ValidationError as exc:
        raise SpecError(pydantic_issues(document, exc)) from None
    except Problem as problem:
        raise SpecError([document.issue(problem.path, problem.message)]) from None
    problems = _build.check_slo(slo)
    if problems:
        raise SpecError([document.issue(p.path, p.message) for p in problems])
    return slo


def _native_slo(spec: SloSpec, default_service: str | None, origin: Origin | None) -> Slo:
    service = spec.service or default_service
    if service is None:
        raise Problem(("service",), "no service: set it on the SLO or at the top of the file")
    if (spec.objective is None) == (spec.objective_percent is None):
        raise Problem(("objective",), "give exactly one of objective and objective_percent")
    objective = spec.objective if spec.objective is not None else spec.objective_percent / 100  # type: ignore[operator]
    if isinstance(spec.window, str):
        window = _build.rolling_window(spec.window, ("window",))
    else:
        window = _build.calendar_window(
            CalendarUnit(spec.window.calendar),
            spec.window.count,
            spec.window.timezone,
            spec.window.start,
            ("window",),
        )
    return Slo(
        name=spec.name,
        service=service,
        sli=_native_sli(spec),
        objective=objective,
        window=window,
        budgeting=_build.budgeting(spec.budgeting),
        slice=_build.slice_length(spec.slice, ("slice",)),
        slice_target=spec.slice_target,
        min_events=spec.min_events,
        no_data=_build.no_data(spec.no_data),
        per=tuple(spec.per),
        burn_windows=_build.burn_windows(
            None
            if isinstance(spec.alerting.windows, str)
            else [
                (w.severity, w.long, w.short, w.budget_share, w.factor)
                for w in spec.alerting.windows
            ],
            ("alerting", "windows"),
        ),
        description=spec.description,
        origin=origin,
    )


def _native_sli(spec: SloSpec) -> Sli:
    given = [name for name in type(spec.sli).model_fields if getattr(spec.sli, name) is not None]
    if len(given) != 1:
        raise Problem(
            ("sli",),
            "give exactly one of availability, latency, latency_percentile, gauge, health_check",
        )
    kind = SliKind(given[0])
    body = getattr(spec.sli, given[0])
    path = ("sli", given[0])
    if kind is SliKind.GAUGE:
        return _build.gauge_sli(
            body.metric, to_filter(body.filter), body.op, body.threshold, body.aggregation
        )
    if kind is SliKind.HEALTH_CHECK:
        extra = {HEALTH_CHECK_NAME: body.check} if body.check else {}
        return Sli(
            kind=kind,
            metric=body.metric,
            source=Source.GAUGE,
            filter=to_filter(body.filter, extra),
            threshold=1.0,
            op=Op.GE,
            aggregation=Aggregation.MIN,
        )
    source = Source.EXPONENTIAL_HISTOGRAM if body.histogram == "exponential" else Source.HISTOGRAM
    base = to_filter(body.filter, {ROUTE: body.route, METHOD: body.method})
    if kind is SliKind.AVAILABILITY:
        if body.good is not None and body.bad is not None:
            raise Problem(path, "give at most one of good and bad")
        if body.bad is not None:
            good = to_filter(body.bad, negate=True)
        elif body.good is not None:
            good = to_filter(body.good)
        else:
            good = DEFAULT_GOOD
        return Sli(kind=kind, metric=body.metric, source=source, filter=base, good=good)
    threshold = _build.threshold_seconds(body.threshold, (*path, "threshold"))
    percentile = body.percentile / 100 if kind is SliKind.LATENCY_PERCENTILE else None
    return Sli(
        kind=kind,
        metric=body.metric,
        source=source,
        filter=base,
        threshold=threshold,
        percentile=percentile,
    )


def _parse_openslo(document: Document, root: Path, parsed: Parsed) -> None:
    """One OpenSLO object at ``root`` (``()``, or its index in a top-level list)."""
    where = Where(document, root)
    data = document.data
    for part in root:
        data = data[part]
    try:
        envelope = Envelope.model_validate(data)
    except pydantic.ValidationError as exc:
        parsed.issues += where.pydantic_issues(exc)
        return
    try:
        spec = SPEC_MODELS[envelope.kind].model_validate(envelope.spec)
    except pydantic.ValidationError as exc:
        parsed.issues += where.inner("spec").pydantic_issues(exc)
        return
    parsed.objects.append(OpenSloObject(envelope.kind, envelope.metadata, spec, where))


def _check_unique(parsed: Parsed) -> None:
    seen: dict[str, Slo] = {}
    for slo in parsed.slos:
        first = seen.setdefault(slo.name, slo)
        if first is not slo and slo.origin is not None and first.origin is not None:
            parsed.issues.append(
                SpecIssue(
                    slo.origin.source,
                    slo.origin.line,
                    1,
                    "name",
                    f"duplicate SLO name {slo.name!r} "
                    f"(first at {first.origin.source}:{first.origin.line})",
                )
            )


def _sla_policies(parsed: Parsed) -> tuple[SlaPolicy, tuple[tuple[str, SlaPolicy], ...]]:
    base = SlaPolicy()
    services: dict[str, SlaPolicySpec] = {}
    for spec, document in parsed.sla:
        assert spec.sla is not None
        try:
            base = _policy(base, spec.sla)
        except Problem as problem:
            parsed.issues.append(document.issue(("sla", *problem.path), problem.message))
        services.update(spec.sla.services)
    built = []
    for name, override in services.items():
        try:
            built.append((name, _policy(base, override)))
        except Problem as problem:  # pragma: no cover - same checks as the base above
            parsed.issues.append(SpecIssue("sla", 1, 1, f"sla.services.{name}", problem.message))
    return base, tuple(built)


def _policy(base: SlaPolicy, spec: SlaPolicySpec) -> SlaPolicy:
    changes: dict[str, Any] = {
        name: getattr(spec, name)
        for name in ("objective", "error_ratio_threshold", "min_requests", "silence_is_down")
        if getattr(spec, name) is not None
    }
    if spec.incident_gap is not None:
        changes["incident_gap"] = _build.duration(spec.incident_gap, ("incident_gap",))
    if spec.good is not None:
        changes["good"] = to_filter(spec.good)
    return replace(base, **changes)
