"""The scripted incident, shared by the demo's runner and its service."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Incident:
    """When the incident happens, in Unix seconds: errors, then slowness, then calm."""

    errors_from: float
    slow_from: float
    until: float

    def phase(self, now: float) -> str:
        if self.errors_from <= now < self.slow_from:
            return "errors"
        if self.slow_from <= now < self.until:
            return "slow"
        return "calm"
