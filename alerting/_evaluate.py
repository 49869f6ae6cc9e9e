"""One evaluation: every rule measured in the store at an instant, as ``Observation``s,
and the status of every SLO of the SLO files at that instant, as ``Findings``.

* Threshold rules over request histograms: ``_load`` builds each as an SLO of the
  rule's window, so its series filter and good/bad rule are the engine's own.
  ``count``, ``rate`` and ``error_ratio`` sum the raw rows up to the evaluation instant
  with those filters (``sql/threshold_requests.sql``); ``p50``/``p95``/``p99`` are the
  engine's quantiles, from one batched ``status`` call.
* Threshold rules over gauges and sums read ``sql/threshold_points.sql``.
* The engine's ``status`` of every SLO of the SLO files is computed once per evaluation
  whenever there are SLOs, whether or not ``slo_alerts`` is configured, with each SLO's
  1 h burn rate at each whole hour of the day before (``hourly_burn``): the dashboard's
  ``GET /api/slos`` answers from it while it is younger than two intervals.
* SLO alerts come from that status, for the SLOs ``slo_alerts`` chooses: the page and
  ticket multi-window burn-rate pairs, the budget left, no data.

Numbers come from SQL; this module compares them and names the alerts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from alerting._config import AlertingConfig, Rule, SloAlerts
from alerting._records import Observation
from alerting._sql import sql
from alerting._template import render_all
from alerting.channels import fingerprint
from alerting.probes import ServiceHealth
from processor.store import EXPONENTIAL_HISTOGRAM_TABLE, HISTOGRAM_TABLE, Queryable
from slo_engine import (
    FilterTable,
    SloSeries,
    SloSet,
    SloStatus,
    StatusReport,
    nanos,
    slo_series,
    status,
)

# Histogram aggregations read as request counts; the others are quantiles.
COUNTED: Final = frozenset({"count", "rate", "error_ratio"})
_COMPARE: Final = {
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
# The dashboard's sparkline: the 1 h burn rate at each whole hour of the day before.
HOURLY_WINDOW: Final = "1h"
HOURLY_SPAN: Final = timedelta(days=1)
HOURLY_STEP: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Findings:
    """What one evaluation found at ``at``: the observations of the rules and of the SLO
    alerts chosen, and, when there are SLOs, the status of every one of them and its
    ``hourly_burn`` series (otherwise None and empty)."""

    at: datetime
    observations: tuple[Observation, ...]
    status: StatusReport | None
    hourly_burn: tuple[SloSeries, ...]


def evaluate(store: Queryable, config: AlertingConfig, slo_set: SloSet, at: datetime) -> Findings:
    """What every rule of ``config`` and every SLO alert finds at ``at``, and the status
    of every SLO of ``slo_set`` there."""
    found = _request_rules(store, [r for r in config.rules if r.probe is not None], at)
    found += [_points_rule(store, rule, at) for rule in config.rules if rule.probe is None]
    if not slo_set.slos:
        return Findings(at, tuple(found), None, ())
    report = status(store, slo_set, at)
    if config.slo_alerts is not None:
        chosen = config.slo_alerts.slos
        for slo_status in report.slos:
            if not chosen or slo_status.slo in chosen:
                found += slo_observations(slo_status, config.slo_alerts)
    return Findings(at, tuple(found), report, hourly_burn(store, slo_set, report.evaluated_at))


def hourly_burn(store: Queryable, slo_set: SloSet, at: datetime) -> tuple[SloSeries, ...]:
    """Each SLO's 1 h burn rate at each whole hour of the day before ``at`` (the last
    one at or before it): the whole hours read the hourly rollup."""
    last_hour = at.replace(minute=0, second=0, microsecond=0)
    return tuple(
        slo_series(
            store,
            slo_set,
            last_hour - HOURLY_SPAN,
            last_hour,
            HOURLY_STEP,
            windows=[HOURLY_WINDOW],
        )
    )


def _request_rules(store: Queryable, rules: list[Rule], at: datetime) -> list[Observation]:
    """Counts, rates and error ratios from the raw histogram rows up to ``at`` exactly;
    quantiles through the engine's ``status`` (its merged buckets and error bounds)."""
    found = [_counted_rule(store, r, at) for r in rules if r.aggregation in COUNTED]
    quantiles = [r for r in rules if r.aggregation not in COUNTED]
    if not quantiles:
        return found
    report = status(store, SloSet(tuple(rule.probe for rule in quantiles)), at)
    by_name = {s.slo: s for s in report.slos}
    for rule in quantiles:
        latency = by_name[rule.name].latency if rule.name in by_name else None
        value = getattr(latency, rule.aggregation, None) if latency is not None else None
        found.append(_rule_observation(rule, math.nan if value is None else float(value)))
    return found


