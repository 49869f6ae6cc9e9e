"""The forms OpenSLO files take in the wild, each read as the spec and its Go SDK read it:
lists of objects, null keys, omitted windows, references across files, and refusals that
say what is wrong and where."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slo_engine import SpecError, load
from slo_engine._model import (
    BurnWindow,
    CalendarUnit,
    Condition,
    Filter,
    Op,
    Severity,
    SliKind,
    Source,
    Window,
)

RATIO_SLI = """\
    ratioMetric:
      good: {metricSource: {type: sloscope, spec: {filter: {http.response.status_code: {lt: 500}}}}}
      total: {metricSource: {type: sloscope, spec: {route: /checkout}}}
"""


SLO_HEAD = """\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: shop
  indicator:
    metadata: {{name: {sli}}}
    spec:
"""


def slo(extra: str = "", *, name: str = "checkout", objective: str = "{target: 0.999}") -> str:
    head = SLO_HEAD.format(name=name, sli="checkout-requests")
    return f"""\
{head}{RATIO_SLI.replace("    ", "      ", 3)}  budgetingMethod: Occurrences
  objectives: [{objective}]
{extra}"""


def errors(sources: dict[str, str]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load(sources)
    return [str(issue) for issue in caught.value.issues]


def test_a_top_level_list_of_objects_is_a_file_of_objects():
    text = (
        """\
- apiVersion: openslo/v1
  kind: Service
  metadata: {name: shop}
  spec: {description: the shop}
- apiVersion: openslo/v1
  kind: SLI
  metadata: {name: checkout-requests}
  spec:
"""
        + RATIO_SLI.replace("    ", "    ", 1)
        + """\
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: checkout}
  spec:
    service: shop
    indicatorRef: checkout-requests
    budgetingMethod: Occurrences
    objectives: [{target: 0.999}]
"""
    )
    (loaded,) = load({"list.yaml": text}).slos
    assert (loaded.name, loaded.sli.kind, loaded.objective) == (
        "checkout",
        SliKind.AVAILABILITY,
        0.999,
    )
    assert loaded.sli.filter == Filter((Condition("http.route", Op.IN, ("/checkout",)),))


def test_a_list_item_that_is_no_object_is_located():
    assert errors({"a.yaml": "- apiVersion: openslo/v1\n  kind: Service\n  metadata: {name: a}\n"
                   "  spec: {}\n- just text\n"}) == [
        "a.yaml:5:3: [1]: expected an OpenSLO object (apiVersion, kind)"
    ]  # fmt: skip


def test_null_values_are_absent_ones():
    """``alertPolicies:`` with nothing is no policy; ``labels:`` and ``description:`` too."""
    text = slo("  alertPolicies:\n  description:\n").replace(
        "metadata: {name: checkout}", "metadata: {name: checkout, labels: }"
    )
    (loaded,) = load({"a.yaml": text}).slos
    assert [w.severity for w in loaded.burn_windows] == [Severity.PAGE] * 2 + [Severity.TICKET] * 2


def test_without_time_window_the_window_is_rolling_30_days():
    (loaded,) = load({"a.yaml": slo()}).slos
    assert loaded.window == Window(length=timedelta(days=30))


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("[{duration: 1Y, isRolling: true}]", Window(length=timedelta(days=365))),
        ("[{duration: 1M, isRolling: true}]", Window(length=timedelta(days=30))),
        ("[{duration: 1Q, isRolling: true}]", Window(length=timedelta(days=90))),
        (
            "[{duration: 1M, calendar: {startTime: '2026-01-01 00:00:00', "
            "timeZone: Europe/Berlin}}]",
            Window(unit=CalendarUnit.MONTH, timezone="Europe/Berlin", anchor=datetime(2026, 1, 1)),
        ),
        (
            "[{duration: 2w, calendar: {startTime: 2026-01-05 06:00:00, timeZone: UTC}}]",
            Window(unit=CalendarUnit.WEEK, count=2, anchor=datetime(2026, 1, 5, 6)),
        ),
    ],
    ids=["rolling-1Y-is-365d", "rolling-1M-is-30d", "rolling-1Q-is-90d",
         "calendar-without-isRolling", "calendar-2w-without-isRolling"],
)  # fmt: skip
def test_windows_read_as_the_go_sdk_reads_them(window, expected):
    (loaded,) = load({"a.yaml": slo(f"  timeWindow: {window}\n")}).slos
    assert loaded.window == expected


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("[{duration: 28d}]", "spec.timeWindow[0]: a calendar window (isRolling: false, the "
         "default) needs calendar {startTime, timeZone}; for a rolling window write "
         "isRolling: true"),
        ("[{duration: 28d, isRolling: true, "
         "calendar: {startTime: 2026-01-01 00:00:00, timeZone: UTC}}]",
         "spec.timeWindow[0].calendar: a rolling window (isRolling: true) takes no calendar"),
        ("[{duration: 30s, isRolling: true}]", "spec.timeWindow[0].duration: '30s' is not an "
         "OpenSLO duration: a whole number and one of m h d w M Q Y (e.g. 5m, 1h, 28d, 1M)"),
        ("[{duration: 0d, isRolling: true}]",
         "spec.timeWindow[0].duration: a window must be longer than zero"),
        ("[{duration: 1M, calendar: {startTime: 2026-01-01 00:00:00, timeZone: Mars/Olympus}}]",
         "spec.timeWindow[0].calendar.timezone: unknown time zone 'Mars/Olympus'"),
    ],
    ids=["no-calendar", "rolling-with-calendar", "seconds", "zero", "zone"],
)  # fmt: skip
def test_window_mistakes_are_refused_with_the_field(window, message):
    (error,) = errors({"a.yaml": slo(f"  timeWindow: {window}\n")})
    assert error.split(": ", 1)[1] == message


def test_connection_details_are_any_yaml_and_metric_source_type_comes_from_the_data_source():
    sources = {
        "sources.yaml": """\
