"""Delivery to real local receivers: the HTTP recorder (for webhooks, Slack and an
Alertmanager) and an aiosmtpd relay with STARTTLS and AUTH. Sleeps between retries go
through an injected function, so no test waits for a backoff."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from alerting.channels import (
    AlertNotice,
    Channel,
    Notification,
    RetryPolicy,
    alertmanager_v2_alerts,
    alertmanager_webhook_payload,
    deliver,
    fingerprint,
    slack_payload,
)
from tests.support.receivers import http_receiver, silent_server, smtp_receiver
from tests.support.servers import free_port

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)
LABELS = {"alertname": "checkout-errors", "service": "checkout", "severity": "critical"}
NOTIFICATION = Notification(
    receiver="oncall",
    status="firing",
    group_key="checkout-errors/checkout",
    group_labels={"alertname": "checkout-errors", "service": "checkout"},
    alerts=(
        AlertNotice("firing", LABELS, {"summary": "7.5% fail"}, T0, None, fingerprint(LABELS)),
    ),
)


class Clock:
    """An injected clock that moves only when the injected sleep is called."""

    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


DEFAULT_POLICY = RetryPolicy()


def _send(channel, notification=NOTIFICATION, *, policy=DEFAULT_POLICY, environ=None):
    clock = Clock()

    async def run():
        async with httpx.AsyncClient() as http:
            return await deliver(
                channel, notification, http=http, policy=policy, sleep=clock.sleep,
                clock=clock, environ=environ or {},
            )  # fmt: skip

    return asyncio.run(run()), clock


def test_webhook_receives_alertmanagers_payload_with_the_bearer_token():
    with http_receiver() as receiver:
        channel = Channel.model_validate(
            {"name": "oncall", "webhook": {"url": f"{receiver.url}/hook", "bearer_token_env": "T"}}
        )
        delivery, clock = _send(channel, environ={"T": "s3cret"})
        posts = receiver.posts("/hook")
    assert (delivery.ok, delivery.attempts, delivery.status, delivery.error) == (
        True,
        1,
        200,
        None,
    )
    assert (delivery.channel, delivery.kind) == ("oncall", "webhook")
    assert len(posts) == 1
    assert posts[0].json() == alertmanager_webhook_payload(NOTIFICATION)
    assert posts[0].headers["authorization"] == "Bearer s3cret"
    assert posts[0].headers["content-type"] == "application/json"
    assert clock.slept == []


def test_a_failing_receiver_is_retried_with_exponential_backoff():
    with http_receiver() as receiver:
        receiver.answer(500, 503)
        channel = Channel.model_validate({"name": "oncall", "webhook": {"url": receiver.url}})
        delivery, clock = _send(channel, policy=RetryPolicy(attempts=4, backoff_s=0.5))
        posts = receiver.posts("/")
    assert (delivery.ok, delivery.attempts, delivery.status) == (True, 3, 200)
    assert clock.slept == [0.5, 1.0]
    assert delivery.first_attempt_at == T0
    assert delivery.last_attempt_at == T0 + timedelta(seconds=1.5)
    assert len(posts) == 3
    assert posts[0].body == posts[2].body


def test_retries_stop_at_the_policys_attempts_and_the_failure_is_returned():
    with http_receiver() as receiver:
        receiver.answer(500, 500, 500)
        channel = Channel.model_validate({"name": "oncall", "webhook": {"url": receiver.url}})
        delivery, clock = _send(
            channel, policy=RetryPolicy(attempts=3, backoff_s=1, multiplier=10, max_backoff_s=5)
        )
    assert (delivery.ok, delivery.attempts, delivery.status, delivery.error) == (
        False,
        3,
        500,
        "HTTP 500",
    )
    assert clock.slept == [1.0, 5.0]


def test_a_refused_body_is_not_sent_again():
    with http_receiver() as receiver:
        receiver.answer(400)
        channel = Channel.model_validate({"name": "oncall", "webhook": {"url": receiver.url}})
        delivery, clock = _send(channel)
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, 400)
    assert clock.slept == []


def test_a_dead_port_gives_a_failed_delivery_without_raising():
    channel = Channel.model_validate(
        {"name": "down", "webhook": {"url": f"http://127.0.0.1:{free_port()}/hook"}}
    )
    delivery, clock = _send(channel, policy=RetryPolicy(attempts=2, timeout_s=5))
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 2, None)
    assert delivery.error is not None
    assert delivery.error.startswith("ConnectError")
    assert clock.slept == [0.5]


def test_a_receiver_that_never_answers_is_cut_at_the_attempts_timeout():
    async def main():
        clock = Clock()
        async with silent_server() as url, httpx.AsyncClient() as http:
            channel = Channel.model_validate({"name": "slow", "webhook": {"url": url}})
            policy = RetryPolicy(attempts=2, timeout_s=0.2)
            return await deliver(
                channel, NOTIFICATION, http=http, policy=policy, sleep=clock.sleep, clock=clock
            )

    delivery = asyncio.run(main())
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 2, None)
    assert delivery.error == "no answer within 0.2 s"


def test_a_down_channel_does_not_hold_up_the_others():
    dead = Channel.model_validate(
        {"name": "down", "webhook": {"url": f"http://127.0.0.1:{free_port()}/"}}
    )
    with http_receiver() as receiver:
        live = Channel.model_validate({"name": "up", "webhook": {"url": receiver.url}})
        order: list[str] = []
        stall = asyncio.Event()

        async def sleep(seconds: float) -> None:
            await stall.wait()  # the dead channel's backoff never ends until released

        async def run():
            async with httpx.AsyncClient() as http:
                slow = asyncio.create_task(deliver(dead, NOTIFICATION, http=http, sleep=sleep))
                fast = await deliver(live, NOTIFICATION, http=http, sleep=sleep)
                order.append(f"live ok={fast.ok}")
                stall.set()
                late = await slow
                order.append(f"dead ok={late.ok}")

        asyncio.run(run())
        assert len(receiver.posts("/")) == 1
    assert order == ["live ok=True", "dead ok=False"]


def test_a_missing_secret_fails_the_delivery_and_names_only_the_variable():
    channel = Channel.model_validate({"name": "chat", "slack": {"url_env": "SLACK_URL"}})
    delivery, _ = _send(channel)
    assert (delivery.ok, delivery.attempts) == (False, 1)
    assert delivery.error == "the environment variable SLACK_URL is not set"


def test_slack_webhook_receives_the_slack_body():
    with http_receiver() as receiver:
        channel = Channel.model_validate({"name": "chat", "slack": {"url_env": "SLACK_URL"}})
        url = f"{receiver.url}/services/T0/B0/token"
        delivery, _ = _send(channel, environ={"SLACK_URL": url})
        posts = receiver.posts("/services/T0/B0/token")
    assert delivery.ok
    assert [post.json() for post in posts] == [slack_payload(NOTIFICATION)]
    assert "authorization" not in posts[0].headers


def test_alertmanager_receives_the_alerts_on_its_v2_api():
    with http_receiver() as receiver:
        channel = Channel.model_validate({"name": "am", "alertmanager": {"url": receiver.url}})
        delivery, _ = _send(channel)
        posts = receiver.posts("/api/v2/alerts")
    assert delivery.ok
    assert [post.json() for post in posts] == [alertmanager_v2_alerts(NOTIFICATION)]


def test_the_error_never_holds_the_slack_url():
    port = free_port()
    url = f"http://127.0.0.1:{port}/services/T0/B0/very-secret-token"
    channel = Channel.model_validate({"name": "chat", "slack": {"url": url}})
    delivery, _ = _send(channel, policy=RetryPolicy(attempts=1))
    assert delivery.error is not None
    assert "very-secret-token" not in delivery.error
    assert "very-secret-token" not in json.dumps(repr(delivery))


def _mail_channel(relay, **changes):
    email = {
        "to": ["oncall@example.com"],
        "from": "sloscope@example.com",
        "host": relay.host,
        "port": relay.port,
        "username": relay.username,
        "password_env": "SMTP_PASSWORD",
        "ca_file": str(relay.ca_file),
        **changes,
    }
    return Channel.model_validate({"name": "mail", "email": email})


def test_email_goes_through_starttls_and_auth(tmp_path):
    with smtp_receiver(tmp_path) as relay:
        delivery, _ = _send(_mail_channel(relay), environ={"SMTP_PASSWORD": relay.password})
    assert (delivery.ok, delivery.attempts, delivery.status, delivery.kind) == (
        True,
        1,
        250,
        "email",
    )
    assert relay.logins == ["sloscope"]
    assert len(relay.messages) == 1
    mail_from, recipients, message = relay.messages[0]
    assert (mail_from, recipients) == ("sloscope@example.com", ["oncall@example.com"])
    assert message["Subject"] == "[sloscope] [FIRING:1] checkout-errors checkout"
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "summary: 7.5% fail" in plain.get_content()


def test_a_temporary_smtp_refusal_is_retried(tmp_path):
    with smtp_receiver(tmp_path) as relay:
        relay.replies.extend(["451 4.3.0 try again later"])
        delivery, clock = _send(_mail_channel(relay), environ={"SMTP_PASSWORD": relay.password})
    assert (delivery.ok, delivery.attempts, delivery.status) == (True, 2, 250)
    assert clock.slept == [0.5]
    assert len(relay.messages) == 1


def test_a_permanent_smtp_refusal_is_final(tmp_path):
    with smtp_receiver(tmp_path) as relay:
        relay.replies.extend(["554 5.7.1 rejected"])
        delivery, clock = _send(_mail_channel(relay), environ={"SMTP_PASSWORD": relay.password})
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, 554)
    assert clock.slept == []


def test_email_over_implicit_tls(tmp_path):
    with smtp_receiver(tmp_path, implicit_tls=True) as relay:
        channel = _mail_channel(relay, starttls=False, tls=True)
        delivery, _ = _send(channel, environ={"SMTP_PASSWORD": relay.password})
    assert (delivery.ok, delivery.attempts, delivery.status) == (True, 1, 250)
    assert relay.logins == ["sloscope"]
    assert len(relay.messages) == 1


def test_a_wrong_smtp_password_is_final_and_not_echoed(tmp_path):
    with smtp_receiver(tmp_path) as relay:
        delivery, clock = _send(_mail_channel(relay), environ={"SMTP_PASSWORD": "wrong-pw"})
        assert relay.messages == []
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, 535)
    assert delivery.error is not None
    assert "wrong-pw" not in delivery.error
    assert clock.slept == []


def test_a_relay_whose_certificate_is_not_trusted_is_refused(tmp_path):
    with smtp_receiver(tmp_path) as relay:
        channel = _mail_channel(relay, ca_file=None)
        delivery, _ = _send(channel, environ={"SMTP_PASSWORD": relay.password})
        assert relay.messages == []
    assert (delivery.ok, delivery.attempts) == (False, 1)
    assert delivery.error is not None
    assert delivery.error.startswith("SSLCertVerificationError")


def test_a_dead_smtp_port_is_retried_then_fails():
    channel = Channel.model_validate(
        {
            "name": "mail",
            "email": {"to": ["a@b.c"], "from": "s@b.c", "host": "127.0.0.1", "port": free_port()},
        }
    )
    delivery, clock = _send(channel, policy=RetryPolicy(attempts=3, timeout_s=5))
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 3, None)
    assert delivery.error is not None
    assert delivery.error.startswith("ConnectionRefusedError")
    assert clock.slept == [0.5, 1.0]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"attempts": 0}, "attempts must be between 1 and 20"),
        ({"timeout_s": 0}, "timeout_s must be in"),
        ({"multiplier": 0.5}, "multiplier >= 1"),
    ],
    ids=["no-attempts", "no-timeout", "shrinking-backoff"],
)
def test_a_nonsensical_retry_policy_is_refused(policy, message):
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**policy)
