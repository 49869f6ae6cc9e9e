from __future__ import annotations

from datetime import timedelta

import pytest

from slo_engine import SpecError, load, read_sources
from slo_engine._model import Budgeting, Op, SliKind

NATIVE = """\
service: checkout
slos:
  - name: checkout-availability
    objective: 0.999
    window: 30d
    sli:
      availability:
        route: /checkout
  - name: checkout-p99
    objective_percent: 99
    window: {calendar: month, timezone: Europe/Berlin}
    budgeting: timeslices
    slice: 5m
    sli:
      latency_percentile: {percentile: 99, threshold: 300ms}
maintenance:
  - name: weekly-db
    start: 2026-01-06T02:00:00
    timezone: Europe/Berlin
    duration: 2h
    rrule: FREQ=WEEKLY;BYDAY=TU
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: search-latency
spec:
  thresholdMetric:
    metricSource:
      type: sloscope
      spec: {route: /search}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-slo
spec:
  service: web-shop
  indicatorRef: search-latency
  timeWindow:
    - duration: 2w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good experience
      op: lt
      value: 0.5
      target: 0.99
"""


def test_native_and_openslo_load_into_one_model():
    loaded = load({"native.yaml": NATIVE, "other/openslo.yaml": OPENSLO})
    by_name = {slo.name: slo for slo in loaded.slos}
    availability = by_name["checkout-availability"]
    assert availability.sli.kind is SliKind.AVAILABILITY
    assert availability.sli.good.conditions[0].op is Op.LT
    assert by_name["checkout-p99"].budgeting is Budgeting.TIMESLICES
    assert by_name["checkout-p99"].sli.threshold == pytest.approx(0.3, rel=1e-12)
    search = by_name["search-slo"]
    assert search.service == "web-shop"
    assert search.sli.kind is SliKind.LATENCY
    assert search.sli.filter.conditions[0].values == ("/search",)
    assert len(loaded.exclusions) == 1


def test_every_error_is_reported_with_file_line_and_field():
    text = NATIVE.replace("objective: 0.999", "objective: 1.5").replace("window: 30d", "windw: 30d")
    with pytest.raises(SpecError) as caught:
        load({"bad.yaml": text})
    shown = [str(issue) for issue in caught.value.issues]
    assert shown == [
        "bad.yaml:4:5: slos[0].objective: Input should be less than 1",
        "bad.yaml:5:5: slos[0].windw: unknown field",
    ]


def test_openslo_reference_to_a_missing_sli_is_an_error():
    text = OPENSLO.split("---\n")[1]
    with pytest.raises(SpecError, match="no SLI named 'search-latency'"):
        load({"slo.yaml": text})


def test_percentile_objective_needs_timeslices():
    text = NATIVE.replace("    budgeting: timeslices\n", "")
    with pytest.raises(SpecError, match="needs timeslices budgeting"):
        load({"a.yaml": text})


def test_yaml_syntax_error_and_duplicate_keys_are_located():
    with pytest.raises(SpecError) as caught:
        load({"a.yaml": "service: a\nservice: b\n", "b.yaml": "slos: [\n"})
    shown = [str(issue) for issue in caught.value.issues]
    assert shown[0] == "a.yaml:2:1: service: duplicate key"
    assert shown[1].startswith("b.yaml:2:1: invalid YAML")


def test_hostile_values_load_as_plain_text():
    hostile = "x'); DROP TABLE otel_metrics_histogram; --"
    pattern = hostile.replace(")", "\\\\)")  # valid RE2: the parenthesis escaped
    text = f"""\
service: "{hostile}"
slos:
  - name: "{hostile} \\" quoted"
    objective: 0.9
    sli:
      availability:
        filter: {{"{hostile}": {{matches: "{pattern}"}}}}
"""
    loaded = load({"a.yaml": text})
    assert loaded.slos[0].service == hostile
    assert loaded.slos[0].sli.filter.conditions[0].key == hostile
    assert loaded.slos[0].sli.filter.conditions[0].values == (hostile.replace(")", "\\)"),)


def test_very_long_names_are_rejected():
    text = NATIVE.replace("checkout-availability", "x" * 300)
    with pytest.raises(SpecError, match="at most 256 characters"):
        load({"a.yaml": text})