- apiVersion: openslo/v1
  kind: DataSource
  metadata: {name: otel}
  spec: {type: sloscope, connectionDetails: [{store: ./sloscope-data}]}
- apiVersion: openslo/v1
  kind: DataSource
  metadata: {name: prom}
  spec: {type: Prometheus, connectionDetails: {url: "http://prometheus:9090"}}
""",
        "slo.yaml": slo().replace("type: sloscope, spec: {route",
                                  "metricSourceRef: otel, spec: {route"),
    }  # fmt: skip
    (loaded,) = load(sources).slos
    assert loaded.sli.filter == Filter((Condition("http.route", Op.IN, ("/checkout",)),))
    sources["slo.yaml"] = sources["slo.yaml"].replace("Ref: otel", "Ref: prom")
    assert errors(sources) == [
        "slo.yaml:11:32: spec.indicator.spec.ratioMetric.total.metricSource.metricSourceRef: "
        "sloscope cannot evaluate metric source DataSource 'prom' of type 'Prometheus': it "
        "computes SLOs from the OpenTelemetry metrics in its own store (metricSource type: "
        "sloscope) and does not run Prometheus queries"
    ]  # fmt: skip


def test_metric_source_references_that_resolve_to_nothing_are_errors():
    text = slo().replace("type: sloscope, spec: {route", "metricSourceRef: nowhere, spec: {route")
    assert errors({"a.yaml": text}) == [
        "a.yaml:11:32: spec.indicator.spec.ratioMetric.total.metricSource.metricSourceRef: no "
        "DataSource named 'nowhere' in the files given (without type, the metric source's type "
        "is the DataSource's)"
    ]  # fmt: skip


def test_op_on_a_ratio_objective_is_allowed_and_said_to_be_ignored():
    loaded = load({"a.yaml": slo(objective="{op: gt, target: 0.999}")})
    assert [str(w) for w in loaded.warnings] == [
        "a.yaml:13:17: spec.objectives[0].op: op ignored on a ratio SLI: OpenSLO needs op and "
        "value only with a thresholdMetric (a ratio's events are good or bad by its good or bad "
        "metric)"
    ]  # fmt: skip
    assert loaded.slos[0].objective == 0.999


THRESHOLD = (
    SLO_HEAD.replace("{sli}", "{name}")
    + """\
      thresholdMetric:
        metricSource: {{type: sloscope, spec: {source}}}
  budgetingMethod: {budgeting}
  objectives: [{{op: {op}, value: {value}, target: 0.99{slices}}}]
