from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from sloscope.config import ConfigFileError, Settings


def test_flag_beats_environment_beats_file_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "sloscope.yaml"
    config.write_text("processor:\n  otlp_port: 1111\n  series_limit: 7\napi:\n  port: 2222\n")
    monkeypatch.setenv("SLOSCOPE_PROCESSOR__OTLP_PORT", "3333")
    monkeypatch.setenv("SLOSCOPE_API__PORT", "4444")

    settings = Settings.load({"api": {"port": 5555}}, config)

    assert settings.api.port == 5555  # flag
    assert settings.processor.otlp_port == 3333  # environment over file
    assert settings.processor.series_limit == 7  # file over default
    assert settings.processor.batch_points == 50_000  # default


def test_the_config_file_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("store:\n  data_dir: /var/lib/sloscope\n")
    monkeypatch.setenv("SLOSCOPE_CONFIG", str(config))
    assert Settings.load().store.resolved_dsn() == "chdb:///var/lib/sloscope"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must hold a mapping"),
        ("processor: [unclosed\n", "not valid YAML"),
    ],
    ids=["not-a-mapping", "bad-yaml"],
)
def test_a_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    with pytest.raises(ConfigFileError, match=message):
        Settings.load(config_file=config)


def test_a_missing_config_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"cannot read config file .*missing\.yaml"):
        Settings.load(config_file=tmp_path / "missing.yaml")


def test_unknown_keys_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("processor:\n  otlp_prot: 1\n")
    with pytest.raises(pydantic.ValidationError, match="otlp_prot"):
        Settings.load(config_file=config)


def test_tokens_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLOSCOPE_PROCESSOR__TOKEN", "hunter2")
    settings = Settings.load()
    assert "hunter2" not in repr(settings)
    assert settings.processor.token is not None
    assert settings.processor.token.get_secret_value() == "hunter2"


def test_a_short_api_token_is_refused_without_being_echoed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLOSCOPE_API__TOKEN", "short-secret")
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings.load()
    assert "must be at least 16 characters" in str(caught.value)
    assert "short-secret" not in str(caught.value)
    monkeypatch.setenv("SLOSCOPE_API__TOKEN", "a-long-enough-secret")
    token = Settings.load().api.token
    assert token is not None
    assert token.get_secret_value() == "a-long-enough-secret"


def test_server_settings_reach_the_store_and_the_password_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLOSCOPE_STORE__DSN", "https://clickhouse.internal:8443/metrics")
    monkeypatch.setenv("SLOSCOPE_STORE__USER", "sloscope")
    monkeypatch.setenv("SLOSCOPE_STORE__PASSWORD", "hunter2")
    monkeypatch.setenv("SLOSCOPE_STORE__CA_FILE", "/etc/ssl/ca.pem")
    monkeypatch.setenv("SLOSCOPE_STORE__SEND_RECEIVE_TIMEOUT_S", "30")
    monkeypatch.setenv("SLOSCOPE_STORE__COMPRESSION", "zstd")
    settings = Settings.load()
    server = settings.store.options().server
    assert (server.user, server.password, server.compression) == ("sloscope", "hunter2", "zstd")
    assert (str(server.ca_file), server.send_receive_timeout_s) == ("/etc/ssl/ca.pem", 30)
    for shown in (repr(settings), settings.model_dump_json(), repr(settings.store.options())):
        assert "hunter2" not in shown


def test_an_unknown_compression_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="compression"):
        Settings.load({"store": {"compression": "snappy"}})
