from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from slo_engine import StatusReport
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
    assert json.loads(result.output) == {"valid": True, "errors": [], "slos": ["availability"]}


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
