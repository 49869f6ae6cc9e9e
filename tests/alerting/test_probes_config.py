"""The ``health_checks:`` list: the documented shape, and clear refusals."""

from __future__ import annotations

from datetime import timedelta

import pydantic
import pytest
import yaml

from alerting.probes import HealthChecks

CHECKS = pydantic.TypeAdapter(HealthChecks)

EXAMPLE = """
health_checks:
  - name: checkout-http
    service: checkout
    http: {url: "http://127.0.0.1:8000/healthz", status: 200}
    interval: 15s
    timeout: 2s
    depends_on: [postgres]
  - name: postgres
    service: postgres
    tcp: {host: 127.0.0.1, port: 5432}
  - name: payments
    service: payments
    grpc: {target: "127.0.0.1:50051"}
    depends_on: [postgres, store]
  - name: store
    service: sloscope
    store: {}
"""


def _errors(data):
    with pytest.raises(pydantic.ValidationError) as caught:
        CHECKS.validate_python(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


def test_the_documented_shape_loads():
    checks = CHECKS.validate_python(yaml.safe_load(EXAMPLE)["health_checks"])
    assert [(c.name, c.service, c.kind) for c in checks] == [
        ("checkout-http", "checkout", "http"),
        ("postgres", "postgres", "tcp"),
        ("payments", "payments", "grpc"),
        ("store", "sloscope", "store"),
    ]
    first = checks[0]
    assert (first.interval_delta, first.timeout_s) == (timedelta(seconds=15), 2.0)
    assert checks[1].interval_delta == timedelta(seconds=15)  # the default
    assert checks[2].grpc is not None
    assert checks[2].grpc.service == ""


def _check(**fields):
    return {"name": "c", "service": "s", "tcp": {"host": "h", "port": 1}, **fields}


@pytest.mark.parametrize(
    ("check", "where", "message"),
    [
        ({"name": "c", "service": "s"}, "0", "give exactly one of http, tcp, grpc, store (found: none)"),  # noqa: E501
        (_check(store={}), "0", "found: tcp, store"),
        (_check(interval="500ms"), "0", "interval must be between 1s and 1h"),
        (_check(interval="2h"), "0", "interval must be between 1s and 1h"),
        (_check(timeout="10ms"), "0", "timeout must be between 100ms and 60s"),
        (_check(interval="5s", timeout="10s"), "0", "timeout must not be longer than interval"),
        (_check(interval="soon"), "0", "is not a duration"),
        (_check(depends_on=["c"]), "0", "the check 'c' depends on itself"),
        (_check(tcp={"host": "h", "port": 70000}), "0.tcp.port", "less than or equal to 65535"),
        (_check(tcp=None, http={"url": "file:///etc/passwd"}), "0.http.url", "only http:// and https://"),
        (_check(tcp=None, http={"url": "http://a", "body": "(unclosed"}), "0.http", "RE2 syntax"),
        (_check(tcp=None, http={"url": "http://a", "tls_days_min": 14}), "0.http", "needs an https:// URL"),  # noqa: E501
        (_check(retries=3), "0.retries", "Extra inputs are not permitted"),
    ],
    ids=[
        "no-probe", "two-probes", "interval-short", "interval-long", "timeout-short",
        "timeout-over-interval", "bad-duration", "self-dependency", "bad-port", "file-url",
        "bad-regex", "tls-over-http", "unknown-key",
    ],
)  # fmt: skip
def test_bad_checks_are_refused_with_a_clear_message(check, where, message):
    errors = _errors([check])
    assert len(errors) == 1, errors
    assert errors[0][0] == where
    assert message in errors[0][1]


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        ([_check(name="a"), _check(name="a")], "the check name 'a' is used twice"),
        ([_check(name="a", depends_on=["b", "x"])], "'a' depends on unknown checks: b, x"),
        (
            [
                _check(name="a", depends_on=["b"]),
                _check(name="b", depends_on=["c"]),
                _check(name="c", depends_on=["a"]),
            ],
            "the dependencies loop: a -> b -> c -> a",
        ),
        (
            [
                _check(name="root", depends_on=["x"]),
                _check(name="x", depends_on=["y"]),
                _check(name="y", depends_on=["x"]),
            ],
            "the dependencies loop: x -> y -> x",
        ),
    ],
    ids=["duplicate", "unknown", "loop", "loop-below-a-root"],
)
def test_the_list_is_refused_when_names_or_dependencies_do_not_hold(checks, message):
    assert _errors(checks) == [("", f"Value error, {message}")]


def test_a_diamond_of_dependencies_is_not_a_loop():
    checks = CHECKS.validate_python(
        [
            _check(name="app", depends_on=["db", "cache"]),
            _check(name="db", depends_on=["disk"]),
            _check(name="cache", depends_on=["disk"]),
            _check(name="disk"),
        ]
    )
    assert len(checks) == 4
