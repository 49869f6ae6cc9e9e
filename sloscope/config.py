"""sloscope's configuration: one typed model, from flags, environment and a file.

Precedence is flag > environment (``SLOSCOPE_*``, nested with ``__``, e.g.
``SLOSCOPE_PROCESSOR__OTLP_PORT=4318``) > config file (YAML, ``--config`` or
``SLOSCOPE_CONFIG``) > default. Only flags the user actually passed count as flags.
Each part of the application takes only its own sub-model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from processor import ServerOptions
from processor.store import DEFAULT_DATA_DIR, DEFAULT_DATABASE, StoreOptions

CONFIG_ENV = "SLOSCOPE_CONFIG"
MIN_TOKEN_LENGTH = 16
# What `serve` runs: the OTLP receiver (ingest), the API, dashboard and loops (engine), or both.
Role = Literal["ingest", "engine", "all"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Section):
    """Where the data lives: ``dsn`` wins over ``data_dir`` when both are set.

    The retentions (days, 0 keeps forever) are the store's own, kept in it: a value set
    here is applied by ``sloscope serve``; unset, the store keeps the one in force (raw
    rows 30 days and SLO rollups 400 days for a new store). Read commands ignore them.

    For a server DSN, the connection settings below win over what the DSN carries; the
    password comes from the environment (``SLOSCOPE_STORE__PASSWORD``) or the config file.
    """

    dsn: str | None = None
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database: str = DEFAULT_DATABASE
    retention_days: int | None = Field(default=None, ge=0, le=36_500)
    rollup_retention_days: int | None = Field(default=None, ge=0, le=36_500)
    cluster: str | None = None
    replicated: bool = False
    user: str | None = None
    password: SecretStr | None = None
    secure: bool | None = None
    ca_file: Path | None = None
    verify: bool | None = None
    connect_timeout_s: int | None = Field(default=None, ge=1, le=3_600)
    send_receive_timeout_s: int | None = Field(default=None, ge=1, le=86_400)
    compression: Literal["lz4", "zstd", "gzip", "none"] | None = None

    def resolved_dsn(self) -> str:
        return self.dsn or f"chdb://{self.data_dir.expanduser().resolve()}"

    def options(self) -> StoreOptions:
        return StoreOptions(
            dsn=self.resolved_dsn(),
            database=self.database,
            retention_days=self.retention_days,
            rollup_retention_days=self.rollup_retention_days,
            cluster=self.cluster,
            replicated=self.replicated,
            server=ServerOptions(
                user=self.user,
                password=self.password.get_secret_value() if self.password else None,
                secure=self.secure,
                ca_file=self.ca_file,
                verify=self.verify,
                connect_timeout_s=self.connect_timeout_s,
                send_receive_timeout_s=self.send_receive_timeout_s,
                compression=self.compression,
            ),
        )


class ProcessorSettings(_Section):
    """The OTLP receiver and its write path."""

    otlp_host: str = "127.0.0.1"
    otlp_port: int = Field(default=4317, ge=0, le=65_535)
    token: SecretStr | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_receive_mib: int = Field(default=64, ge=1, le=1024)
    batch_points: int = Field(default=50_000, ge=1)
    flush_interval_s: float = Field(default=1.0, gt=0, le=60)
    queue_points: int = Field(default=500_000, ge=1)
    series_limit: int = Field(default=10_000, ge=1)
    max_attributes: int = Field(default=128, ge=1)
    max_attribute_bytes: int = Field(default=4096, ge=1)
    self_metrics_interval_s: float = Field(default=60.0, gt=0)


class ApiSettings(_Section):
    """The JSON API and dashboard; docs/security.md says what each limit guards.

    ``token`` (environment or config file only) is required for every ``/api/`` call
    when set, and ``serve`` refuses to listen beyond loopback without one.
    ``allowed_hosts`` are the names the API may be reached by besides loopback ones;
    ``cors_origins`` the web origins allowed to call it from a browser (none by default).
    Each query runs on its own read-only session with the ``query_*`` limits, at most
    ``max_concurrent_queries`` at once (429 beyond); bodies are limited while read.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8317, ge=0, le=65_535)
    token: SecretStr | None = None
    allowed_hosts: tuple[Annotated[str, Field(min_length=1, max_length=253)], ...] = ()
    cors_origins: tuple[Annotated[str, Field(min_length=1, max_length=2048)], ...] = ()
    max_concurrent_queries: int = Field(default=4, ge=1, le=64)
    max_connections: int = Field(default=64, ge=4, le=10_000)
    query_max_rows: int = Field(default=10_000, ge=1)
    query_timeout_s: float = Field(default=10.0, gt=0, le=3600)
    query_max_result_mib: int = Field(default=16, ge=1, le=4096)
    query_max_memory_mib: int = Field(default=512, ge=16, le=1_048_576)
    max_body_kib: int = Field(default=256, ge=1, le=65_536)
    max_slo_files_kib: int = Field(default=4096, ge=1, le=65_536)

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"must be at least {MIN_TOKEN_LENGTH} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value


class SloSettings(_Section):
    """Where the SLO files are."""

    slos_dir: Path = Path("./slos")


class Settings(BaseSettings):
    """The whole configuration, validated at load."""

    model_config = SettingsConfigDict(
        env_prefix="SLOSCOPE_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,  # a rejected token or DSN is never echoed back
    )

    store: StoreSettings = StoreSettings()
    processor: ProcessorSettings = ProcessorSettings()
    api: ApiSettings = ApiSettings()
    slo: SloSettings = SloSettings()
    log_level: str = "info"
    role: Role = "all"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("must be one of debug, info, warning, error")
        return value.lower()

    @classmethod
    def load(
        cls, flags: Mapping[str, Any] | None = None, config_file: Path | None = None
    ) -> Settings:
        """Settings from ``flags`` (nested, only what was passed), env and the config file."""
        path = config_file or _env_config_path()
        from_file = read_config_file(path) if path else {}
        from_env = EnvSettingsSource(cls)()
        return cls(**_deep_merge(_deep_merge(from_file, from_env), dict(flags or {})))


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _env_config_path() -> Path | None:
    value = os.environ.get(CONFIG_ENV)
    return Path(value) if value else None


class ConfigFileError(ValueError):
    """A config file that cannot be read or is not a YAML mapping."""


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file's mapping; a file that is missing or not a mapping is an error."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigFileError(f"cannot read config file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"config file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"config file {path} must hold a mapping")
    return data
