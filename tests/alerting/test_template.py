"""Annotation templates: filters, escaping, no injection; checks at load time."""

from __future__ import annotations

import math

import pytest

from alerting._template import check, render

LABELS = {"service": "check<out>", "route": "{{ value }}"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("fails {{ value | percent }}", "fails 5.12%"),
        ("{{ value | round }} > {{ threshold }}", "0.0512 > 0.05"),
        ("{{ threshold | seconds }}", "50ms"),
        ("{{service}} {{ service | upper }}", "check&lt;out&gt; CHECK&lt;OUT&gt;"),
        ("{{ route }} on {{ missing }}", "{{ value }} on "),
    ],
    ids=["percent", "round-and-plain", "seconds", "escaped", "no-injection"],
)
def test_templates_render_escaped(template: str, expected: str) -> None:
    assert render(template, LABELS, 0.0512, 0.05) == expected


def test_a_missing_value_renders_as_a_dash() -> None:
    assert render("{{ value | percent }}", {}, math.nan, 0.0) == "-"


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{{ value | percentage }}", "unknown filter 'percentage'"),
        ("{{ value", "a placeholder is {{ name }} or {{ name | filter }}"),
        ("{{ value | percent }}", None),
    ],
    ids=["unknown-filter", "unclosed", "fine"],
)
def test_templates_are_checked_when_loaded(template: str, problem: str | None) -> None:
    found = check(template)
    assert (found if found is None else found.split(" (")[0]) == problem
