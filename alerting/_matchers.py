"""Label matchers, as Alertmanager's routes, silences and inhibit rules use them.

A matcher set is a mapping from label name to a condition; every condition must hold::

    severity: critical                 # equals
    service: [checkout, payments]      # one of
    alertname: {matches: "^slo-.*"}    # RE2-compatible regular expression, anchored
    team: {not_in: [infra]}            # none of (an absent label is "")

Patterns are checked when the file is loaded (Python's ``re``, full match) and bounded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

MAX_PATTERN_CHARS = 256
Label = Annotated[str, Field(min_length=1, max_length=128)]
Value = Annotated[str, Field(max_length=1024)]


def _pattern(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise PydanticCustomError(
            "pattern", "not a valid regular expression: {reason}", {"reason": str(exc)}
        ) from None
    return text


Pattern = Annotated[str, Field(max_length=MAX_PATTERN_CHARS), AfterValidator(_pattern)]


class ConditionSpec(BaseModel):
    """A condition written as a mapping: one of ``matches``, ``not_matches``, ``not_in``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    matches: Pattern | None = None
    not_matches: Pattern | None = None
    not_in: Annotated[list[Value], Field(max_length=100)] | None = None


MatchersSpec = Annotated[
    dict[Label, Value | Annotated[list[Value], Field(max_length=100)] | ConditionSpec],
    Field(max_length=32),
]


@dataclass(frozen=True, slots=True)
class Matcher:
    """One label's condition: ``op`` of ``eq`` (any of ``values``), ``ne`` (none of
    them), ``re`` or ``nre`` (``values[0]`` a full-match pattern)."""

    label: str
    op: Literal["eq", "ne", "re", "nre"]
    values: tuple[str, ...]

    def holds(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.label, "")
        if self.op == "eq":
            return value in self.values
        if self.op == "ne":
            return value not in self.values
        found = re.fullmatch(self.values[0], value) is not None
        return found if self.op == "re" else not found


Matchers = tuple[Matcher, ...]


def matchers(spec: Mapping[str, str | list[str] | ConditionSpec]) -> Matchers:
    """The typed matchers of a mapping as written in the files or sent to the API."""
    built = []
    for label, condition in sorted(spec.items()):
        if isinstance(condition, str):
            built.append(Matcher(label, "eq", (condition,)))
        elif isinstance(condition, list):
            built.append(Matcher(label, "eq", tuple(condition)))
        else:
            if condition.matches is not None:
                built.append(Matcher(label, "re", (condition.matches,)))
            if condition.not_matches is not None:
                built.append(Matcher(label, "nre", (condition.not_matches,)))
            if condition.not_in is not None:
                built.append(Matcher(label, "ne", tuple(condition.not_in)))
    return tuple(built)


def matches(found: Matchers, labels: Mapping[str, str]) -> bool:
    """Every matcher holds (an empty set matches everything)."""
    return all(m.holds(labels) for m in found)
