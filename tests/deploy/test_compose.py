"""deploy/Dockerfile and deploy/docker-compose.yml agree with the code: the commands parse
with the CLI's own parser, the environment names are settings, the ports are the defaults,
the images are pinned, and secrets come from the environment only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from processor.store import Store
from sloscope.config import ApiSettings, ProcessorSettings, Settings
from tests.support.deploy import (
    DEPLOY,
    ROOT,
    accepted_by_the_cli,
    interpolated,
    load_yaml,
    port_of,
    project_version,
    settings_field,
)

SLOSCOPE_SERVICES = ("schema", "ingest", "engine")
OTLP_PORT = ProcessorSettings().otlp_port
API_PORT = ApiSettings().port


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(DEPLOY / "docker-compose.yml")
    return document


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


def _flag(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_the_stack_has_its_parts(compose: dict[str, Any]) -> None:
    services = _services(compose)
    assert set(services) == {"clickhouse", "schema", "ingest", "engine", "collector", "grafana"}
    assert services["ingest"]["deploy"]["replicas"] == 2
    assert _flag(services["ingest"]["command"], "--role") == "ingest"
    assert _flag(services["engine"]["command"], "--role") == "engine"
    clickhouse = services["clickhouse"]
    assert "clickhouse-data:/var/lib/clickhouse" in clickhouse["volumes"]
    assert "/ping" in " ".join(clickhouse["healthcheck"]["test"])
    assert services["schema"]["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    for name in ("ingest", "engine"):
        assert services[name]["depends_on"]["schema"]["condition"] == (
            "service_completed_successfully"
        )


@pytest.mark.parametrize("service", SLOSCOPE_SERVICES)
def test_each_sloscope_command_is_accepted_by_the_cli(
    compose: dict[str, Any], service: str
) -> None:
    context = accepted_by_the_cli(_services(compose)[service]["command"])
    assert context.command.name == _services(compose)[service]["command"][0]


def test_ports_are_the_defaults_and_published_on_loopback_only(compose: dict[str, Any]) -> None:
    services = _services(compose)
    assert port_of(_flag(services["ingest"]["command"], "--otlp")) == OTLP_PORT
    assert port_of(_flag(services["ingest"]["command"], "--api")) == API_PORT
    assert port_of(_flag(services["engine"]["command"], "--api")) == API_PORT
    assert services["engine"]["ports"] == [f"127.0.0.1:{API_PORT}:{API_PORT}"]
    for name, service in services.items():
        for published in service.get("ports", []):
            assert published.startswith("127.0.0.1:"), (name, published)
    assert services["collector"]["environment"]["SLOSCOPE_INGEST_HOSTNAME"] == "ingest"


def test_the_environment_names_are_settings_and_load(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment: dict[str, str] = compose["x-sloscope"]["environment"]
    for name in environment:
        assert settings_field(name), name
    given = {"CLICKHOUSE_PASSWORD": "pw", "SLOSCOPE_PROCESSOR_TOKEN": "t" * 32}
    given["SLOSCOPE_API_TOKEN"] = "a" * 32
    for name, value in environment.items():
        monkeypatch.setenv(name, interpolated(str(value), given))
    settings = Settings.load()
    options = settings.store.options()
    assert (options.dsn, options.database, options.retention_days) == (
        "http://clickhouse:8123/sloscope",
        "sloscope",
        30,
    )
    assert (options.server.user, options.server.password) == ("sloscope", "pw")
    assert settings.processor.token is not None
    assert settings.processor.token.get_secret_value() == "t" * 32


def test_secrets_come_from_the_environment_only(compose: dict[str, Any]) -> None:
    secret = re.compile(r"PASSWORD|TOKEN")
    for name, service in {**_services(compose), "x-sloscope": compose["x-sloscope"]}.items():
        for key, value in (service.get("environment") or {}).items():
            if secret.search(key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), (name, key, value)
    with pytest.raises(KeyError, match="CLICKHOUSE_PASSWORD"):
        interpolated(compose["services"]["clickhouse"]["environment"]["CLICKHOUSE_PASSWORD"], {})
    assert (DEPLOY / ".env.example").read_text().count("=\n") >= 5


def test_images_are_pinned_and_sloscope_is_this_version(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        image = service.get("image") or compose["x-sloscope"]["image"]
        repository, _, tag = image.rpartition(":")
        assert repository, (name, image)
        assert tag not in ("", "latest"), (name, image)
    assert compose["x-sloscope"]["image"] == f"sloscope:{project_version()}"
    assert compose["x-sloscope"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


def test_the_clickhouse_image_runs_the_engine_the_tests_run(
    compose: dict[str, Any], store: Store
) -> None:
    tag = _services(compose)["clickhouse"]["image"].rpartition(":")[2]
    version = store.query("SELECT version()")[0][0]
    assert version.startswith(tag + ".")


def test_the_dockerfile_runs_sloscope_as_a_user_with_a_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim AS build$", text, re.M)
    assert re.search(r"^USER sloscope$", text, re.M)
    assert 'ENTRYPOINT ["sloscope"]' in text
    assert f"EXPOSE {OTLP_PORT} {API_PORT}" in text
    assert f"http://127.0.0.1:{API_PORT}/healthz" in text
    copied = set(re.findall(r"^COPY (\w+) \1$", text, re.M))
    packages = {
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").exists() and path.name not in ("tests", "bench")
    }
    assert copied == packages
    accepted_by_the_cli(["serve"])
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert {f"!{name}/**" for name in packages} <= set(ignored)