def test_time_slice_rules_per_sli_kind():
    text = """\
service: s
slos:
  - {name: exp, objective: 0.9, budgeting: timeslices, slice_target: 0.9,
     sli: {latency: {threshold: 0.2, histogram: exponential}}}
  - {name: check, objective: 0.9, budgeting: timeslices, sli: {health_check: {check: db}}}
  - {name: p99, objective: 0.9, budgeting: ratio_timeslices, slice: 5m,
     sli: {latency_percentile: {percentile: 99, threshold: 1}}}
"""
    exp, check, p99 = load({"a.yaml": text}).slos
    assert exp.sli.source.value == "exponential_histogram"
    assert (check.sli.aggregation.value, check.sli.op.value, check.sli.threshold) == (
        "min",
        "ge",
        1.0,
    )
    assert p99.slice == timedelta(minutes=5)
    bad = """\
service: s
slos:
  - {name: a, objective: 0.9, budgeting: timeslices, sli: {availability: {}}}
  - {name: b, objective: 0.9, sli: {latency_percentile: {percentile: 99, threshold: 1}}}
"""
    with pytest.raises(SpecError) as caught:
        load({"a.yaml": bad})
    assert [str(i) for i in caught.value.issues] == [
        "a.yaml:3:5: slos[0].slice_target: timeslices budgeting needs slice_target",
        "a.yaml:4:5: slos[1].budgeting: a latency percentile objective needs timeslices budgeting",
    ]


def test_sli_shorthands_are_refused_as_filter_keys():
    """``good: {route: /fast}`` names an attribute no series has: refused, not read as
    a filter that nothing passes."""
    text = """\
service: s
slos:
  - name: a
    objective: 0.9
    sli: {availability: {route: /checkout, good: {route: /fast, metric: x}}}
"""
    with pytest.raises(SpecError) as caught:
        load({"a.yaml": text})
    assert [str(i) for i in caught.value.issues] == [
        "a.yaml:5:51: slos[0].sli.availability.good.route: 'route' is not an attribute: write "
        "the attribute http.route (route: is a shorthand of the SLI, not of a filter)",
        "a.yaml:5:65: slos[0].sli.availability.good.metric: 'metric' is not an attribute: a "
        "filter selects series of the SLI's metric: set metric: on the SLI instead",
    ]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("([", "missing ]: ["),
        ("(?=lookahead)", "invalid perl operator: (?="),
        ("(a)\\\\1", "invalid escape sequence: \\1"),
        ("a{2,1}", "invalid repetition size: {2,1}"),
    ],
    ids=["bracket", "lookahead", "backreference", "repetition"],
)
def test_patterns_re2_refuses_are_refused_at_validation(pattern, reason):
    native = f"""\
service: s
slos:
  - {{name: a, objective: 0.9,
     sli: {{availability: {{filter: {{http.route: {{matches: "{pattern}"}}}}}}}}}}
"""
    route = f'{{route: {{matches: "{pattern}"}}}}'
    openslo = OPENSLO.replace("spec: {route: /search}", f"spec: {route}")
    with pytest.raises(SpecError) as caught:
        load({"native.yaml": native, "openslo.yaml": openslo})
    assert [str(i) for i in caught.value.issues] == [
        "native.yaml:4:49: slos[0].sli.availability.filter.http.route.matches: "
        f"not a valid RE2 pattern: {reason}",
        "openslo.yaml:9:22: spec.thresholdMetric.metricSource.spec.route.matches: "
        f"not a valid RE2 pattern: {reason}",
    ]


def test_a_latency_threshold_over_a_minute_is_a_warning():
    text = NATIVE.replace("threshold: 300ms", "threshold: 300")
    loaded = load({"a.yaml": text, "b.yaml": OPENSLO.replace("value: 0.5", "value: 500")})
    assert [str(w) for w in loaded.warnings] == [
        "a.yaml:15:44: slos[1].sli.latency_percentile.threshold: a latency threshold of 300 is "
        "300 s: thresholds are in the metric's unit, seconds for http.server.request.duration; "
        "for 300 ms write 0.3",
        "b.yaml:25:7: spec.objectives[0].value: a latency threshold of 500 is 500 s: thresholds "
        "are in the metric's unit, seconds for http.server.request.duration; for 500 ms write 0.5",
    ]
    assert len(loaded.slos) == 3


def test_warnings_travel_with_the_errors():
    with pytest.raises(SpecError) as caught:
        load(
            {
                "a.yaml": NATIVE.replace("threshold: 300ms", "threshold: 120"),
                "b.yaml": NATIVE.replace("objective: 0.999", "objective: 2"),
            }
        )
    assert [i.field for i in caught.value.issues] == ["slos[0].objective"]
    assert [w.field for w in caught.value.warnings] == ["slos[1].sli.latency_percentile.threshold"]


def test_a_missing_path_is_an_error_unless_missing_is_ok(tmp_path) -> None:
    absent = tmp_path / "slos"
    with pytest.raises(SpecError, match="cannot read: No such file or directory"):
        read_sources([absent])
    (tmp_path / "here.yaml").write_text("service: shop\nslos: []\n")
    assert read_sources([absent, tmp_path / "here.yaml"], missing_ok=True) == {
        str(tmp_path / "here.yaml"): "service: shop\nslos: []\n"
    }
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe")
    with pytest.raises(SpecError, match="not UTF-8 text"):
        read_sources([absent, tmp_path], missing_ok=True)
