"""`sloscope query`: directly on the store, and through a running `sloscope serve`."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from processor.store import Store
from sloscope.cli import app
from sloscope.cli._exit import EXIT_OK, EXIT_USAGE
from tests.support import otlp
from tests.support.serve import ServeProcess

runner = CliRunner()


@pytest.fixture
def direct(store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Arguments that point `query` at the test's own database."""
    monkeypatch.setenv("SLOSCOPE_STORE__DATABASE", store.database)
    return ["--data-dir", str(data_dir)]


def test_query_prints_a_table(direct: list[str]) -> None:
    result = runner.invoke(app, ["query", "SELECT 1 AS one, 'x' AS letter", *direct])
    assert result.exit_code == EXIT_OK, result.output
    assert result.output == "one  letter\n---  ------\n1    x\n(1 rows)\n"


def test_a_percent_sign_reaches_the_engine_as_written(direct: list[str]) -> None:
    """The store always binds `db`, and clickhouse-connect %-formatted a text without
    placeholders: LIKE 'otel_%' crashed."""
    sql = "SELECT name FROM (SELECT arrayJoin(['otel_x', 'y']) AS name) WHERE name LIKE 'otel_%'"
    result = runner.invoke(app, ["query", sql, "--json", *direct])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.output)["rows"] == [["otel_x"]]


def test_query_json_and_csv_with_parameters(direct: list[str]) -> None:
    sql = "SELECT {n:UInt8} + 1 AS n, {s:String} AS s"
    as_json = runner.invoke(app, ["query", sql, "-p", "n=41", "-p", "s=a,b", "--json", *direct])
    assert as_json.exit_code == EXIT_OK, as_json.output
    assert json.loads(as_json.output) == {
        "columns": ["n", "s"],
        "types": ["UInt16", "String"],
        "rows": [[42, "a,b"]],
    }
    as_csv = runner.invoke(app, ["query", sql, "-p", "n=1", "-p", "s=a,b", "--csv", *direct])
    assert list(csv.reader(io.StringIO(as_csv.output))) == [["n", "s"], ["2", "a,b"]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["DROP TABLE x"], "error: refused: DROP (only SELECT"),
        (["SELECT 1", "--json", "--csv"], "error: --json and --csv exclude each other"),
        (["SELECT 1", "-p", "novalue"], "error: --param wants name=value"),
        (["SELECT nope"], "error: Code: 47."),
    ],
    ids=["write", "two-formats", "bad-param", "bad-sql"],
)
def test_mistakes_exit_2_with_one_line(
    direct: list[str], arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["query", *arguments, *direct])
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.output.startswith(message)
    assert "Traceback" not in result.output


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(tmp_path / "served")
    server.start()
    yield server
    server.stop()


def test_query_goes_through_the_running_server(serve: ServeProcess) -> None:
    request = otlp.request("served")
    otlp.sum_point(otlp.metric(request, "hits"), 7, time.time() - 60)
    otlp.export(serve.otlp_endpoint, request)
    sql = "SELECT sum(Value) FROM {db:Identifier}.otel_metrics_sum WHERE MetricName = 'hits'"
    result = runner.invoke(app, ["query", sql, "--data-dir", str(serve.data_dir), "--json"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.output)["rows"] == [[7.0]]
    percent = sql.replace("= 'hits'", "LIKE 'hi%'")
    result = runner.invoke(app, ["query", percent, "--data-dir", str(serve.data_dir), "--json"])
    assert json.loads(result.output)["rows"] == [[7.0]]
    refused = runner.invoke(app, ["query", "SELECT 1; SELECT 2", "--data-dir", str(serve.data_dir)])
    assert refused.exit_code == EXIT_USAGE
    bad = runner.invoke(app, ["query", "SELECT nope", "--data-dir", str(serve.data_dir)])
    assert bad.exit_code == EXIT_USAGE
    assert bad.output.startswith("error: Code: 47.")


def test_serve_stops_cleanly_on_sigterm(serve: ServeProcess) -> None:
    assert serve.stop() == 0
    assert not (serve.data_dir / "sloscope-serve.json").exists()


def test_a_second_serve_on_a_held_directory_is_refused(serve: ServeProcess, tmp_path: Path) -> None:
    second = ServeProcess(serve.data_dir)
    with pytest.raises(RuntimeError, match="exited with 2"):
        second.start()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--otlp", "nonsense"], "expected HOST:PORT"),
        (["--tls-cert", "cert.pem"], "give both --tls-cert and --tls-key"),
    ],
    ids=["bad-address", "half-tls"],
)
def test_serve_flag_mistakes_exit_2(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["serve", *arguments])
    assert result.exit_code == EXIT_USAGE
    assert message in result.output


def test_debug_shows_the_traceback(direct: list[str]) -> None:
    result = runner.invoke(app, ["--debug", "query", "SELECT nope", *direct])
    assert result.exit_code != EXIT_OK
    assert result.exception is not None
    assert "Unknown expression identifier" in str(result.exception)
