"""SLO filters as the parameters the SQL files read: conditions, and groups of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slo_engine._model import Filter


@dataclass
class FilterTable:
    """Conditions (``cond_*``) and filters as contiguous groups of them (``group_*``)."""

    keys: list[str] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    values: list[list[str]] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    first: list[int] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    negate: list[int] = field(default_factory=list)
    _known: dict[Filter, int] = field(default_factory=dict)

    def group(self, filter_: Filter) -> int:
        """The 1-based group id of ``filter_`` (identical filters share one)."""
        known = self._known.get(filter_)
        if known is not None:
            return known
        self.first.append(len(self.ops) + 1)
        self.count.append(len(filter_.conditions))
        self.negate.append(1 if filter_.negate else 0)
        for condition in filter_.conditions:
            self.keys.append(condition.key)
            self.ops.append(condition.op.value)
            self.values.append(list(condition.values))
            self.numbers.append(condition.number)
        self._known[filter_] = len(self.first)
        return len(self.first)

    def parameters(self) -> dict[str, Any]:
        return {
            "cond_key": self.keys,
            "cond_op": self.ops,
            "cond_values": self.values,
            "cond_number": self.numbers,
            "group_first": self.first,
            "group_count": self.count,
            "group_negate": self.negate,
        }
