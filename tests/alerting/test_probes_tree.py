"""``health_tree``: a service is unhealthy when its own check fails, degraded when a
check it depends on (directly or not) fails, and says which. ``service_subtree``: a
service and every service it depends on."""

from __future__ import annotations

from datetime import datetime, timezone

import pydantic
import pytest

from alerting.probes import HealthChecks, ProbeResult, health_tree, service_subtree

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)
CHECKS = pydantic.TypeAdapter(HealthChecks).validate_python(
    [
        {"name": "web", "service": "checkout", "store": {}, "depends_on": ["api"]},
        {"name": "api", "service": "checkout", "store": {}, "depends_on": ["db"]},
        {"name": "db", "service": "postgres", "store": {}, "depends_on": ["disk"]},
        {"name": "disk", "service": "storage", "store": {}},
        {"name": "cache", "service": "redis", "store": {}},
    ]
)


def _result(name, up):
    service = next(c.service for c in CHECKS if c.name == name)
    return ProbeResult(name, service, up, 0.012, "ok" if up else "refused", T0)


def _states(tree):
    return {s.service: (s.status, s.caused_by) for s in tree}


def test_everything_up_is_healthy():
    tree = health_tree(CHECKS, [_result(c.name, True) for c in CHECKS])
    assert _states(tree) == {
        "checkout": ("healthy", ()),
        "postgres": ("healthy", ()),
        "redis": ("healthy", ()),
        "storage": ("healthy", ()),
    }
    checkout = tree[0]
    assert checkout.depends_on == ("postgres",)
    assert [c.name for c in checkout.checks] == ["web", "api"]


def test_a_failed_dependency_degrades_every_service_above_it():
    results = [_result(c.name, c.name != "disk") for c in CHECKS]
    tree = health_tree(CHECKS, results)
    assert _states(tree) == {
        "checkout": ("degraded", ("disk",)),
        "postgres": ("degraded", ("disk",)),
        "redis": ("healthy", ()),
        "storage": ("unhealthy", ()),
    }
    web = tree[0].checks[0]
    assert (web.status, web.caused_by, web.detail) == ("degraded", ("disk",), "ok")


def test_a_service_whose_own_check_fails_is_unhealthy_and_names_its_failed_dependencies():
    results = {c.name: _result(c.name, c.name not in ("api", "db")) for c in CHECKS}
    tree = health_tree(CHECKS, results)
    states = _states(tree)
    assert states["checkout"] == ("unhealthy", ("db",))
    assert states["postgres"] == ("unhealthy", ())
    api = tree[0].checks[1]
    assert (api.status, api.up, api.detail, api.caused_by) == (
        "unhealthy",
        False,
        "refused",
        ("db",),
    )


def test_a_check_not_run_yet_is_unknown_and_does_not_degrade_others():
    results = [_result(name, True) for name in ("web", "api", "db", "cache")]
    tree = health_tree(CHECKS, results)
    assert _states(tree)["storage"] == ("unknown", ())
    assert _states(tree)["checkout"] == ("healthy", ())
    disk = tree[3].checks[0]
    assert (disk.up, disk.duration_s, disk.detail, disk.checked_at) == (
        None,
        None,
        "not run yet",
        None,
    )


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("checkout", ["checkout", "postgres", "storage"]),
        ("postgres", ["postgres", "storage"]),
        ("storage", ["storage"]),
        ("redis", ["redis"]),
        ("shop", []),
    ],
    ids=["two-levels-down", "one-level-down", "a-leaf", "alone", "no-check"],
)
def test_a_service_subtree_holds_what_it_depends_on_directly_or_not(service, expected):
    tree = health_tree(CHECKS, [_result(c.name, True) for c in CHECKS])
    assert [s.service for s in service_subtree(tree, service)] == expected
