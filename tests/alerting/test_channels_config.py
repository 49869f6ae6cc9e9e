"""The ``channels:`` list: the shapes users write, and clear refusals."""

from __future__ import annotations

import pydantic
import pytest
import yaml

from alerting.channels import Channel, Channels, MissingSecret

CHANNELS = pydantic.TypeAdapter(Channels)

EXAMPLE = """
channels:
  - name: oncall
    webhook: {url: "http://127.0.0.1:9000/hook", bearer_token_env: HOOK_TOKEN}
  - name: chat
    slack: {url: "https://hooks.slack.com/services/T0/B0/XYZsecret"}
  - name: am
    alertmanager: {url: "http://127.0.0.1:9093"}
  - name: mail
    email:
      to: [oncall@example.com]
      from: sloscope@example.com
      host: smtp.example.com
      port: 587
      starttls: true
      username: sloscope
      password_env: SMTP_PASSWORD
"""


def _errors(data):
    with pytest.raises(pydantic.ValidationError) as caught:
        CHANNELS.validate_python(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


def test_the_documented_shape_loads():
    channels = CHANNELS.validate_python(yaml.safe_load(EXAMPLE)["channels"])
    assert [(c.name, c.kind) for c in channels] == [
        ("oncall", "webhook"),
        ("chat", "slack"),
        ("am", "alertmanager"),
        ("mail", "email"),
    ]
    mail = channels[3].email
    assert mail is not None
    assert (mail.from_, mail.port, mail.starttls, mail.username) == (
        "sloscope@example.com",
        587,
        True,
        "sloscope",
    )


def test_secrets_come_from_the_environment_and_stay_out_of_repr():
    channels = CHANNELS.validate_python(yaml.safe_load(EXAMPLE)["channels"])
    webhook, mail = channels[0].webhook, channels[3].email
    assert webhook is not None
    assert mail is not None
    assert webhook.token({"HOOK_TOKEN": "t0ken"}) == "t0ken"
    assert mail.secret({"SMTP_PASSWORD": "pw"}) == "pw"
    with pytest.raises(MissingSecret, match="SMTP_PASSWORD is not set"):
        mail.secret({})
    assert "XYZsecret" not in repr(channels)
    inline = Channel.model_validate(
        {
            "name": "m",
            "email": {
                "to": ["a@b.c"],
                "from": "s@b.c",
                "host": "h",
                "username": "u",
                "password": "hunter2",
            },
        }
    )
    assert "hunter2" not in repr(inline)
    assert "hunter2" not in inline.model_dump_json()
    assert inline.email is not None
    assert inline.email.secret({}) == "hunter2"


@pytest.mark.parametrize(
    ("channel", "where", "message"),
    [
        ({"name": "x"}, "0", "give exactly one of webhook, slack, alertmanager, email (found: none)"),  # noqa: E501
        (
            {"name": "x", "webhook": {"url": "http://a"}, "slack": {"url": "http://b"}},
            "0",
            "found: webhook, slack",
        ),
        ({"name": "x", "webhook": {"url": "ftp://a/b"}}, "0.webhook.url", "only http:// and https://"),
        ({"name": "x", "webhook": {"url": "http:///path"}}, "0.webhook.url", "has no host"),
        ({"name": "x", "webhook": {"url": "http://a:99999/"}}, "0.webhook.url", "not a URL"),
        ({"name": "x", "webhook": {"url": "http://a/" + "p" * 2100}}, "0.webhook.url", "longer than 2048"),  # noqa: E501
        ({"name": "x", "webhook": {"url": "http://a", "token": "t"}}, "0.webhook.token", "Extra inputs"),  # noqa: E501
        ({"name": "x", "slack": {}}, "0.slack", "exactly one of url or url_env"),
        (
            {"name": "x", "email": {"to": ["nobody"], "from": "s@b.c", "host": "h"}},
            "0.email.to.0",
            "is not an e-mail address",
        ),
        (
            {"name": "x", "email": {"to": ["a@b.c"], "from": "s@b.c", "host": "h", "password_env": "P"}},  # noqa: E501
            "0.email",
            "a password needs a username",
        ),
        (
            {"name": "x", "email": {"to": ["a@b.c"], "from": "s@b.c", "host": "h", "tls": True}},
            "0.email",
            "give starttls or tls, not both",
        ),
        ({"name": "x", "webhook": {"url": "http://a", "bearer_token_env": "1BAD"}}, "0.webhook.bearer_token_env", "pattern"),  # noqa: E501
    ],
    ids=[
        "no-target", "two-targets", "ftp", "no-host", "bad-port", "too-long", "unknown-key",
        "slack-no-url", "bad-address", "password-without-user", "tls-and-starttls", "bad-env-name",
    ],
)  # fmt: skip
def test_bad_channels_are_refused_with_a_clear_message(channel, where, message):
    errors = _errors([channel])
    assert len(errors) == 1, errors
    assert errors[0][0] == where
    assert message in errors[0][1]


def test_channel_names_are_unique():
    errors = _errors([{"name": "a", "webhook": {"url": "http://x"}}] * 2)
    assert errors == [("", "Value error, the channel name 'a' is used twice")]
