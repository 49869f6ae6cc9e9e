from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from slo_engine import StatusReport, ValidationReport
from sloscope.cli import app
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.5
    window: 1d
    sli: {availability: {route: /a}}
"""


def test_validate_reports_file_line_and_field_and_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SLOS.replace("objective: 0.5", "objective: 2"))
    result = CliRunner().invoke(app, ["slo", "validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:4:5: slos[0].objective: Input should be less than 1" in result.output


def test_validate_accepts_a_good_file(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(SLOS)
    result = CliRunner().invoke(app, ["slo", "validate", "--json", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "slos": ["availability"],
        "explained": [],
    }


EXPLAINED = """\
service: shop
slos:
  - name: checkout-availability
    objective: 0.999
    window: 30d
    sli: {availability: {route: /checkout}}
  - name: search-latency
    objective: 0.99
    window: 7d
    budgeting: timeslices
    slice: 5m
    slice_target: 0.9
    min_events: 10
    no_data: bad
    sli: {latency: {threshold: 90, route: /search}}
    alerting:
      windows: [{severity: page, long: 1h, short: 5m, factor: 10}]
"""


def test_validate_explain_says_what_each_slo_computes(tmp_path):
    path = tmp_path / "slos.yaml"
    path.write_text(EXPLAINED)
    result = CliRunner().invoke(app, ["slo", "validate", "--explain", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == f"""\
checkout-availability  ({path}:3)
  service    shop
  SLI        availability: http.server.request.duration (explicit histogram)
  events     http.route = /checkout
  good       http.response.status_code < 500
  window     rolling 30d
  budgeting  occurrences: good events / events over the window
  objective  99.9% (error budget 0.1%)
  alerts     page   1h & 5m    burn rate > 14.4 (2% of the budget)
             page   6h & 30m   burn rate > 6 (5% of the budget)
             ticket 1d & 2h    burn rate > 3 (10% of the budget)
             ticket 3d & 6h    burn rate > 1 (10% of the budget)

search-latency  ({path}:7)
  service    shop
  SLI        latency: http.server.request.duration (explicit histogram)
  events     http.route = /search
  good       a request took <= 90 s
  window     rolling 1w
  budgeting  timeslices: good 5m slices / counted slices; a slice is good when at least 90% \
of its events are good
  objective  99% (error budget 1%)
  min events 10
  no data    bad
  alerts     page   1h & 5m    burn rate > 10

ok: 2 SLOs, 0 exclusions
"""
    )
    assert result.stderr == (
        f"{path}:15:21: warning: slos[1].sli.latency.threshold: a latency threshold of 90 is "
        "90 s: thresholds are in the metric's unit, seconds for "
        "http.server.request.duration; for 90 ms write 0.09\n"
    )


def test_validate_explain_json_is_the_validation_report(tmp_path):
    path = tmp_path / "slos.yaml"
    path.write_text(EXPLAINED)
    result = CliRunner().invoke(app, ["slo", "validate", "--explain", "--json", str(path)])
    assert result.exit_code == 0, result.output
    report = ValidationReport.model_validate_json(result.stdout)
    assert (report.valid, report.slos) == (True, ["checkout-availability", "search-latency"])
    assert [w.field for w in report.warnings] == ["slos[1].sli.latency.threshold"]
    search = report.explained[1]
    assert (search.threshold, search.threshold_unit, search.op, search.slice_seconds) == (
        90.0,
        "s",
        "<=",
        300.0,
    )
    assert (search.window.kind, search.window.length_seconds) == ("rolling", 7 * 86400.0)
    assert [(a.long_window, a.short_window, a.op, a.factor) for a in search.alerts] == [
        ("1h", "5m", ">", 10.0)
    ]
    factors = [a.factor for a in report.explained[0].alerts]
    assert factors == pytest.approx([14.4, 6.0, 3.0, 1.0], rel=1e-12)


def test_validate_json_keeps_warnings_beside_errors(tmp_path):
    good = tmp_path / "a.yaml"
    good.write_text(EXPLAINED)
    bad = tmp_path / "b.yaml"
    bad.write_text(SLOS.replace("objective: 0.5", "objective: 2"))
    result = CliRunner().invoke(app, ["slo", "validate", "--json", str(good), str(bad)])
    assert result.exit_code == 2, result.output
    report = ValidationReport.model_validate_json(result.stdout)
    assert [(e.line, e.field) for e in report.errors] == [(4, "slos[0].objective")]
    assert [(w.line, w.field) for w in report.warnings] == [(15, "slos[1].sli.latency.threshold")]


def test_status_json_parses_with_the_api_model(tmp_path, store, store_options):
    end = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    points = [
        histogram_point(
            "shop", request_attributes("/a", "GET", code), end - timedelta(minutes=m), [0.1, 0.2]
        )
        for m in range(1, 30)
        for code in (200, 500)
    ]
    insert_histograms(store, points)
    path = tmp_path / "slos.yaml"
    path.write_text(SLOS)
    args = [
        "slo",
        "status",
        "--slos",
        str(path),
        "--at",
        end.isoformat(),
        "--json",
        "--fail-on-breach",
    ]
    args += ["--dsn", store_options.dsn]
    result = CliRunner().invoke(app, args, env={"SLOSCOPE_STORE__DATABASE": store_options.database})
    assert result.exit_code == 0, result.output
    report = StatusReport.model_validate_json(result.stdout)
    (found,) = report.slos
    assert (found.good, found.total, found.status) == (58.0, 116.0, "warning")


def test_an_instant_beyond_the_years_1970_to_2200_exits_2(tmp_path, store_options):
    path = tmp_path / "slos.yaml"
    path.write_text(SLOS)
    args = ["slo", "status", "--slos", str(path), "--at", "0001-01-01", "--dsn", store_options.dsn]
    result = CliRunner().invoke(app, args, env={"SLOSCOPE_STORE__DATABASE": store_options.database})
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "error: the evaluation instant 0001-01-01T00:00:00+00:00: "
        "the year 1 is outside 1970 to 2200\n"
    )


def _status(path, store_options, *extra: str) -> StatusReport:
    args = ["slo", "status", "--slos", str(path), "--json", "--dsn", store_options.dsn, *extra]
    result = CliRunner().invoke(app, args, env={"SLOSCOPE_STORE__DATABASE": store_options.database})
    assert result.exit_code == 0, result.output
    return StatusReport.model_validate_json(result.stdout)


def test_status_without_at_counts_every_point_up_to_now_and_at_replays_exactly(
    tmp_path, store, store_options
):
    """Without --at the partial minute counts: a point stored a microsecond before the
    call is in; one ahead of the clock is not. --at evaluates at its instant exactly."""
    before = datetime.now(UTC)
    stamps = {
        before - timedelta(minutes=2, seconds=13): 7,
        before - timedelta(milliseconds=1500): 11,
        before - timedelta(microseconds=1): 13,
        before + timedelta(hours=1): 17,
    }
    attributes = request_attributes("/a", "GET", 200)
    insert_histograms(
        store, [histogram_point("shop", attributes, at, [0.1] * n) for at, n in stamps.items()]
    )
    path = tmp_path / "slos.yaml"
    path.write_text(SLOS)
    now = _status(path, store_options)
    assert before < now.evaluated_at < before + timedelta(hours=1)
    assert [s.total for s in now.slos] == [7 + 11 + 13]
    replay = before - timedelta(seconds=1)
    replayed = _status(path, store_options, "--at", replay.isoformat())
    assert replayed.evaluated_at == replay
    assert [s.total for s in replayed.slos] == [7 + 11]
