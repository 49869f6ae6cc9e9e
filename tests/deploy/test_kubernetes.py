"""deploy/kubernetes: the kustomization's files exist and agree with each other and with
the code (commands the CLI accepts, settings, ports, probes, resources, secrets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sloscope.config import ApiSettings, ProcessorSettings
from tests.support.deploy import (
    KUBERNETES,
    accepted_by_the_cli,
    load_all_yaml,
    load_yaml,
    port_of,
    project_version,
    settings_field,
)

OTLP_PORT = ProcessorSettings().otlp_port
API_PORT = ApiSettings().port


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(KUBERNETES / "kustomization.yaml")
    return document


@pytest.fixture(scope="module")
def objects(kustomization: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for resource in kustomization["resources"]:
        for document in load_all_yaml(KUBERNETES / resource):
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


def _containers(objects: dict[tuple[str, str], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for (kind, _), document in objects.items():
        if kind == "Deployment":
            yield from document["spec"]["template"]["spec"]["containers"]


def _sloscope(objects: dict[tuple[str, str], dict[str, Any]], name: str) -> dict[str, Any]:
    container: dict[str, Any] = objects[("Deployment", name)]["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def test_every_file_the_kustomization_names_exists(kustomization: dict[str, Any]) -> None:
    for resource in kustomization["resources"]:
        assert (KUBERNETES / resource).is_file(), resource
    for generator in kustomization["configMapGenerator"]:
        for entry in generator.get("files", []):
            assert (KUBERNETES / entry.rpartition("=")[2]).is_file(), entry
    (secrets,) = kustomization["secretGenerator"]
    assert secrets["envs"] == ["secrets.env"]
    assert (KUBERNETES / "secrets.env.example").is_file()
    assert "deploy/kubernetes/secrets.env" in (KUBERNETES.parents[1] / ".gitignore").read_text()


def test_the_parts_are_there(objects: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert set(objects) == {
        ("Namespace", "sloscope"),
        ("Deployment", "sloscope-ingest"),
        ("Service", "sloscope-ingest"),
        ("PodDisruptionBudget", "sloscope-ingest"),
        ("HorizontalPodAutoscaler", "sloscope-ingest"),
        ("Deployment", "sloscope-engine"),
        ("Service", "sloscope-engine"),
        ("Deployment", "otel-collector"),
        ("Service", "otel-collector"),
    }
    assert objects[("Service", "sloscope-ingest")]["spec"]["clusterIP"] == "None"
    assert objects[("Deployment", "sloscope-engine")]["spec"]["replicas"] == 1
    assert objects[("Deployment", "sloscope-engine")]["spec"]["strategy"]["type"] == "Recreate"


@pytest.mark.parametrize(
    ("deployment", "role"), [("sloscope-ingest", "ingest"), ("sloscope-engine", "engine")]
)
def test_the_sloscope_commands_are_accepted_and_their_ports_are_the_defaults(
    objects: dict[tuple[str, str], dict[str, Any]], deployment: str, role: str
) -> None:
    container = _sloscope(objects, deployment)
    args = container["args"]
    accepted_by_the_cli(args)
    assert args[args.index("--role") + 1] == role
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["http"] == API_PORT == port_of(args[args.index("--api") + 1])
    if role == "ingest":
        assert ports["otlp-grpc"] == OTLP_PORT == port_of(args[args.index("--otlp") + 1])
    assert container["image"] == f"sloscope:{project_version()}"


def test_every_deployment_has_probes_requests_and_runs_as_a_user(
    objects: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for (kind, name), document in objects.items():
        if kind != "Deployment":
            continue
        pod = document["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert document["spec"]["selector"]["matchLabels"].items() <= (
            document["spec"]["template"]["metadata"]["labels"].items()
        )
        for container in pod["containers"]:
            assert {"readinessProbe", "livenessProbe"} <= set(container), name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["image"].rpartition(":")[2] not in ("", "latest")
    probe = _sloscope(objects, "sloscope-ingest")["readinessProbe"]["httpGet"]
    assert (probe["path"], probe["port"]) == ("/healthz", "http")


def test_the_disruption_budget_and_autoscaler_aim_at_the_processors(
    objects: dict[tuple[str, str], dict[str, Any]],
) -> None:
    labels = objects[("Deployment", "sloscope-ingest")]["spec"]["template"]["metadata"]["labels"]
    budget = objects[("PodDisruptionBudget", "sloscope-ingest")]["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget["minAvailable"] == 1
    scaler = objects[("HorizontalPodAutoscaler", "sloscope-ingest")]["spec"]
    assert scaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "sloscope-ingest",
    }
    assert scaler["minReplicas"] >= 2
    service = objects[("Service", "sloscope-ingest")]["spec"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["port"] == OTLP_PORT


def test_environment_names_are_settings_and_secrets_come_from_the_secret(
    kustomization: dict[str, Any], objects: dict[tuple[str, str], dict[str, Any]]
) -> None:
    literals = next(
        g for g in kustomization["configMapGenerator"] if g["name"] == "sloscope-config"
    )
    names = [literal.partition("=")[0] for literal in literals["literals"]]
    secret_keys = {
        line.partition("=")[0]
        for line in (KUBERNETES / "secrets.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    for deployment in ("sloscope-ingest", "sloscope-engine"):
        for variable in _sloscope(objects, deployment)["env"]:
            names.append(variable["name"])
            reference = variable["valueFrom"]["secretKeyRef"]
            assert reference["name"] == "sloscope-secrets"
            assert reference["key"] in secret_keys
    for name in names:
        assert settings_field(name), name
    for container in _containers(objects):
        for variable in container.get("env", []):
            if "PASSWORD" in variable["name"] or "TOKEN" in variable["name"]:
                assert "secretKeyRef" in variable["valueFrom"], variable["name"]


def test_the_slo_files_validate() -> None:
    context = accepted_by_the_cli(["slo", "validate", str(KUBERNETES / "slos")])
    assert context.command.name == "validate"
    from typer.testing import CliRunner

    from sloscope.cli import app

    result = CliRunner().invoke(app, ["slo", "validate", str(KUBERNETES / "slos")])
    assert result.exit_code == 0, result.output
