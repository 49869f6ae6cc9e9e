"""OpenSLO v1 read as the specification and its Go SDK read it, on the upstream examples.

``openslo_examples/`` holds the example files of the OpenSLO specification
(``examples/``), of its v1 package (``pkg/openslo/v1/examples/``) and of the Go SDK's
test data (``pkg/openslosdk/test_data/``), unchanged (README.md there says where from).
Their metric sources are Prometheus, Datadog and the like: each is refused for that
reason, by name, with every other problem of the file. ``_as_sloscope`` then swaps every
metric source for a sloscope one, to assert how the rest of each file is read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from slo_engine import SpecError, load
from slo_engine._model import (
    Budgeting,
    BurnWindow,
    CalendarUnit,
    Condition,
    Filter,
    Op,
    Severity,
    SliKind,
    Window,
)

EXAMPLES = Path(__file__).parent / "openslo_examples"
GOOD = Filter((Condition("http.response.status_code", Op.LT, number=500.0),))
GOOGLE = (
    BurnWindow(Severity.PAGE, timedelta(hours=1), timedelta(minutes=5), budget_share=0.02),
    BurnWindow(Severity.PAGE, timedelta(hours=6), timedelta(minutes=30), budget_share=0.05),
    BurnWindow(Severity.TICKET, timedelta(days=1), timedelta(hours=2), budget_share=0.1),
    BurnWindow(Severity.TICKET, timedelta(days=3), timedelta(hours=6), budget_share=0.1),
)
NEW_YORK_WEEK = Window(
    unit=CalendarUnit.WEEK, timezone="America/New_York", anchor=datetime(2022, 1, 1, 12)
)
OP_IGNORED = (
    "spec.objectives[0].op: op ignored on a ratio SLI: OpenSLO needs op and value only "
    "with a thresholdMetric (a ratio's events are good or bad by its good or bad metric)"
)


def refused(what: str) -> str:
    kind = what.rsplit("'", 2)[-2]
    return (
        f"sloscope cannot evaluate metric source {what}: it computes SLOs from the "
        "OpenTelemetry metrics in its own store (metricSource type: sloscope) and does not "
        f"run {kind} queries"
    )


def _text(name: str) -> str:
    return (EXAMPLES / name).read_text()


def _errors(sources: dict[str, str]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load(sources)
    return [str(issue) for issue in caught.value.issues]


def _warnings(sources: dict[str, str]) -> list[str]:
    return [f"{w.field}: {w.message}" for w in load(sources).warnings]


# Each upstream file alone, exactly as published: every refusal, with file:line:col.
UPSTREAM = {
    "spec/budgeting-method/occurences-slo.yaml": [
        "17:11: spec.indicator.spec.thresholdMetric.metricSource.type: " + refused("type 'Any'"),
    ],
    "spec/budgeting-method/ratio-timeslices.yaml": [
        "18:13: spec.indicator.spec.ratioMetric.good.metricSource.type: " + refused("type 'Any'"),
        "23:13: spec.indicator.spec.ratioMetric.total.metricSource.type: " + refused("type 'Any'"),
    ],
    "spec/budgeting-method/timeslices-slo.yaml": [
        "18:13: spec.indicator.spec.ratioMetric.good.metricSource.type: " + refused("type 'Any'"),
        "23:13: spec.indicator.spec.ratioMetric.total.metricSource.type: " + refused("type 'Any'"),
        "27:7: spec.timeWindow[0].duration: a calendar window is whole days (d), weeks (w), "
        "months (M), quarters (Q) or years (Y): '1m' is 1 minute; 1 month is 1M",
    ],
    "spec/treat-low-traffic-as-equally-important/timeslices-slo.yaml": [
        "16:13: spec.indicator.spec.ratioMetric.good.metricSource.type: " + refused("type 'Any'"),
        "21:13: spec.indicator.spec.ratioMetric.total.metricSource.type: " + refused("type 'Any'"),
    ],
    "v1/slos.yaml": [
        "23:15: spec.indicator.spec.ratioMetric.good.metricSource.type: "
        + refused("type 'Prometheus'"),
        "28:15: spec.indicator.spec.ratioMetric.total.metricSource.type: "
        + refused("type 'Prometheus'"),
    ],
    "sdk/inline/v1_slo.yaml": [
        "16:9: spec.objectives[0].value: a thresholdMetric's objective needs value",
        "29:9: spec.thresholdMetric.metricSource.type: " + refused("type 'Prometheus'"),
    ],
    "sdk/export/v1_slo.yaml": [
        "14:13: spec.indicator.spec.thresholdMetric.metricSource.type: "
        + refused("type 'Prometheus'"),
        "26:9: spec.objectives[0].value: a thresholdMetric's objective needs value",
        "38:15: spec.alertPolicies[0].spec.conditions[0].conditionRef: "
        "no AlertCondition named 'cpu-usage-breach' in the files given",
    ],
    "sdk/inline/v1_alert_policies_invalid_condition.yaml": [
        "8:9: spec.conditions[0].conditionRef: "
        "no AlertCondition named 'cpu-usage-breach' in the files given",
    ],
    "sdk/inline/v1_alert_policies_invalid_target.yaml": [
        "25:9: spec.notificationTargets[1].targetRef: "
        "no AlertNotificationTarget named 'devs-email-notification' in the files given",
    ],
}


@pytest.mark.parametrize("name", sorted(UPSTREAM), ids=sorted(UPSTREAM))
def test_each_upstream_example_is_refused_only_for_what_sloscope_cannot_read(name):
    assert _errors({name: _text(name)}) == [f"{name}:{line}" for line in UPSTREAM[name]]


@pytest.mark.parametrize(
    "name",
    [
        "v1/alert_conditions.yaml",
        "v1/alert_notification_targets.yaml",
        "v1/data_sources.yaml",
        "v1/services.yaml",
        "sdk/inline/v1_alert_policies_remove_refs.yaml",
    ],
)
def test_upstream_examples_without_metric_sources_load_as_they_are(name):
    loaded = load({name: _text(name)})
    assert (loaded.slos, loaded.warnings) == ((), ())


def test_the_v1_examples_together_resolve_their_references_across_files():
    """As ``sloscope slo validate v1/`` reads them: the policies' conditionRef finds
    alert_conditions.yaml; their targetRefs name targets no example defines."""
    names = sorted(path.name for path in (EXAMPLES / "v1").glob("*.yaml"))
    sources = {f"v1/{name}": _text(f"v1/{name}") for name in names}
    slis = "v1/slis.yaml:"
    assert _errors(sources) == [
        "v1/alert_policies.yaml:18:9: spec.notificationTargets[0].targetRef: "
        "no AlertNotificationTarget named 'on-call-mail-notification' in the files given",
        "v1/alert_policies.yaml:50:9: spec.notificationTargets[0].targetRef: "
        "no AlertNotificationTarget named 'on-call-pd-notification' in the files given",
        slis + "19:11: spec.ratioMetric.good.metricSource.type: " + refused("type 'Datadog'"),
        slis + "25:11: spec.ratioMetric.total.metricSource.type: " + refused("type 'Datadog'"),
        slis + "45:11: spec.ratioMetric.bad.metricSource.type: " + refused("type 'AppDynamics'"),
        slis + "52:11: spec.ratioMetric.total.metricSource.type: " + refused("type 'AppDynamics'"),
        slis + "71:7: spec.ratioMetric.raw: sloscope cannot evaluate a raw (precomputed) "
        "ratio: it counts good and total events itself; give total with good or bad",
        slis
        + "74:11: spec.ratioMetric.raw.metricSource.type: "
        + refused("DataSource 'prometheus' of type 'Prometheus'"),
        slis + "100:9: spec.thresholdMetric.metricSource.type: " + refused("type 'Prometheus'"),
        "v1/slos.yaml:23:15: spec.indicator.spec.ratioMetric.good.metricSource.type: "
        + refused("type 'Prometheus'"),
        "v1/slos.yaml:28:15: spec.indicator.spec.ratioMetric.total.metricSource.type: "
        + refused("type 'Prometheus'"),
    ]


# The same files with every metric source made a sloscope one: how the rest is read.
_SPECS: dict[str, dict[str, Any]] = {
    "good": {"filter": {"http.response.status_code": {"lt": 500}}},
    "bad": {"filter": {"http.response.status_code": {"ge": 500}}},
}


def _as_sloscope(text: str) -> str:
    documents = list(yaml.safe_load_all(text))

    def swap(node: Any, key: str | None) -> None:
        if isinstance(node, dict):
            if "metricSource" in node:
                node["metricSource"] = {"type": "sloscope", "spec": _SPECS.get(key or "", {})}
            for child_key, child in node.items():
                swap(child, child_key)
        elif isinstance(node, list):
            for child in node:
                swap(child, key)

    for document in documents:
        swap(document, None)
    return yaml.safe_dump_all(documents, sort_keys=False)


def _converted(*names: str) -> dict[str, str]:
    return {name: _as_sloscope(_text(name)) for name in names}


def test_occurrences_example_is_a_latency_slo_whose_500_is_seconds():
    sources = _converted("spec/budgeting-method/occurences-slo.yaml")
    (slo,) = load(sources).slos
    assert (slo.name, slo.service, slo.window, slo.budgeting, slo.objective) == (
        "search-slo",
        "web-shop",
        Window(length=timedelta(weeks=2)),
        Budgeting.OCCURRENCES,
        0.99,
    )
    assert (slo.sli.kind, slo.sli.threshold, slo.sli.op) == (SliKind.LATENCY, 500.0, Op.LT)
    assert slo.burn_windows == GOOGLE  # alertPolicies: (null) is no policy
    assert _warnings(sources) == [
        "spec.objectives[0].value: a latency threshold of 500 is 500 s: thresholds are in "
        "the metric's unit, seconds for http.server.request.duration; "
        "for 500 ms write 0.5"
    ]


def test_ratio_timeslices_example_keeps_its_ratio_and_ignores_op_with_a_warning():
    sources = _converted("spec/budgeting-method/ratio-timeslices.yaml")
    (slo,) = load(sources).slos
    assert (slo.name, slo.window, slo.budgeting, slo.slice, slo.objective) == (
        "main-page",
        Window(length=timedelta(weeks=2)),
        Budgeting.RATIO_TIMESLICES,
        timedelta(minutes=1),
        0.99,
    )
    assert (slo.sli.kind, slo.sli.good) == (SliKind.AVAILABILITY, GOOD)
    assert _warnings(sources) == [OP_IGNORED]


def test_timeslices_example_with_1M_for_its_1m_is_two_calendar_month_slos():
    """The published file says ``1m`` (one minute) beside "1 month": refused with a hint
    (above); written ``1M`` it is a calendar month in New York from 2022-01-01 12:00."""
    name = "spec/budgeting-method/timeslices-slo.yaml"
    text = _as_sloscope(_text(name)).replace("duration: 1m", "duration: 1M")
    internal, sla = load({name: text}).slos
    month = Window(
        unit=CalendarUnit.MONTH, timezone="America/New_York", anchor=datetime(2022, 1, 1, 12)
    )
    assert [(s.name, s.objective, s.slice_target, s.window) for s in (internal, sla)] == [
        ("service-availability/Internal objective", 0.995, 0.99, month),
        ("service-availability/SLA", 0.99, 0.99, month),
    ]
    assert internal.budgeting is Budgeting.TIMESLICES


@pytest.mark.parametrize(
    ("name", "slo_name", "objective", "slice_target"),
    [
        ("spec/treat-low-traffic-as-equally-important/timeslices-slo.yaml",
         "service-availability", 0.9995, 0.95),
        ("v1/slos.yaml", "web-availability", 0.995, 0.95),
    ],
)  # fmt: skip
def test_calendar_week_examples_are_anchored_in_new_york(name, slo_name, objective, slice_target):
    sources = _converted(name)
    (slo,) = load(sources).slos
    assert (slo.name, slo.window, slo.budgeting, slo.objective, slo.slice_target) == (
        slo_name,
        NEW_YORK_WEEK,
        Budgeting.TIMESLICES,
        objective,
        slice_target,
    )
    assert (slo.slice, slo.sli.good, slo.burn_windows) == (timedelta(minutes=1), GOOD, GOOGLE)
    assert _warnings(sources) == [OP_IGNORED]


def test_sdk_threshold_examples_lack_the_value_their_op_compares_with():
    """The Go SDK's SLO test data give ``op: gt`` and no ``value`` to a threshold SLI;
    with the conditions of the v1 examples, the export input's references resolve."""
    inline = _converted("sdk/inline/v1_slo.yaml")
    export = _converted("sdk/export/v1_slo.yaml", "v1/alert_conditions.yaml")
    for sources in (inline, export):
        with pytest.raises(SpecError) as caught:
            load(sources)
        assert [f"{i.field}: {i.message}" for i in caught.value.issues] == [
            "spec.objectives[0].value: a thresholdMetric's objective needs value"
        ]