"""
)


def threshold(name: str, source: str, op: str, value: float, *, sliced: bool = False) -> str:
    return THRESHOLD.format(
        name=name,
        source=source,
        op=op,
        value=value,
        budgeting="Timeslices" if sliced else "Occurrences",
        slices=", timeSliceWindow: 1m, timeSliceTarget: 1" if sliced else "",
    )


def test_lt_is_strict_for_gauges_and_health_checks_and_lte_for_histograms():
    """A gauge's value is compared as written; a histogram counts requests up to a bucket
    bound, so ``lt`` there is read as ``lte`` (and --explain says so)."""
    text = "---\n".join(
        [
            threshold("cpu", "{kind: gauge, metric: system.cpu.utilization}", "lt", 0.8),
            threshold("cpu-slices", "{kind: gauge, metric: system.cpu.utilization}", "lte", 0.9,
                      sliced=True),
            threshold("db", "{kind: health_check, check: postgres}", "gt", 0, sliced=True),
            threshold("search", "{route: /search}", "lt", 0.25),
        ]
    )  # fmt: skip
    cpu, cpu_slices, db, search = load({"a.yaml": text}).slos
    assert (cpu.sli.kind, cpu.sli.op, cpu.sli.threshold, cpu.sli.source) == (
        SliKind.GAUGE,
        Op.LT,
        0.8,
        Source.GAUGE,
    )
    assert (cpu_slices.sli.op, cpu_slices.slice_target) == (Op.LE, 1.0)
    assert (db.sli.kind, db.sli.metric, db.sli.op, db.sli.threshold) == (
        SliKind.HEALTH_CHECK,
        "sloscope.health_check.up",
        Op.GT,
        0.0,
    )
    assert db.sli.filter == Filter((Condition("check.name", Op.IN, ("postgres",)),))
    assert (search.sli.kind, search.sli.op, search.sli.threshold) == (SliKind.LATENCY, Op.LT, 0.25)


def test_threshold_sources_never_drop_a_field_of_another_kind():
    text = "---\n".join(
        [
            threshold("a", "{kind: latency, percentile: 99}", "lt", 0.2),
            threshold("b", "{kind: gauge}", "lt", 0.2),
            threshold("c", "{kind: latency}", "gt", 0.2),
            threshold("d", "{kind: gauge, metric: m, aggregation: max}", "lt", 0.2),
        ]
    )
    assert errors({"a.yaml": text}) == [
        "a.yaml:10:62: spec.indicator.spec.thresholdMetric.metricSource.spec.percentile: "
        "percentile belongs to kind latency_percentile, not latency",
        "a.yaml:23:47: spec.indicator.spec.thresholdMetric.metricSource.spec.kind: "
        "a gauge SLI names its metric",
        "a.yaml:38:17: spec.objectives[0].op: a latency objective is met at or below its "
        "value: lt or lte",
        "a.yaml:49:71: spec.indicator.spec.thresholdMetric.metricSource.spec.aggregation: "
        "aggregation is never used in OpenSLO: Timeslices needs timeSliceTarget, so a slice is "
        "judged by its share of good points (occurrences count points)",
    ]


def test_alert_condition_op_and_alert_after_are_honoured():
    text = slo("""\
  alertPolicies:
    - alertPolicyRef: slow-burn
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: slow-burn}
spec:
  conditions: [{conditionRef: slow-burn}]
  notificationTargets:
    - {kind: AlertNotificationTarget, metadata: {name: tickets}, spec: {target: jira}}
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: slow-burn}
spec:
  severity: warning
  condition: {kind: burnrate, op: gte, threshold: 1, lookbackWindow: 3d, alertAfter: 1h}
