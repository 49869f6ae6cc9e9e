"""``load_health_checks``: the lists of several files add up; each problem at its
file:line:col."""

from __future__ import annotations

import pytest

from alerting.probes import load_health_checks
from slo_engine import SpecError

APP = """\
service: checkout
slos: []
health_checks:
  - name: checkout-http
    service: checkout
    http: {url: "http://127.0.0.1:8000/healthz"}
    depends_on: [postgres]
"""
DB = """\
health_checks:
  - name: postgres
    service: postgres
    tcp: {host: 127.0.0.1, port: 5432}
"""


def _issues(sources):
    with pytest.raises(SpecError) as caught:
        load_health_checks(sources)
    return [str(issue) for issue in caught.value.issues]


def test_checks_of_several_files_add_up_and_may_depend_on_each_other():
    checks = load_health_checks({"app.yaml": APP, "db.yaml": DB, "other.yaml": "slos: []\n"})
    assert [(c.name, c.depends_on) for c in checks] == [
        ("checkout-http", ["postgres"]),
        ("postgres", []),
    ]


def test_files_without_checks_give_none():
    assert load_health_checks({"a.yaml": "service: x\nslos: []\n"}) == ()


def test_each_problem_is_reported_at_its_place():
    bad = APP.replace("port", "x").replace('"http://127.0.0.1:8000/healthz"', "ftp://x")
    issues = _issues({"app.yaml": bad, "db.yaml": DB.replace("port: 5432", "port: 0")})
    assert issues == [
        "app.yaml:6:12: health_checks[0].http.url: Value error, only http:// and https:// "
        "URLs are accepted",
        "db.yaml:4:28: health_checks[0].tcp.port: Input should be greater than or equal to 1",
    ]


def test_an_unknown_dependency_and_a_duplicate_name_point_at_the_check():
    issues = _issues({"app.yaml": APP, "db.yaml": DB.replace("name: postgres", "name: pg")})
    assert issues == [
        "app.yaml:7:5: health_checks[0].depends_on: 'checkout-http' depends on unknown "
        "checks: postgres"
    ]
    issues = _issues({"db.yaml": DB, "db2.yaml": DB})
    assert issues == [
        "db2.yaml:2:5: health_checks[0].name: the check name 'postgres' is used twice"
    ]


def test_a_loop_across_files_is_refused():
    looping = DB.replace(
        "tcp: {host: 127.0.0.1, port: 5432}", "store: {}\n    depends_on: [checkout-http]"
    )
    issues = _issues({"app.yaml": APP, "db.yaml": looping})
    assert issues == [
        "app.yaml:7:5: health_checks[0].depends_on: the dependencies loop: "
        "checkout-http -> postgres -> checkout-http"
    ]


def test_not_a_list_and_bad_yaml_are_refused():
    assert _issues({"a.yaml": "health_checks: {name: x}\n"}) == [
        "a.yaml:1:1: health_checks: a list of checks is expected"
    ]
    assert _issues({"a.yaml": "health_checks: [\n"})[0].startswith("a.yaml:2:1: invalid YAML")
