"""OpenSLO SLIs to typed SLIs: metric sources, ratio metrics and threshold metrics.

A metric source sloscope can evaluate has ``type: sloscope`` (given, or the type of the
DataSource its ``metricSourceRef`` names); its ``spec`` holds the native format's fields.
Any other type is refused for that reason, by name, after the rest of the SLI was
checked. In a ratio, ``total`` names the series counted and ``good`` (or ``bad``) a filter
on them: its ``route``, ``method`` and ``filter`` select the good (bad) series, and it
cannot name another metric, histogram or kind: nothing a source says is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pydantic

from slo_engine._conventions import HEALTH_CHECK_METRIC, HEALTH_CHECK_NAME, METHOD, ROUTE
from slo_engine._filters import to_filter
from slo_engine._model import Aggregation, Filter, Op, Sli, SliKind, Source
from slo_engine._openslo import (
    MetricHolder,
    MetricSource,
    RatioMetric,
    SliSpec,
    SloscopeSourceSpec,
)
from slo_engine._openslo_objects import Catalog
from slo_engine._spec_issues import Findings, Where

SLOSCOPE_TYPE = "sloscope"
_THRESHOLD_ONLY = ("kind", "percentile", "aggregation", "check")
_KINDS = {
    "latency": SliKind.LATENCY,
    "latency_percentile": SliKind.LATENCY_PERCENTILE,
    "gauge": SliKind.GAUGE,
    "health_check": SliKind.HEALTH_CHECK,
}


@dataclass(frozen=True, slots=True)
class Indicator:
    """What an SLI object says: a ratio or a threshold metric, and the typed SLI when
    sloscope can evaluate it (``None`` once the reason was reported). A threshold SLI
    has no threshold yet: the SLO's objective gives ``op`` and ``value``."""

    ratio: bool
    sli: Sli | None


def indicator(spec: SliSpec, where: Where, catalog: Catalog, findings: Findings) -> Indicator:
    """The SLI of ``spec`` (an SLI's ``spec``, at ``where``); problems go to ``findings``."""
    if (spec.thresholdMetric is None) == (spec.ratioMetric is None):
        findings.error(where, (), "give exactly one of thresholdMetric and ratioMetric")
        return Indicator(ratio=spec.ratioMetric is not None, sli=None)
    if spec.ratioMetric is not None:
        ratio = _ratio(spec.ratioMetric, where.inner("ratioMetric"), catalog, findings)
        return Indicator(True, ratio)
    assert spec.thresholdMetric is not None
    return Indicator(
        False, _threshold(spec.thresholdMetric, where.inner("thresholdMetric"), catalog, findings)
    )


def _ratio(ratio: RatioMetric, where: Where, catalog: Catalog, findings: Findings) -> Sli | None:
    shape_ok = _ratio_shape(ratio, where, findings)
    sources = {
        name: _source(holder, where.inner(name), catalog, findings)
        for name, holder in (
            ("total", ratio.total),
            ("good", ratio.good),
            ("bad", ratio.bad),
            ("raw", ratio.raw),
        )
        if holder is not None
    }
    if ratio.raw is not None:
        findings.error(
            where,
            ("raw",),
            "sloscope cannot evaluate a raw (precomputed) ratio: it counts good and total "
            "events itself; give total with good or bad",
        )
        return None
    total = sources.get("total")
    part = "good" if ratio.good is not None else "bad"
    selector = sources.get(part)
    if not shape_ok or total is None or selector is None:
        return None
    if not _selects_from(total, selector, where, part, findings):
        return None
    good = _filter(selector)
    return Sli(
        kind=SliKind.AVAILABILITY,
        metric=total.metric,
        source=_histogram(total),
        filter=_filter(total),
        good=good if part == "good" else Filter(good.conditions, negate=True),
    )


def _ratio_shape(ratio: RatioMetric, where: Where, findings: Findings) -> bool:
    """The spec's rules: total or raw; with total exactly one of good and bad; with raw,
    rawType and neither good nor bad."""
    problems: list[tuple[tuple[str, ...], str]] = []
    if (ratio.total is None) == (ratio.raw is None):
        problems.append(((), "give total (with good or bad) or raw (with rawType), not both"))
    if ratio.total is not None and (ratio.good is None) == (ratio.bad is None):
        problems.append(((), "give exactly one of good and bad with total"))
    if ratio.raw is not None and (ratio.good is not None or ratio.bad is not None):
        problems.append(((), "raw is a whole ratio: it takes no good or bad"))
    if ratio.raw is not None and ratio.rawType is None:
        problems.append((("rawType",), "raw needs rawType: success or failure"))
    for path, message in problems:
        findings.error(where, path, message)
    return not problems


def _selects_from(
    total: SloscopeSourceSpec,
    selector: SloscopeSourceSpec,
    where: Where,
    part: str,
    findings: Findings,
) -> bool:
    """``good``/``bad`` filter the series of ``total``: the same metric and histogram."""
    at = where.inner(part, "metricSource", "spec")
    ok = True
    for name in ("metric", "histogram"):
        if name in selector.model_fields_set and getattr(selector, name) != getattr(total, name):
            findings.error(
                at,
                (name,),
                f"{part} selects series of total's {name} ({getattr(total, name)}): "
                f"{part} events of another {name} cannot be counted against it",
            )
            ok = False
    return ok


