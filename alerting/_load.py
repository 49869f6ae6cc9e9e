"""Load the ``alerting:`` and ``health_checks:`` sections of the SLO files.

``load_alerting(sources)`` is pure, as the SLO engine's ``load`` is: the same files, the
engine's bounded safe YAML composer and node positions, and every problem a
``SpecIssue`` at ``file:line:col`` (raised together as one ``SpecError``). Lists
(channels, routes, rules, ...) of several files add up; a setting such as ``interval``
may be given in one file only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pydantic

from alerting import _template
from alerting._config import (
    DEFAULT_GROUP_BY,
    HISTOGRAM_ONLY,
    SETTINGS,
    AlertingConfig,
    AlertingSpec,
    Inhibit,
    Level,
    Route,
    Rule,
    RuleSpec,
    SloAlerts,
    Timing,
)
from alerting._matchers import matchers
from alerting.channels import Channel
from alerting.probes import load_health_checks
from slo_engine import (
    Document,
    SpecError,
    SpecIssue,
    compose_documents,
    native_slo,
    parse_duration,
    pydantic_issues,
    to_filter,
)

Path = tuple[str | int, ...]
# Default inhibition (Alertmanager's usual first rules): a critical alert mutes the
# warnings of its service, an SLO's page mutes its ticket.
DEFAULT_INHIBIT = (
    Inhibit(matchers({"severity": "critical"}), matchers({"severity": "warning"}), ("service",)),
    Inhibit(matchers({"severity": "page"}), matchers({"severity": "ticket"}), ("slo", "service")),
)
_CHANNEL_ADAPTER = pydantic.TypeAdapter(Channel)


@dataclass
class _Found:
    issues: list[SpecIssue] = field(default_factory=list)
    settings: dict[str, tuple[str, Document, Path]] = field(default_factory=dict)
    group_by: tuple[str, ...] | None = None
    inhibit: list[Inhibit] | None = None
    channels: dict[str, Any] = field(default_factory=dict)
    channel_refs: list[tuple[str, Document, Path]] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    escalation: list[Level] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    slo_alerts: SloAlerts | None = None


def load_alerting(sources: Mapping[str, str]) -> AlertingConfig:
    """The alerting configuration of ``sources`` (name -> text); SpecError lists every
    problem. Files without the sections give the defaults and nothing to evaluate."""
    found = _Found()
    for source, text in sources.items():
        documents, issues = compose_documents(text, source)
        found.issues += issues
        for document in documents:
            if isinstance(document.data, dict):
                _section(document, found)
    try:
        health_checks = load_health_checks(sources)
    except SpecError as exc:
        found.issues += exc.issues
        health_checks = ()
    for name, document, path in found.channel_refs:
        if name not in found.channels:
            found.issues.append(document.issue(path, f"no channel named {name!r}"))
    timing = _timing(found)
    if found.issues:
        raise SpecError(sorted(set(found.issues), key=lambda i: (i.source, i.line, i.column)))
    return AlertingConfig(
        timing=timing,
        group_by=found.group_by or DEFAULT_GROUP_BY,
        channels=found.channels,
        routes=tuple(found.routes),
        inhibit=DEFAULT_INHIBIT if found.inhibit is None else tuple(found.inhibit),
        escalation=tuple(sorted(found.escalation, key=lambda level: level.after)),
        rules=tuple(found.rules.values()),
        slo_alerts=found.slo_alerts,
        health_checks=health_checks,
    )


def _section(document: Document, found: _Found) -> None:
    raw = document.data.get("alerting")
    if not isinstance(raw, dict):
        return
    root: Path = ("alerting",)
    try:
        spec = AlertingSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        found.issues += pydantic_issues(document, exc, root, root)
        return
    _settings(document, spec, found)
    for index, item in enumerate(raw.get("channels") or []):
        _channel(document, (*root, "channels", index), item, found)
    for index, route in enumerate(spec.routes):
        found.routes.append(Route(matchers(route.match), tuple(route.channels), route.continue_))
        _refs(document, (*root, "routes", index, "channels"), route.channels, found)
    for index, level in enumerate(spec.escalation):
        after = _duration(document, (*root, "escalation", index, "after"), level.after, found)
        found.escalation.append(Level(after, tuple(level.channels), matchers(level.match)))
        _refs(document, (*root, "escalation", index, "channels"), level.channels, found)
    for index, rule in enumerate(spec.rules):
        _rule(document, (*root, "rules", index), rule, raw["rules"][index], found)
    if spec.slo_alerts is not None:
        slo = spec.slo_alerts
        path = (*root, "slo_alerts")
        _refs(document, (*path, "channels"), slo.channels, found)
        _templates(document, (*path, "annotations"), slo.annotations, found)
        found.slo_alerts = SloAlerts(
            channels=tuple(slo.channels),
            slos=frozenset(slo.slos),
            burn_rate=slo.burn_rate,
            budget_below=slo.budget_below,
            budget_exhausted=slo.budget_exhausted,
            no_data=slo.no_data,
            annotations=dict(slo.annotations),
        )


def _channel(document: Document, path: Path, item: Any, found: _Found) -> None:
    try:
        channel = _CHANNEL_ADAPTER.validate_python(item)
    except pydantic.ValidationError as exc:
        found.issues += pydantic_issues(document, exc, path, path)
        return
    if channel.name in found.channels:
        found.issues.append(
            document.issue((*path, "name"), f"duplicate channel name {channel.name!r}")
        )
        return
    found.channels[channel.name] = channel


def _rule(document: Document, path: Path, spec: RuleSpec, raw: Any, found: _Found) -> None:
    if spec.name in found.rules:
        found.issues.append(document.issue((*path, "name"), f"duplicate rule name {spec.name!r}"))
        return
    source = spec.source or (
        "histogram"
        if spec.aggregation in HISTOGRAM_ONLY or spec.metric == "http.server.request.duration"
        else "points"
    )
    if source == "points" and spec.aggregation in HISTOGRAM_ONLY:
        found.issues.append(
            document.issue(
                (*path, "aggregation"), f"{spec.aggregation} needs a request histogram metric"
            )
        )
        return
    if source != "points" and spec.aggregation in ("avg", "min", "max", "sum"):
        found.issues.append(
            document.issue(
                (*path, "aggregation"),
                f"{spec.aggregation} reads gauges and sums: a histogram gives "
                "count, rate, p50, p95, p99 and error_ratio",
            )
        )
        return
    if source == "points" and (spec.good is not None or spec.bad is not None):
        found.issues.append(document.issue((*path, "good"), "good and bad apply to error_ratio"))
        return
    window = _duration(document, (*path, "window"), spec.window, found)
    hold_for = _duration(document, (*path, "for"), spec.for_, found)
    _refs(document, (*path, "channels"), spec.channels, found)
    _templates(document, (*path, "annotations"), spec.annotations, found)
    probe = None
    if source != "points":
        probe = _request_probe(document, path, spec, raw, source=source, found=found)
        if probe is None:
            return
    found.rules[spec.name] = Rule(
        name=spec.name,
        service=spec.service,
        metric=spec.metric,
        source=source,
        filter=to_filter(spec.filter),
        aggregation=spec.aggregation,
        window=window,
        op=spec.op,
        value=spec.value,
        hold_for=hold_for,
        severity=spec.severity,
        labels=dict(spec.labels),
        annotations=dict(spec.annotations),
        channels=tuple(spec.channels),
        probe=probe,
    )


def _request_probe(
    document: Document, path: Path, spec: RuleSpec, raw: Any, *, source: str, found: _Found
) -> Any:
    """The SLO, of the rule's window, that the engine measures for a histogram rule."""
    availability: dict[str, Any] = {
        "metric": spec.metric,
        "histogram": "exponential" if source == "exponential_histogram" else "explicit",
        "filter": raw.get("filter") or {},
    }
    for key in ("good", "bad"):
        if raw.get(key) is not None:
            availability[key] = raw[key]
    data = {
        "name": spec.name,
        "objective": 0.5,
        "window": spec.window,
        "sli": {"availability": availability},
        "alerting": {"windows": []},
    }
    try:
        return native_slo(data, spec.service)
    except SpecError as exc:
        for issue in exc.issues:
            where = "window" if issue.field.startswith("window") else ""
            found.issues.append(document.issue((*path, where) if where else path, issue.message))
        return None