def test_sdk_alert_policies_carry_op_and_alert_after_into_burn_windows():
    """An SLO using the SDK's policies: ``cpu-usage-breach`` (by reference, op lte) and
    ``memory-usage-breach`` (inlined, op gt), both 1h lookbacks held for 5 minutes."""
    slo = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: uses-sdk-policies}
spec:
  service: web
  indicator:
    metadata: {name: web}
    spec:
      ratioMetric:
        good: {metricSource: {type: sloscope, spec: {}}}
        total: {metricSource: {type: sloscope, spec: {}}}
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
  alertPolicies:
    - alertPolicyRef: single-referenced-object
    - alertPolicyRef: mix-of-referenced-and-inlined-objects
"""
    name = "sdk/inline/v1_alert_policies_remove_refs.yaml"
    (loaded,) = load({name: _text(name), "slo.yaml": slo}).slos
    hour, five = timedelta(hours=1), timedelta(minutes=5)
    assert loaded.burn_windows == (
        BurnWindow(Severity.PAGE, hour, five, factor=2.0, op=Op.LE, alert_after=five),
        BurnWindow(Severity.PAGE, hour, five, factor=2.0, op=Op.GT, alert_after=five),
    )
    assert loaded.window == Window(length=timedelta(days=30))  # no timeWindow: the default
