"""`sloscope store retention`, and the promise behind it: only `serve` given a value, or
this command with --yes, changes what the store keeps; a read command never does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from processor.store import Store
from sloscope.cli import app
from sloscope.cli._exit import EXIT_OK, EXIT_USAGE
from tests.support.serve import ServeProcess

runner = CliRunner()
SLOS = """\
service: shop
slos:
  - {name: shop-availability, objective: 0.99, window: 30d, sli: {availability: {}}}
"""
ENGINES = (
    "SELECT name, engine_full FROM system.tables "
    "WHERE database = {db:String} AND engine != 'MaterializedView' ORDER BY name"
)


@pytest.fixture
def direct(store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Arguments that point the command at the test's own database."""
    monkeypatch.setenv("SLOSCOPE_STORE__DATABASE", store.database)
    return ["--data-dir", str(data_dir)]


def _ttl(store: Store, table: str) -> str:
    rows = store.query(
        "SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}",
        {"t": table},
    )
    return str(rows[0][0]).partition(" TTL ")[2].partition(" SETTINGS")[0]


def test_without_a_value_it_shows_the_retention_in_force(direct: list[str]) -> None:
    result = runner.invoke(app, ["store", "retention", *direct])
    assert result.exit_code == EXIT_OK, result.output
    assert result.output == "retention in force: raw rows 30 days, rollups 400 days\n"


def test_a_change_says_what_it_deletes_and_needs_yes(store: Store, direct: list[str]) -> None:
    store.command(
        "INSERT INTO {db:Identifier}.otel_metrics_gauge (ServiceName, MetricName, TimeUnix) "
        "VALUES ('s', 'm', now() - INTERVAL 20 DAY)"
    )
    asked = runner.invoke(app, ["store", "retention", "--days", "7", *direct])
    assert asked.exit_code == EXIT_USAGE, asked.output
    lines = asked.output.splitlines()
    assert lines[:3] == [
        "in force: raw rows 30 days, rollups 400 days",
        "wanted:   raw rows 7 days, rollups 400 days",
        "deletes, at the next merges:",
    ]
    assert lines[3].split() == [
        "otel_metrics_gauge", "1", "rows", "over", "1", "days", "(older", "than", "7", "days)"
    ]  # fmt: skip
    assert lines[-1] == "error: nothing changed: run again with --yes to apply"
    assert _ttl(store, "otel_metrics_gauge") == "TimeUnix + toIntervalDay(30)"

    applied = runner.invoke(app, ["store", "retention", "--days", "7", "--yes", *direct])
    assert applied.exit_code == EXIT_OK, applied.output
    assert applied.output.endswith("retention set: raw rows 7 days, rollups 400 days\n")
    assert _ttl(store, "otel_metrics_gauge") == "TimeUnix + toIntervalDay(7)"
    assert _ttl(store, "slo_histogram_1h") == "TimeUnix + toIntervalDay(400)"

    again = runner.invoke(app, ["store", "retention", "--rollup-days", "0", "--yes", *direct])
    assert again.exit_code == EXIT_OK, again.output
    assert "deletes nothing" in again.output
    assert _ttl(store, "slo_histogram_1h") == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "500", "--rollup-days", "90"], "error: rollup retention (90 days) must keep"),
        (["--rollup-days", "1"], "error: rollup retention must be 0 or 2..36500 days"),
    ],
    ids=["rollups-shorter-than-raw", "one-day-rollups"],
)
def test_impossible_retentions_exit_2(
    direct: list[str], arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["store", "retention", *arguments, "--yes", *direct])
    assert result.exit_code == EXIT_USAGE
    assert result.output.startswith(message)


def _sloscope(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLOSCOPE_")}
    return subprocess.run(
        [sys.executable, "-m", "sloscope", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _engines(data: Path, cwd: Path) -> list[list[str]]:
    """Every table's engine, read in a process of its own: the API refuses `system`
    tables, and chDB holds one data directory per process."""
    script = (
        "import json, sys, clickhouse_connect\n"
        "client = clickhouse_connect.get_client(dsn='chdb://' + sys.argv[1])\n"
        "rows = client.query(sys.argv[2], parameters={'db': 'sloscope'}).result_rows\n"
        "print(json.dumps([list(row) for row in rows]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(data), ENGINES],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == EXIT_OK, done.stderr
    rows: list[list[str]] = json.loads(done.stdout)
    assert rows, "the store has tables"
    return rows


def test_reads_after_serve_kept_everything_change_no_ttl(tmp_path: Path) -> None:
    """The issue's case: `serve --retention-days 0`, then `query`, `slo status` and
    `report sla` without the flag; every table's TTL is as serve left it."""
    data = tmp_path / "data"
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "shop.yaml").write_text(SLOS)
    serve = ServeProcess(data, args=["--retention-days", "0"])
    serve.start()
    try:
        refused = _sloscope(
            "store", "retention", "--days", "7", "--data-dir", str(data), cwd=tmp_path
        )
    finally:
        assert serve.stop() == 0
    assert refused.returncode == EXIT_USAGE
    assert "sloscope serve (pid" in refused.stderr
    assert "holds the store" in refused.stderr

    kept = _engines(data, tmp_path)
    assert not [name for name, engine in kept if " TTL " in engine]
    reads = [
        ("query", "SELECT 1"),
        ("slo", "status", "--slos", str(tmp_path / "slos")),
        ("report", "sla", "--month", "2026-01", "--slos", str(tmp_path / "slos")),
    ]
    for read in reads:
        done = _sloscope(*read, "--data-dir", str(data), cwd=tmp_path)
        assert done.returncode == EXIT_OK, (read, done.stderr)
    assert _engines(data, tmp_path) == kept

    shown = _sloscope("store", "retention", "--data-dir", str(data), cwd=tmp_path)
    assert shown.stdout == "retention in force: raw rows forever, rollups forever\n"


def test_a_read_of_a_store_never_served_says_so_and_exits_2(tmp_path: Path) -> None:
    for read in (("query", "SELECT 1"), ("store", "retention")):
        done = _sloscope(*read, "--data-dir", str(tmp_path / "none"), cwd=tmp_path)
        assert done.returncode == EXIT_USAGE
        assert done.stderr == (
            f"error: no store in {tmp_path / 'none'}: run `sloscope serve` once to create it\n"
        )
    assert not (tmp_path / "none").exists()