def _refs(document: Document, path: Path, names: Sequence[str], found: _Found) -> None:
    found.channel_refs += [(name, document, (*path, i)) for i, name in enumerate(names)]


def _templates(document: Document, path: Path, templates: Mapping[str, str], found: _Found) -> None:
    for key, text in templates.items():
        problem = _template.check(text)
        if problem is not None:
            found.issues.append(document.issue((*path, key), problem))


def _duration(document: Document, path: Path, text: str, found: _Found) -> timedelta:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        found.issues.append(document.issue(path, str(exc)))
        return timedelta(0)
    if value < timedelta(0):
        found.issues.append(document.issue(path, "a duration is not negative"))
    return value


def _timing(found: _Found) -> Timing:
    values: dict[str, timedelta] = {}
    for key, (text, document, path) in found.settings.items():
        values[key] = _duration(document, path, text, found)
    timing = replace(Timing(), **values)
    if timing.interval < timedelta(seconds=1):
        where = found.settings["interval"]
        found.issues.append(where[1].issue(where[2], "the interval is at least 1s"))
    return timing


def _settings(document: Document, spec: AlertingSpec, found: _Found) -> None:
    """The section-wide settings: each given in one file only."""
    root: Path = ("alerting",)
    for key in SETTINGS:
        text = getattr(spec, key)
        if text is None:
            continue
        if key in found.settings:
            _, first, _ = found.settings[key]
            found.issues.append(
                document.issue((*root, key), f"{key} is already set in {first.source}")
            )
        else:
            found.settings[key] = (text, document, (*root, key))
    if spec.group_by is not None:
        found.group_by = tuple(spec.group_by)
    if spec.inhibit is not None:
        found.inhibit = (found.inhibit or []) + [
            Inhibit(matchers(i.source), matchers(i.target), tuple(i.equal)) for i in spec.inhibit
        ]
