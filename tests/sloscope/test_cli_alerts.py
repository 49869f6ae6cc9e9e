"""``sloscope alerts ...`` on a store no server holds: the whole lifecycle with who and
when, parsed with the commands' own models; ``slo validate`` checks the alerting section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from alerting import AlertDetail, AlertList, EvaluationView, SilenceView
from processor.store import Store, StoreOptions
from sloscope.cli import app
from tests.alerting.test_evaluate import FILES, T0, _traffic


def _run(args: list[str], options: StoreOptions, slos: Path) -> str:
    full = [*args, "--slos", str(slos), "--dsn", options.dsn]
    result = CliRunner().invoke(app, full, env={"SLOSCOPE_STORE__DATABASE": options.database})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_evaluate_then_ack_annotate_resolve_with_who_and_when(
    tmp_path: Path, store: Store, store_options: StoreOptions
) -> None:
    slos = tmp_path / "slos"
    slos.mkdir()
    (slos / "checkout.yaml").write_text(FILES["slos/checkout.yaml"])
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    at = (T0 + timedelta(minutes=1)).isoformat()
    evaluated = EvaluationView.model_validate_json(
        _run(["alerts", "evaluate", "--at", at, "--json"], store_options, slos)
    )
    names = sorted(a.labels["alertname"] for a in evaluated.fired)
    assert "checkout-errors" in names
    errors = next(a for a in evaluated.fired if a.labels["alertname"] == "checkout-errors")
    assert errors.value is not None
    assert round(errors.value, 9) == 0.1

    listed = AlertList.model_validate_json(
        _run(["alerts", "list", "--state", "firing", "--json"], store_options, slos)
    )
    assert len(listed.alerts) == len(evaluated.fired)

    _run(["alerts", "ack", errors.id, "--by", "alice", "--note", "on it"], store_options, slos)
    _run(
        ["alerts", "annotate", errors.id, "rolled back", "--by", "bob", "--kind", "action"],
        store_options,
        slos,
    )
    _run(["alerts", "resolve", errors.id, "--by", "bob", "--note", "fixed"], store_options, slos)
    detail = AlertDetail.model_validate_json(
        _run(["alerts", "show", errors.id, "--json"], store_options, slos)
    )
    assert detail.alert.state == "resolved"
    assert detail.alert.acknowledged_by == "alice"
    assert [(e.kind, e.actor, e.note_kind, e.note) for e in detail.history] == [
        ("firing", "sloscope", "", ""),
        ("acknowledged", "alice", "note", "on it"),
        ("annotation", "bob", "action", "rolled back"),
        ("resolved", "bob", "resolution", "fixed"),
    ]
    assert detail.history[0].at == T0 + timedelta(minutes=1)
    assert all(e.at.tzinfo is not None for e in detail.history)


def test_a_second_ack_and_an_unknown_id_exit_2(
    tmp_path: Path, store: Store, store_options: StoreOptions
) -> None:
    slos = tmp_path / "slos"
    slos.mkdir()
    (slos / "checkout.yaml").write_text(FILES["slos/checkout.yaml"])
    env = {"SLOSCOPE_STORE__DATABASE": store_options.database}
    tail = ["--slos", str(slos), "--dsn", store_options.dsn]
    result = CliRunner().invoke(app, ["alerts", "ack", "nope", "--by", "alice", *tail], env=env)
    assert result.exit_code == 2, result.output
    assert "no alert 'nope'" in result.stderr
    until = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    args = ["alerts", "silence", "service=checkout", "--by", "a", "--until", until, *tail]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert "ends after it starts" in result.stderr


def test_validate_reports_alerting_errors_with_their_place(tmp_path: Path) -> None:
    path = tmp_path / "checkout.yaml"
    path.write_text(FILES["slos/checkout.yaml"].replace("aggregation: p99", "aggregation: p98"))
    result = CliRunner().invoke(app, ["slo", "validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:28:7: alerting.rules[1].aggregation: Input should be" in result.stderr


def test_tables_for_people_and_a_silence(
    tmp_path: Path, store: Store, store_options: StoreOptions
) -> None:
    slos = tmp_path / "slos"
    slos.mkdir()
    (slos / "checkout.yaml").write_text(FILES["slos/checkout.yaml"])
    _traffic(store, T0 + timedelta(seconds=30), good=90, bad=10)
    at = (T0 + timedelta(minutes=1)).isoformat()
    evaluated = _run(["alerts", "evaluate", "--at", at], store_options, slos)
    assert "firing" in evaluated
    assert "alertname=checkout-errors,service=checkout,severity=critical" in evaluated
    listed = _run(["alerts", "list"], store_options, slos)
    alert_id = next(line.split()[0] for line in listed.splitlines() if "checkout-errors" in line)
    shown = _run(["alerts", "show", alert_id], store_options, slos)
    assert "summary: checkout fails 10% of requests" in shown
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    silenced = _run(
        ["alerts", "silence", "service=checkout", "alertname=~checkout-.*", "--by", "bob",
         "--until", until, "--comment", "deploy"],
        store_options,
        slos,
    )  # fmt: skip
    view = SilenceView.model_validate_json(silenced)
    assert view.matchers == {"service": "checkout", "alertname": {"matches": "checkout-.*"}}
    assert (view.created_by, view.comment) == ("bob", "deploy")
