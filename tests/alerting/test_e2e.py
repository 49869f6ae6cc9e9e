"""End to end: an instrumented app exports to a real ``sloscope serve``, starts failing,
and the page reaches a recording webhook as Alertmanager's payload; an acknowledgement
through the API is recorded with who and when."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from alerting import AlertDetail
from instrumentation import build_telemetry, instrument_app, resolve_settings
from sloscope.cli import app
from tests.instrumentation.apps.checkout import create_app
from tests.support.receivers import HttpReceiver, http_receiver
from tests.support.serve import ServeProcess
from tests.support.servers import serving, wait_for

pytestmark = pytest.mark.slow
SLOS = """\
service: checkout
slos:
  - name: checkout-availability
    objective: 0.999
    window: 30d
    sli:
      availability: {{}}
alerting:
  interval: 1s
  channels:
    - name: oncall
      webhook: {{url: "{url}/hook"}}
  rules:
    - name: checkout-errors
      service: checkout
      aggregation: error_ratio
      window: 1m
      op: gt
      value: 0.05
      severity: critical
      channels: [oncall]
      annotations: {{summary: "checkout fails {{{{ value | percent }}}} of requests"}}
"""


def _alerts(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return [alert for post in receiver.posts("/hook") for alert in post.json()["alerts"]]


def test_a_failing_app_pages_the_webhook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with http_receiver() as receiver:
        slos = tmp_path / "slos"
        slos.mkdir()
        (slos / "checkout.yaml").write_text(SLOS.format(url=receiver.url))
        serve = ServeProcess(
            tmp_path / "data",
            args=["--slos", str(slos)],
            env={"SLOSCOPE_PROCESSOR__SELF_METRICS_INTERVAL_S": "1"},
        )
        serve.start()
        try:
            monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{serve.otlp_endpoint}")
            settings = resolve_settings(os.environ, service_name="checkout", resource_metrics=False)
            telemetry = build_telemetry(settings)
            try:
                service = instrument_app(
                    create_app(telemetry.meter_provider), meter_provider=telemetry.meter_provider
                )
                with serving(service) as base_url, httpx.Client(base_url=base_url) as client:
                    for _ in range(20):
                        client.get("/unavailable")
                assert telemetry.force_flush(timeout_s=30)
            finally:
                telemetry.shutdown()
            # The rule's minute is evaluated once it has ended (at most a minute later).
            wait_for(lambda: bool(_alerts(receiver)), timeout_s=150, what="the page")
            body = receiver.posts("/hook")[0].json()
            assert body["version"] == "4"
            assert body["status"] == "firing"
            assert body["receiver"] == "oncall"
            (alert,) = body["alerts"]
            assert alert["labels"] == {
                "alertname": "checkout-errors",
                "service": "checkout",
                "severity": "critical",
            }
            assert alert["annotations"] == {"summary": "checkout fails 100% of requests"}

            listed = _get(serve.api_url + "/api/alerts?state=firing")["alerts"]
            (firing,) = [a for a in listed if a["labels"]["alertname"] == "checkout-errors"]
            assert firing["value"] == 1.0
            # Alerting's own metrics are stored beside the processor's.
            wait_for(
                lambda: _monitoring(serve).get("monitoring.alerts.created", 0) >= 1,
                timeout_s=30,
                what="alerting's own metrics",
            )
            assert _monitoring(serve)["monitoring.slo.evaluations"] >= 1
            # The CLI goes through the server that holds the data directory.
            data = ["--data-dir", str(serve.data_dir)]
            acked = CliRunner().invoke(app, ["alerts", "ack", firing["id"], "--by", "alice", *data])
            assert acked.exit_code == 0, acked.output
            again = CliRunner().invoke(app, ["alerts", "ack", firing["id"], "--by", "bob", *data])
            assert again.exit_code == 2, again.output
            assert "acknowledged by alice" in again.stderr
        finally:
            assert serve.stop() == 0
        # A restart keeps the alert, acknowledged, with its history.
        serve.start()
        try:
            shown = CliRunner().invoke(app, ["alerts", "show", firing["id"], "--json", *data])
            assert shown.exit_code == 0, shown.output
            detail = AlertDetail.model_validate_json(shown.stdout)
            assert detail.alert.state == "acknowledged"
            assert [(e.kind, e.actor) for e in detail.history] == [
                ("firing", "sloscope"),
                ("acknowledged", "alice"),
            ]
        finally:
            assert serve.stop() == 0


def _monitoring(serve: ServeProcess) -> dict[str, float]:
    rows = serve.query(
        "SELECT MetricName, sum(Value) FROM {db:Identifier}.otel_metrics_sum "
        "WHERE ServiceName = 'sloscope' AND MetricName LIKE 'monitoring.%' GROUP BY MetricName"
    )
    return {str(row[0]): float(row[1]) for row in rows}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())
