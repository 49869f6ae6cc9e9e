"""The Collector configurations: the root one (one processor) with its commented
loadbalancing variant, and the live variant the deployments use, agree with each other and
with the processors they send to."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from sloscope.config import ProcessorSettings
from tests.support.deploy import DEPLOY, KUBERNETES, ROOT, load_all_yaml, load_yaml

ROOT_CONFIG = ROOT / "otel-collector.yaml"
LIVE_CONFIG = KUBERNETES / "otel-collector.yaml"


def _commented_variant(path: Path) -> dict[str, Any]:
    """The commented ``loadbalancing/sloscope:`` block of the root file, uncommented."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "# loadbalancing/sloscope:")
    block = []
    for line in lines[start:]:
        if not line.lstrip().startswith("#"):
            break
        block.append(line.replace("# ", "", 1))
    variant: dict[str, Any] = yaml.safe_load("\n".join(block))["loadbalancing/sloscope"]
    return variant


@pytest.mark.parametrize("path", [ROOT_CONFIG, LIVE_CONFIG], ids=["root", "live"])
def test_each_configuration_wires_what_it_defines(path: Path) -> None:
    config = load_yaml(path)
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for name in pipeline.get(kind, []):
                assert name in config[kind], f"{path.name}: {kind}: {name}"
    for name in config["service"].get("extensions", []):
        assert name in config["extensions"]


def test_the_live_variant_is_the_commented_one_routing_by_stream() -> None:
    commented = _commented_variant(ROOT_CONFIG)
    live = copy.deepcopy(load_yaml(LIVE_CONFIG)["exporters"]["loadbalancing/sloscope"])
    assert live["routing_key"] == commented["routing_key"] == "streamID"
    assert live["protocol"]["otlp"].pop("headers") == {
        "authorization": "Bearer ${env:SLOSCOPE_PROCESSOR_TOKEN}"
    }
    assert live["protocol"] == commented["protocol"]
    assert live["resolver"]["dns"]["hostname"] == "${env:SLOSCOPE_INGEST_HOSTNAME}"
    assert live["resolver"]["dns"]["port"] == commented["resolver"]["dns"]["port"]
    assert live["resolver"]["dns"]["port"] == ProcessorSettings().otlp_port


def test_the_variant_keeps_the_single_exporters_queue_and_retries() -> None:
    single = load_yaml(ROOT_CONFIG)["exporters"]["otlp/sloscope"]
    otlp = _commented_variant(ROOT_CONFIG)["protocol"]["otlp"]
    for key in ("sending_queue", "retry_on_failure", "compression", "timeout", "tls"):
        assert otlp[key] == single[key], key


def test_both_deployments_give_the_collector_what_it_reads() -> None:
    compose = load_yaml(DEPLOY / "docker-compose.yml")["services"]["collector"]
    assert (
        "./kubernetes/otel-collector.yaml:/etc/otelcol-contrib/config.yaml:ro"
        in (compose["volumes"])
    )
    kubernetes = next(
        d for d in load_all_yaml(KUBERNETES / "collector.yaml") if d["kind"] == "Deployment"
    )
    (container,) = kubernetes["spec"]["template"]["spec"]["containers"]
    needed = {"SLOSCOPE_INGEST_HOSTNAME", "SLOSCOPE_PROCESSOR_TOKEN"}
    assert needed <= set(compose["environment"])
    assert needed <= {variable["name"] for variable in container["env"]}
    assert compose["image"] == container["image"]
    hostname = next(v["value"] for v in container["env"] if v["name"] == "SLOSCOPE_INGEST_HOSTNAME")
    assert hostname.startswith("sloscope-ingest.sloscope.")