def _counted_rule(store: Queryable, rule: Rule, at: datetime) -> Observation:
    """``count``, ``rate`` or ``error_ratio`` of a histogram rule: the probe SLO's own
    series filter and good rule, over the rule's window ending at ``at``."""
    filters = FilterTable()
    filters.group(rule.probe.sli.filter)
    filters.group(rule.probe.sli.good)
    table = (
        EXPONENTIAL_HISTOGRAM_TABLE if rule.source == "exponential_histogram" else HISTOGRAM_TABLE
    )
    ((requests, good),) = store.query(
        sql("threshold_requests"),
        {
            "table": table,
            "service": rule.service,
            "metric": rule.metric,
            "window_start": nanos(at - rule.window),
            "at": nanos(at),
            **filters.parameters(),
        },
    )
    values = {
        "count": float(requests),
        "rate": requests / rule.window.total_seconds(),
        "error_ratio": (requests - good) / requests if requests else math.nan,
    }
    return _rule_observation(rule, values[rule.aggregation])


def _points_rule(store: Queryable, rule: Rule, at: datetime) -> Observation:
    filters = FilterTable()
    filters.group(rule.filter)
    ((points, total, lowest, highest, average),) = store.query(
        sql("threshold_points"),
        {
            "service": rule.service,
            "metric": rule.metric,
            "window_start": nanos(at - rule.window),
            "at": nanos(at),
            **filters.parameters(),
        },
    )
    values = {
        "count": float(points),
        "sum": total,
        "rate": total / rule.window.total_seconds(),
        "min": lowest,
        "max": highest,
        "avg": average,
    }
    return _rule_observation(rule, values[rule.aggregation])


def _rule_observation(rule: Rule, value: float) -> Observation:
    labels = {
        **rule.labels,
        "alertname": rule.name,
        "service": rule.service,
        "severity": rule.severity,
    }
    active = not math.isnan(value) and _COMPARE[rule.op](value, rule.value)
    return Observation(
        fingerprint=fingerprint(labels),
        source="threshold",
        labels=labels,
        annotations=render_all(rule.annotations, labels, value, rule.value),
        channels=rule.channels,
        active=active,
        value=value,
        threshold=rule.value,
        hold_for=rule.hold_for,
    )


def slo_observations(measured: SloStatus, spec: SloAlerts) -> list[Observation]:
    """The SLO alerts of one SLO status: burn-rate pairs, budget, no data."""
    base = {"slo": measured.slo, "service": measured.service, **measured.dimensions}
    found = []
    if spec.burn_rate:
        for alert in measured.alerts:
            rates = [r for r in (alert.long_burn_rate, alert.short_burn_rate) if r is not None]
            value = min(rates) if len(rates) == 2 else math.nan  # both windows measured
            name = f"slo-burn-rate-{alert.long_window}-{alert.short_window}"
            found.append(
                _slo_observation(
                    base,
                    name,
                    severity=alert.severity,
                    active=alert.firing,
                    value=value,
                    threshold=alert.factor,
                    spec=spec,
                )
            )
    remaining = measured.error_budget.remaining
    budget = remaining if remaining is not None else math.nan
    if spec.budget_below is not None:
        low = remaining is not None and remaining < spec.budget_below
        found.append(
            _slo_observation(
                base,
                "slo-budget-low",
                severity="ticket",
                active=low,
                value=budget,
                threshold=spec.budget_below,
                spec=spec,
            )
        )
    if spec.budget_exhausted:
        gone = remaining is not None and remaining <= 0
        found.append(
            _slo_observation(
                base,
                "slo-budget-exhausted",
                severity="page",
                active=gone,
                value=budget,
                threshold=0.0,
                spec=spec,
            )
        )
    if spec.no_data:
        empty = measured.status == "no_data"
        found.append(
            _slo_observation(
                base,
                "slo-no-data",
                severity="ticket",
                active=empty,
                value=measured.total,
                threshold=0.0,
                spec=spec,
            )
        )
    return found


def _slo_observation(
    base: Mapping[str, str],
    name: str,
    *,
    severity: str,
    active: bool,
    value: float,
    threshold: float,
    spec: SloAlerts,
) -> Observation:
    labels = {**base, "alertname": name, "severity": severity}
    return Observation(
        fingerprint=fingerprint(labels),
        source="slo",
        labels=labels,
        annotations=render_all(spec.annotations, labels, value, threshold),
        channels=spec.channels,
        active=active,
        value=value,
        threshold=threshold,
    )


def health_observations(services: Sequence[ServiceHealth]) -> list[Observation]:
    """An unhealthy service (one of its own checks fails) raises a critical alert; a
    degraded one (a dependency fails) does not: the dependency's own alert says it."""
    found = []
    for service in services:
        labels = {
            "alertname": "service-unhealthy",
            "service": service.service,
            "severity": "critical",
        }
        failed = [check for check in service.checks if check.status == "unhealthy"]
        detail = "; ".join(f"{check.name}: {check.detail}" for check in failed)
        found.append(
            Observation(
                fingerprint=fingerprint(labels),
                source="health",
                labels=labels,
                annotations={"summary": html.escape(f"{service.service} is unhealthy: {detail}")}
                if failed
                else {},
                channels=(),
                active=service.status == "unhealthy",
                value=float(len(failed)),
                threshold=0.0,
            )
        )
    return found
