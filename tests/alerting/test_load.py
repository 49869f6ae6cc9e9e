"""The alerting section: defaults, lists across files, and every mistake at its place."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerting import load_alerting
from slo_engine import SpecError

CHANNEL = """\
alerting:
  interval: 30s
  group_by: [alertname]
  channels:
    - name: oncall
      webhook: {url: "http://127.0.0.1:9000/hook"}
"""
RULES = """\
alerting:
  escalation:
    - {after: 30m, channels: [oncall]}
    - {after: 10m, channels: [oncall]}
  rules:
    - {name: memory, service: api, metric: process.memory.usage, aggregation: max, value: 1e9}
"""


def test_sections_of_several_files_add_up() -> None:
    config = load_alerting({"a.yaml": CHANNEL, "b.yaml": RULES, "c.yaml": "service: x\n"})
    assert config.timing.interval == timedelta(seconds=30)
    assert config.timing.resolve_hold == timedelta(minutes=1)
    assert config.group_by == ("alertname",)
    assert list(config.channels) == ["oncall"]
    assert [level.after for level in config.escalation] == [
        timedelta(minutes=10),
        timedelta(minutes=30),
    ]
    (rule,) = config.rules
    assert (rule.source, rule.aggregation, rule.window) == ("points", "max", timedelta(minutes=5))
    assert len(config.inhibit) == 2


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"a.yaml": CHANNEL, "b.yaml": CHANNEL},
            [
                "b.yaml:2:3: alerting.interval: interval is already set in a.yaml",
                "b.yaml:5:7: alerting.channels[0].name: duplicate channel name 'oncall'",
            ],
        ),
        (
            {"a.yaml": CHANNEL + "  rules:\n    - {name: r, service: s, metric: m, "
             "aggregation: p99, value: 1, source: points}\n"},
            ["a.yaml:8:40: alerting.rules[0].aggregation: p99 needs a request histogram metric"],
        ),
        (
            {"a.yaml": CHANNEL + "  rules:\n    - {name: r, service: s, aggregation: count, "
             "value: 1, window: 90x, annotations: {a: '{{ value | pct }}'}}\n"},
            [
                "a.yaml:8:59: alerting.rules[0].window: "
                "'90x' is not a duration (e.g. 300ms, 30s, 5m, 1h, 28d, 2w)",
                "a.yaml:8:86: alerting.rules[0].annotations.a: unknown filter 'pct' "
                "(known: lower, percent, round, seconds, upper)",
            ],
        ),
    ],
    ids=["twice", "histogram-aggregation-on-points", "duration-and-template"],
)  # fmt: skip
def test_mistakes_are_reported_at_their_place(files: dict[str, str], expected: list[str]) -> None:
    with pytest.raises(SpecError) as caught:
        load_alerting(files)
    assert [str(issue) for issue in caught.value.issues] == expected
