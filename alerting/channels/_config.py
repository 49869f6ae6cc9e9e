"""The ``channels:`` list as written in the SLO files (pydantic, the trust boundary).

::

    channels:
      - name: oncall
        webhook: {url: "http://127.0.0.1:9000/hook", bearer_token_env: HOOK_TOKEN}
      - name: chat
        slack: {url_env: SLACK_WEBHOOK_URL}
      - name: am
        alertmanager: {url: "http://127.0.0.1:9093"}
      - name: mail
        email: {to: [oncall@example.com], from: sloscope@example.com, host: smtp.example.com,
                port: 587, starttls: true, username: sloscope, password_env: SMTP_PASSWORD}

Each channel has exactly one target. Secrets (bearer tokens, SMTP passwords, Slack
webhook URLs, which carry their token in the path) come from a named environment variable
or, failing that, from the file as a ``SecretStr``: they never appear in a ``repr``, a log
line or an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from alerting._one_of import exactly_one
from alerting._urls import HttpUrl, http_url

Name = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_.:-]+$")]
EnvName = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
_ADDRESS = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]{1,255}$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")


def _address(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError(f"{value[:80]!r} is not an e-mail address")
    return value


Address = Annotated[str, AfterValidator(_address)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MissingSecret(LookupError):
    """A channel's secret is named by an environment variable that is not set."""


def _from_env(env_name: str | None, inline: SecretStr | None, environ: Mapping[str, str]) -> str:
    if env_name is not None:
        value = environ.get(env_name)
        if not value:
            raise MissingSecret(f"the environment variable {env_name} is not set")
        return value
    return inline.get_secret_value() if inline is not None else ""


class WebhookTarget(Strict):
    """Alertmanager's webhook payload (version 4) POSTed to ``url``, with an optional
    ``Authorization: Bearer`` token."""

    url: HttpUrl
    bearer_token_env: EnvName | None = None
    bearer_token: SecretStr | None = Field(default=None, max_length=4096)
    # At most this many alerts per body (0: all), the rest counted in truncatedAlerts.
    max_alerts: Annotated[int, Field(ge=0, le=10_000)] = 0

    @model_validator(mode="after")
    def _one_token_source(self) -> WebhookTarget:
        if self.bearer_token_env is not None and self.bearer_token is not None:
            raise ValueError("give bearer_token_env or bearer_token, not both")
        return self

    def token(self, environ: Mapping[str, str] = os.environ) -> str:
        """The bearer token ('' for none); ``MissingSecret`` when its variable is unset."""
        return _from_env(self.bearer_token_env, self.bearer_token, environ)


class SlackTarget(Strict):
    """A Slack-compatible incoming webhook. Its URL holds the token, so it is kept
    out of ``repr`` and may come from the environment (``url_env``)."""

    url: HttpUrl | None = Field(default=None, repr=False)
    url_env: EnvName | None = None

    @model_validator(mode="after")
    def _one_url_source(self) -> SlackTarget:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        return self

    def resolved_url(self, environ: Mapping[str, str] = os.environ) -> str:
        """The webhook URL; ``MissingSecret`` when its variable is unset, ``ValueError``
        when the variable does not hold an http(s) URL."""
        if self.url is not None:
            return self.url
        return http_url(_from_env(self.url_env, None, environ))


class AlertmanagerTarget(Strict):
    """An Alertmanager: alerts are pushed to ``{url}/api/v2/alerts``, which then groups,
    silences and routes them itself."""

    url: HttpUrl
    bearer_token_env: EnvName | None = None

    def token(self, environ: Mapping[str, str] = os.environ) -> str:
        return _from_env(self.bearer_token_env, None, environ)


class EmailTarget(Strict):
    """Mail through an SMTP relay: STARTTLS (default on) and AUTH when a username is
    given. ``tls: true`` speaks TLS from the first byte (port 465) instead."""

    to: Annotated[list[Address], Field(min_length=1, max_length=100)]
    from_: Address = Field(alias="from")
    host: Annotated[str, Field(pattern=_HOST.pattern)]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    starttls: bool = True
    tls: bool = False
    username: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    password_env: EnvName | None = None
    password: SecretStr | None = Field(default=None, max_length=4096)
    subject_prefix: Annotated[str, Field(max_length=128)] = "[sloscope]"
    # A CA bundle to trust instead of the system's (a relay with a private CA).
    ca_file: Annotated[str, Field(min_length=1, max_length=4096)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EmailTarget:
        if self.password_env is not None and self.password is not None:
            raise ValueError("give password_env or password, not both")
        if self.starttls and self.tls:
            raise ValueError("give starttls or tls, not both (tls is for port 465)")
        has_password = self.password_env is not None or self.password is not None
        if has_password and self.username is None:
            raise ValueError("a password needs a username")
        return self

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return value.strip()

    def secret(self, environ: Mapping[str, str] = os.environ) -> str:
        """The SMTP password ('' for none); ``MissingSecret`` when its variable is unset."""
        return _from_env(self.password_env, self.password, environ)


Target = WebhookTarget | SlackTarget | AlertmanagerTarget | EmailTarget
TargetKind = Literal["webhook", "slack", "alertmanager", "email"]
KINDS: tuple[TargetKind, ...] = ("webhook", "slack", "alertmanager", "email")


class Channel(Strict):
    """A named destination with exactly one target."""

    name: Name
    webhook: WebhookTarget | None = None
    slack: SlackTarget | None = None
    alertmanager: AlertmanagerTarget | None = None
    email: EmailTarget | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self) -> Channel:
        exactly_one(self, KINDS)
        return self

    @property
    def kind(self) -> TargetKind:
        return cast(TargetKind, exactly_one(self, KINDS))

    @property
    def target(self) -> Target:
        target: Target = getattr(self, self.kind)
        return target


def _unique_names(channels: list[Channel]) -> list[Channel]:
    seen: set[str] = set()
    for channel in channels:
        if channel.name in seen:
            raise ValueError(f"the channel name {channel.name!r} is used twice")
        seen.add(channel.name)
    return channels


Channels = Annotated[list[Channel], Field(max_length=256), AfterValidator(_unique_names)]
"""The ``channels:`` list: at most 256, names unique."""