def _threshold(
    holder: MetricHolder, where: Where, catalog: Catalog, findings: Findings
) -> Sli | None:
    source = _source(holder, where, catalog, findings, threshold=True)
    if source is None:
        return None
    kind = _KINDS[source.kind]
    problems = _threshold_problems(source, kind)
    for name, message in problems:
        findings.error(where.inner("metricSource", "spec"), (name,), message)
    if problems:
        return None
    if kind is SliKind.GAUGE:
        return Sli(kind=kind, metric=source.metric, source=Source.GAUGE, filter=_filter(source))
    if kind is SliKind.HEALTH_CHECK:
        metric = source.metric if "metric" in source.model_fields_set else HEALTH_CHECK_METRIC
        shorthands = {HEALTH_CHECK_NAME: source.check, ROUTE: source.route, METHOD: source.method}
        return Sli(
            kind=kind,
            metric=metric,
            source=Source.GAUGE,
            filter=to_filter(source.filter, shorthands),
            op=Op.GE,
            aggregation=Aggregation.MIN,
        )
    return Sli(
        kind=kind,
        metric=source.metric,
        source=_histogram(source),
        filter=_filter(source),
        percentile=source.percentile / 100 if source.percentile is not None else None,
    )


def _threshold_problems(source: SloscopeSourceSpec, kind: SliKind) -> list[tuple[str, str]]:
    """Fields of another kind (never silently dropped) and what a kind needs."""
    latency = {SliKind.LATENCY, SliKind.LATENCY_PERCENTILE}
    owners = (
        ("percentile", "latency_percentile", {SliKind.LATENCY_PERCENTILE}),
        ("check", "health_check", {SliKind.HEALTH_CHECK}),
        ("histogram", "latency and latency_percentile", latency),
    )
    problems = [
        (name, f"{name} belongs to kind {owner}, not {source.kind}")
        for name, owner, kinds in owners
        if name in source.model_fields_set and kind not in kinds
    ]
    if "aggregation" in source.model_fields_set:
        problems.append(
            (
                "aggregation",
                "aggregation is never used in OpenSLO: Timeslices needs timeSliceTarget, so "
                "a slice is judged by its share of good points (occurrences count points)",
            )
        )
    if kind is SliKind.LATENCY_PERCENTILE and source.percentile is None:
        problems.append(("kind", "kind latency_percentile needs percentile"))
    if kind is SliKind.GAUGE and "metric" not in source.model_fields_set:
        problems.append(("kind", "a gauge SLI names its metric"))
    return problems


def _source(
    holder: MetricHolder,
    where: Where,
    catalog: Catalog,
    findings: Findings,
    *,
    threshold: bool = False,
) -> SloscopeSourceSpec | None:
    """The ``spec`` of a metric source of type sloscope; any other type is refused by name."""
    at = where.inner("metricSource")
    if not _evaluable(holder.metricSource, at, catalog, findings):
        return None
    try:
        spec = SloscopeSourceSpec.model_validate(holder.metricSource.spec)
    except pydantic.ValidationError as exc:
        findings.issues.extend(at.inner("spec").pydantic_issues(exc))
        return None
    misplaced = [] if threshold else [n for n in _THRESHOLD_ONLY if n in spec.model_fields_set]
    for name in misplaced:
        findings.error(at.inner("spec"), (name,), f"{name} belongs to a thresholdMetric's source")
    return None if misplaced else spec


def _evaluable(source: MetricSource, at: Where, catalog: Catalog, findings: Findings) -> bool:
    """Whether the source's type (given, or its DataSource's) is sloscope's; else why not."""
    kind, data_source = source.type, None
    if source.metricSourceRef is not None:
        found = catalog.find("DataSource", source.metricSourceRef)
        if found is None and kind is None:
            findings.error(
                at,
                ("metricSourceRef",),
                f"no DataSource named {source.metricSourceRef!r} in the files given "
                "(without type, the metric source's type is the DataSource's)",
            )
            return False
        if found is not None and kind is not None and kind.lower() != found.spec.type.lower():
            findings.error(
                at,
                ("type",),
                f"type {kind!r} differs from the type of DataSource "
                f"{source.metricSourceRef!r} ({found.spec.type!r})",
            )
            return False
        if found is not None:
            kind, data_source = found.spec.type, source.metricSourceRef
    if kind is None:
        findings.error(at, ("type",), "give type, or metricSourceRef naming a DataSource")
        return False
    if kind.lower() != SLOSCOPE_TYPE:
        what = f"DataSource {data_source!r} of type {kind!r}" if data_source else f"type {kind!r}"
        findings.error(
            at,
            ("type",) if source.type is not None else ("metricSourceRef",),
            f"sloscope cannot evaluate metric source {what}: it computes SLOs from the "
            "OpenTelemetry metrics in its own store (metricSource type: sloscope) and does "
            f"not run {kind} queries",
        )
        return False
    return True


def _filter(source: SloscopeSourceSpec) -> Filter:
    return to_filter(source.filter, {ROUTE: source.route, METHOD: source.method})


def _histogram(source: SloscopeSourceSpec) -> Source:
    return Source.EXPONENTIAL_HISTOGRAM if source.histogram == "exponential" else Source.HISTOGRAM
