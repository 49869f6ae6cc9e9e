"""An OpenSLO ratio SLO evaluated: its good metric's route selects the good series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_engine import load, status
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

END = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: fast-share}
spec:
  service: shop
  indicator:
    metadata: {name: fast-share}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: sloscope, spec: {route: /fast}}}
        total: {metricSource: {type: sloscope, spec: {route: {in: [/fast, /slow]}}}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.5}]
"""


def test_a_ratio_counts_good_only_the_series_its_good_source_selects(store):
    """60 minutes of 3 requests on /fast and 1 on /slow (plus /other, not counted): the
    SLI is 180 / 240, where dropping good's route read 100% good."""
    points = [
        histogram_point("shop", request_attributes(route), END - timedelta(minutes=m), [0.05] * n)
        for m in range(1, 61)
        for route, n in (("/fast", 3), ("/slow", 1), ("/other", 5))
    ]
    insert_histograms(store, points)
    (found,) = status(store, load({"slo.yaml": SLO}), END).slos
    assert (found.good, found.total) == (180, 240)
    assert found.sli == pytest.approx(0.75, rel=1e-12)


NAMED = "metadata: {name: fast-share}\nspec:"
QUIET = (
    SLO.replace(NAMED, "metadata: {name: quiet}\nspec:", 1)
    + """\
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: too-quiet}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: too-quiet}
            spec:
              severity: page
              condition: {kind: burnrate, op: lt, threshold: 0.6, lookbackWindow: 1h}
        notificationTargets:
          - {kind: AlertNotificationTarget, metadata: {name: pager}, spec: {target: pagerduty}}
"""
)


def test_an_alert_condition_below_its_threshold_fires_by_its_op(store):
    """op: lt fires when both burn rates are under the threshold: here 0.5 (a quarter of
    the requests are bad against a budget of half), where `gt` would stay quiet."""
    points = [
        histogram_point("shop", request_attributes(route), END - timedelta(minutes=m), [0.05] * n)
        for m in range(0, 61)
        for route, n in (("/fast", 3), ("/slow", 1))
    ]
    insert_histograms(store, points)
    (found,) = status(store, load({"q.yaml": QUIET}), END).slos
    (alert,) = found.alerts
    assert (alert.long_window, alert.short_window) == ("1h", "5m")
    assert (alert.long_burn_rate, alert.short_burn_rate) == (0.5, 0.5)
    assert alert.firing
