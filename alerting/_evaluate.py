"""One evaluation: every rule measured in the store at an instant, as ``Observation``s.

* Threshold rules over request histograms (``error_ratio``, ``count``, ``rate``,
  ``p50``/``p95``/``p99``) are measured by the SLO engine itself, as SLOs of the rule's
  window (``_load`` builds them): the good/bad rules, the rollups and the quantile SQL
  are the engine's, in one batched ``status`` call.
* Threshold rules over gauges and sums read ``sql/threshold_points.sql``.
* SLO alerts come from the engine's ``status`` of the SLO files: the page and ticket
  multi-window burn-rate pairs, the budget left, no data.

Numbers come from SQL; this module compares them and names the alerts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from alerting._config import AlertingConfig, Rule, SloAlerts
from alerting._instants import naive_utc
from alerting._records import Observation
from alerting._sql import sql
from alerting._template import render_all
from alerting.channels import fingerprint
from alerting.probes import ServiceHealth
from processor.store import Queryable
from slo_engine import FilterTable, SloSet, SloStatus, status

_COMPARE: Final = {
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def evaluate(
    store: Queryable, config: AlertingConfig, slo_set: SloSet, at: datetime
) -> list[Observation]:
    """What every rule of ``config`` and every SLO alert finds at ``at``."""
    found = _request_rules(store, [r for r in config.rules if r.probe is not None], at)
    found += [_points_rule(store, rule, at) for rule in config.rules if rule.probe is None]
    if config.slo_alerts is not None and slo_set.slos:
        chosen = config.slo_alerts.slos
        slos = tuple(s for s in slo_set.slos if not chosen or s.name in chosen)
        report = status(store, SloSet(slos, slo_set.exclusions), at)
        for slo_status in report.slos:
            found += slo_observations(slo_status, config.slo_alerts)
    return found


def _request_rules(store: Queryable, rules: list[Rule], at: datetime) -> list[Observation]:
    if not rules:
        return []
    report = status(store, SloSet(tuple(rule.probe for rule in rules)), at)
    by_name = {s.slo: s for s in report.slos}
    found = []
    for rule in rules:
        measured = by_name.get(rule.name)
        value = _histogram_value(rule, measured) if measured is not None else math.nan
        found.append(_rule_observation(rule, value))
    return found


def _histogram_value(rule: Rule, measured: SloStatus) -> float:
    total = measured.total
    if rule.aggregation == "count":
        return total
    if rule.aggregation == "rate":
        return total / rule.window.total_seconds()
    if rule.aggregation == "error_ratio":
        return (total - measured.good) / total if total > 0 else math.nan
    latency = measured.latency
    quantile = getattr(latency, rule.aggregation, None) if latency is not None else None
    return math.nan if quantile is None else float(quantile)


def _points_rule(store: Queryable, rule: Rule, at: datetime) -> Observation:
    filters = FilterTable()
    filters.group(rule.filter)
    ((points, total, lowest, highest, average),) = store.query(
        sql("threshold_points"),
        {
            "service": rule.service,
            "metric": rule.metric,
            "window_start": naive_utc(at - rule.window),
            "at": naive_utc(at),
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