""")
    (loaded,) = load({"a.yaml": text}).slos
    assert loaded.burn_windows == (
        BurnWindow(
            Severity.TICKET,
            timedelta(days=3),
            timedelta(hours=6),
            factor=1.0,
            op=Op.GE,
            alert_after=timedelta(hours=1),
        ),
    )


def test_a_condition_without_op_fires_above_its_threshold():
    text = slo("""\
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: fast}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: fast}
            spec: {severity: sev1, condition: {threshold: 14.4, lookbackWindow: 1h}}
        notificationTargets: [{targetRef: pager}]
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: pager}
spec: {target: pagerduty}
""")
    (window,) = load({"a.yaml": text}).slos[0].burn_windows
    assert (window.severity, window.op, window.factor, window.alert_after) == (
        Severity.PAGE,
        Op.GT,
        14.4,
        timedelta(0),
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Checkout SLO", "'Checkout SLO' is not an RFC 1123 name: at most 63 lowercase letters, "
         "digits and '-', starting and ending with a letter or digit (e.g. 'checkout-slo')"),
        ("checkout_slo", "'checkout_slo' is not an RFC 1123 name: at most 63 lowercase letters, "
         "digits and '-', starting and ending with a letter or digit (e.g. 'checkout-slo')"),
        ("x" * 64, f"'{'x' * 64}' is not an RFC 1123 name: at most 63 lowercase letters, "
         f"digits and '-', starting and ending with a letter or digit (e.g. '{'x' * 63}')"),
    ],
    ids=["space", "underscore", "too-long"],
)  # fmt: skip
def test_names_are_rfc_1123_labels(name, message):
    assert errors({"a.yaml": slo(name=f'"{name}"')}) == [f"a.yaml:3:12: metadata.name: {message}"]


def test_an_error_in_a_referenced_sli_is_reported_once_at_the_sli_in_its_own_file():
    sli = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: search}
spec:
  thresholdMetric:
    metricSource:
      type: sloscope
      spec: {kind: latency_percentile, route: /search}
"""
    slos = "---\n".join(
        f"""\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: shop
  indicatorRef: search
  budgetingMethod: RatioTimeslices
  objectives: [{{op: lte, value: 0.3, target: 0.99, timeSliceWindow: 1m}}]
"""
        for name in ("search-p99", "search-p99-again")
    )
    assert errors({"slis/search.yaml": sli, "slos/search.yaml": slos}) == [
        "slis/search.yaml:8:14: spec.thresholdMetric.metricSource.spec.kind: "
        "kind latency_percentile needs percentile"
    ]


def test_every_problem_is_reported_with_the_metric_source_refusal():
    """A Prometheus SLO with a bad target, slice and policy reference: all four at once."""
    text = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: shop
  indicator:
    metadata: {name: checkout}
    spec:
      ratioMetric:
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok[5m]))'}}}
        total: {metricSource: {type: sloscope, spec: {}}}
  budgetingMethod: Timeslices
  objectives: [{target: 0.99, targetPercent: 99, timeSliceWindow: 1m}]
  alertPolicies: [{alertPolicyRef: missing}]
