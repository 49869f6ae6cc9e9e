"""Load SLO files: native and OpenSLO v1 documents into one ``SloSet``.

``parse_spec(text, source)`` is pure: YAML with positions, then pydantic, then the
typed model; every problem becomes a ``SpecIssue`` at ``source:line:col``. ``load``
resolves OpenSLO references (``indicatorRef``, ``alertPolicyRef``, ``conditionRef``)
across all the files given and raises ``SpecError`` with every issue found.
``read_sources`` is the thin I/O layer: files, or directories of ``*.yaml``/``*.yml``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
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
from slo_engine._yaml_nodes import Document, compose_documents, dotted
from slo_engine.errors import SpecError, SpecIssue

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class OpenSloObject:
    kind: str
    name: str
    spec: Any
    document: Document
    index: int


@dataclass
class Parsed:
    """What one or more files gave: native SLOs and exclusions, OpenSLO objects, issues."""

    slos: list[Slo] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    sla: list[tuple[NativeFile, Document]] = field(default_factory=list)
    objects: list[OpenSloObject] = field(default_factory=list)
    issues: list[SpecIssue] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.slos += other.slos
        self.exclusions += other.exclusions
        self.sla += other.sla
        self.objects += other.objects
        self.issues += other.issues


def parse_spec(text: str, source: str) -> Parsed:
    """Every SLO, exclusion and OpenSLO object in ``text``, and every issue."""
    parsed = Parsed()
    documents, parsed.issues = compose_documents(text, source)
    for index, document in enumerate(documents):
        if document.data is None:
            continue
        if is_openslo(document.data):
            _parse_openslo(document, index, parsed)
        elif is_native(document.data):
            _parse_native(document, parsed)
        else:
            parsed.issues.append(document.issue((), "expected a mapping (an SLO file)"))
    return parsed


def load(sources: Mapping[str, str]) -> SloSet:
    """All SLOs of ``sources`` (name -> text); SpecError lists every problem."""
    parsed = Parsed()
    for source, text in sources.items():
        parsed.extend(parse_spec(text, source))
    parsed.slos += convert_objects(parsed.objects, parsed.issues)
    _check_unique(parsed)
    sla, sla_services = _sla_policies(parsed)
    if parsed.issues:
        raise SpecError(sorted(parsed.issues, key=lambda i: (i.source, i.line, i.column)))
    return SloSet(tuple(parsed.slos), tuple(parsed.exclusions), sla, sla_services)


def read_sources(paths: Iterable[Path]) -> dict[str, str]:
    """The text of every SLO file under ``paths``; unreadable ones are SpecErrors."""
    sources: dict[str, str] = {}
    issues = []
    for path in paths:
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


def pydantic_issues(
    document: Document, exc: pydantic.ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[SpecIssue]:
    """One issue per error, located by its cleaned ``loc``; union noise removed."""
    found: dict[tuple[str | int, ...], str] = {}
    for error in exc.errors():
        path = _clean_loc(document.data, prefix, error["loc"], error["type"])
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        found.setdefault(path, message)
    deepest = [p for p in found if not any(o != p and o[: len(p)] == p for o in found)]
    issues = []
    for path in deepest:
        line, column = document.position((*prefix, *path))
        issues.append(SpecIssue(document.source, line, column, dotted(path), found[path]))
    return issues


def _clean_loc(
    data: Any, prefix: tuple[str | int, ...], loc: Sequence[str | int], kind: str
) -> tuple[str | int, ...]:
    """The data path of a pydantic ``loc``: union member tags dropped."""
    current = data
    for part in prefix:
        current = _child(current, part)
    kept: list[str | int] = []
    for position, part in enumerate(loc):
        child = _child(current, part)
        if child is not _ABSENT:
            kept.append(part)
            current = child
        elif position == len(loc) - 1 and kind in ("missing", "extra_forbidden"):
            kept.append(part)
    return tuple(kept)


_ABSENT = object()


def _child(current: Any, part: str | int) -> Any:
    if isinstance(current, dict) and part in current:
        return current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return current[part]
    return _ABSENT


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


def _native_slo(spec: SloSpec, default_service: str | None, origin: Origin) -> Slo:
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


def _parse_openslo(document: Document, index: int, parsed: Parsed) -> None:
    try:
        envelope = Envelope.model_validate(document.data)
    except pydantic.ValidationError as exc:
        parsed.issues += pydantic_issues(document, exc)
        return
    model = SPEC_MODELS[envelope.kind]
    try:
        spec = model.model_validate(envelope.spec)
    except pydantic.ValidationError as exc:
        parsed.issues += pydantic_issues(document, exc, ("spec",))
        return
    parsed.objects.append(
        OpenSloObject(envelope.kind, envelope.metadata.name, (envelope, spec), document, index)
    )


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
