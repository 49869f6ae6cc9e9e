"""Incidents: down minutes grouped into runs, with a severity and a description.

Down minutes separated by at most the policy's ``incident_gap`` of other time belong to
one incident (gap 0: only back-to-back minutes). An incident runs from the start of its
first down minute to the end of its last; its severity comes from its worst minute,
where a minute without any request counts as an error ratio of 100%:

* ``outage``: some minute failed every request, or received none (total outage);
* ``major``: the worst minute failed at least half of its requests;
* ``degraded``: the worst minute was above the threshold, under half.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from slo_engine.sla._minutes import MINUTE, DownMinute
from slo_engine.sla._model import IncidentSeverity
from slo_engine.sla._text import percent

MAJOR_RATIO: Final = 0.5


@dataclass(frozen=True, slots=True)
class Incident:
    minutes: tuple[DownMinute, ...]

    @property
    def start(self) -> datetime:
        return self.minutes[0].start

    @property
    def end(self) -> datetime:
        return self.minutes[-1].start + MINUTE

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def down_seconds(self) -> float:
        return len(self.minutes) * MINUTE.total_seconds()

    @property
    def requests(self) -> int:
        return sum(m.requests for m in self.minutes)

    @property
    def failed(self) -> int:
        return sum(m.failed for m in self.minutes)

    @property
    def silent_minutes(self) -> int:
        return sum(1 for m in self.minutes if m.silent)

    @property
    def peak_error_ratio(self) -> float:
        return max(1.0 if m.silent else m.failed / m.requests for m in self.minutes)

    @property
    def severity(self) -> IncidentSeverity:
        peak = self.peak_error_ratio
        if peak >= 1.0:
            return "outage"
        return "major" if peak >= MAJOR_RATIO else "degraded"

    def describe(self) -> str:
        """What happened, e.g. ``3 minutes down: error ratio 12.5% peak, ...``."""
        down = len(self.minutes)
        parts = []
        answered = [m for m in self.minutes if not m.silent]
        if answered:
            peak = max(m.failed / m.requests for m in answered)
            parts.append(
                f"error ratio {percent(peak)} peak, {self.failed:,} of "
                f"{self.requests:,} requests failed"
            )
        if self.silent_minutes:
            parts.append(f"no requests received for {_minutes(self.silent_minutes)}")
        label = "total outage" if self.severity == "outage" else self.severity
        return f"{label}, {_minutes(down)} down: " + "; ".join(parts)


def _minutes(count: int) -> str:
    return f"{count} minute" if count == 1 else f"{count:,} minutes"


def group(down: Iterable[DownMinute], gap: timedelta) -> list[Incident]:
    """Down minutes (any order) grouped into incidents, in time order."""
    runs: list[list[DownMinute]] = []
    for minute in sorted(down, key=lambda m: m.start):
        if runs and minute.start - (runs[-1][-1].start + MINUTE) <= gap:
            runs[-1].append(minute)
        else:
            runs.append([minute])
    return [Incident(tuple(run)) for run in runs]