"""
    assert errors({"a.yaml": text}) == [
        "a.yaml:10:31: spec.indicator.spec.ratioMetric.good.metricSource.type: "
        "sloscope cannot evaluate metric source type 'Prometheus': it computes SLOs from the "
        "OpenTelemetry metrics in its own store (metricSource type: sloscope) and does not run "
        "Prometheus queries",
        "a.yaml:13:16: spec.objectives[0]: give exactly one of target and targetPercent",
        "a.yaml:13:16: spec.objectives[0].timeSliceTarget: Timeslices budgeting needs "
        "timeSliceTarget",
        "a.yaml:14:20: spec.alertPolicies[0].alertPolicyRef: no AlertPolicy named 'missing' in "
        "the files given",
    ]  # fmt: skip


GOOD_ROUTE = (
    "        good: {metricSource: {type: sloscope, spec: {route: /fast, method: [GET, HEAD]}}}\n"
)
BAD_ERRORS = (
    "        bad: {metricSource: {type: sloscope, spec: {filter: {error.type: {exists: true}}}}}\n"
)


def test_ratio_good_route_method_and_filter_select_the_good_series():
    lines = slo().splitlines(keepends=True)
    text = "".join([*lines[:9], GOOD_ROUTE, BAD_ERRORS, *lines[10:]])
    assert errors({"a.yaml": text}) == [
        "a.yaml:9:7: spec.indicator.spec.ratioMetric: give exactly one of good and bad with total"
    ]
    only_good = text.replace(BAD_ERRORS, "")
    (loaded,) = load({"a.yaml": only_good}).slos
    assert loaded.sli.good == Filter(
        (
            Condition("http.route", Op.IN, ("/fast",)),
            Condition("http.request.method", Op.IN, ("GET", "HEAD")),
        )
    )
    only_bad = text.replace(GOOD_ROUTE, "")
    (loaded,) = load({"a.yaml": only_bad}).slos
    assert loaded.sli.good == Filter((Condition("error.type", Op.EXISTS),), negate=True)


def test_ratio_good_cannot_name_another_metric_or_a_threshold_field():
    text = slo().replace(
        "spec: {filter: {http.response.status_code: {lt: 500}}}",
        "spec: {metric: http.client.request.duration, percentile: 99}",
    )
    assert errors({"a.yaml": text}) == [
        "a.yaml:10:92: spec.indicator.spec.ratioMetric.good.metricSource.spec.percentile: "
        "percentile belongs to a thresholdMetric's source",
    ]
    text = slo().replace(
        "spec: {filter: {http.response.status_code: {lt: 500}}}",
        "spec: {metric: http.client.request.duration}",
    )
    assert errors({"a.yaml": text}) == [
        "a.yaml:10:54: spec.indicator.spec.ratioMetric.good.metricSource.spec.metric: good "
        "selects series of total's metric (http.server.request.duration): good events of "
        "another metric cannot be counted against it",
    ]


def test_references_across_files_resolve_and_dangling_ones_are_named():
    policy = """\
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: pager}
spec:
  conditions: [{conditionRef: fast-burn}]
  notificationTargets: [{targetRef: oncall}]
"""
    uses = slo("  alertPolicies: [{alertPolicyRef: pager}]\n")
    assert errors({"policy.yaml": policy, "slo.yaml": uses}) == [
        "policy.yaml:5:17: spec.conditions[0].conditionRef: no AlertCondition named "
        "'fast-burn' in the files given",
        "policy.yaml:6:26: spec.notificationTargets[0].targetRef: no AlertNotificationTarget "
        "named 'oncall' in the files given",
    ]  # fmt: skip


def test_a_second_object_of_the_same_kind_and_name_is_an_error():
    text = slo() + "---\n" + slo()
    assert errors({"a.yaml": text}) == [
        "a.yaml:17:12: metadata.name: a second SLO named 'checkout' (the first is at a.yaml:1)"
    ]


def test_sloscope_annotations_are_checked_not_trusted():
    text = slo().replace(
        "metadata: {name: checkout}",
        "metadata:\n  name: checkout\n  annotations:\n"
        "    sloscope.dev/min-events: lots\n    sloscope.dev/no-data: maybe\n"
        "    sloscope.dev/per-route: 'yes'\n",
    )
    assert errors({"a.yaml": text}) == [
        "a.yaml:6:5: metadata.annotations.sloscope.dev/min-events: min-events is a whole "
        "number of events, not 'lots'",
        "a.yaml:7:5: metadata.annotations.sloscope.dev/no-data: no-data is good, bad or "
        "ignore, not 'maybe'",
        "a.yaml:8:5: metadata.annotations.sloscope.dev/per-route: unknown sloscope annotation "
        "sloscope.dev/per-route (known: min-events, no-data, per)",
    ]
    good = text.replace("lots", "'20'").replace("maybe", "bad")
    good = good.replace("per-route: 'yes'", "per: http.route")
    (loaded,) = load({"a.yaml": good}).slos
    assert (loaded.min_events, loaded.no_data.value, loaded.per) == (20, "bad", ("http.route",))


def test_composite_objectives_are_refused_by_name():
    text = slo(objective="{target: 0.99, indicatorRef: other, compositeWeight: 2}")
    assert errors({"a.yaml": text}) == [
        "a.yaml:13:16: spec.objectives[0]: composite SLOs (an indicator per objective) are "
        "not supported: give the SLO one indicator"
    ]
