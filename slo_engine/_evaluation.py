"""One SLO at the evaluation instant: its windows, excluded time, and what SQL measured.

``Context`` is what every measuring module (``_requests``, ``_gauges``) fills in and
``_status`` assembles; ``SliceGrid`` is the time-slice layout of a timeslice SLO, in the
Unix seconds the SQL files take.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slo_engine import _exclusions
from slo_engine._conventions import BURN_RATE_WINDOWS
from slo_engine._durations import format_duration, parse_duration
from slo_engine._model import Budgeting, SliKind, Slo, SloSet
from slo_engine._status_model import Latency
from slo_engine._timeslices import EPOCH, SliceOutcome, expected_slices, slice_range, slice_start
from slo_engine._windows import Evaluated, Range, evaluate

WINDOW = "window"
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Measured:
    """good/total of one window: events, or for time slices the counted slices (``good``
    is a ratio sum for ratio time slices) with the details in ``slices``."""

    good: float
    total: float
    interpolated: bool = False
    latency: Latency | None = None
    layouts: int = 1
    slices: SliceOutcome | None = None


@dataclass
class Context:
    """One SLO at the evaluation instant: its windows (``WINDOW`` first, then the burn
    windows by label) and excluded ranges, and the measurements per dimension values."""

    slo: Slo
    evaluated: Evaluated
    windows: dict[str, Range]
    excluded: list[Range]
    results: dict[tuple[str, ...], dict[str, Measured]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def sliced(self) -> bool:
        """Whether the SLO's windows are made of slices (any time-slice budgeting)."""
        return self.slo.budgeting is not Budgeting.OCCURRENCES

    def grid(self) -> SliceGrid:
        """The slices this SLO's windows are cut into (minutes for gauge occurrences)."""
        length = self.slo.slice if self.sliced else MINUTE
        return SliceGrid.of(length, list(self.windows.values()), self.excluded)


@dataclass(frozen=True, slots=True)
class SliceGrid:
    """Epoch-aligned slices of ``length``: the aligned start of each window, the end of
    the last whole slice, the excluded ranges, and how many slices each window holds."""

    length: timedelta
    window_starts: tuple[datetime, ...]
    end: datetime
    excluded: tuple[Range, ...]
    expected: tuple[int, ...]

    @classmethod
    def of(
        cls, length: timedelta, windows: Sequence[Range], excluded: Sequence[Range]
    ) -> SliceGrid:
        spans = [slice_range(window, length) for window in windows]
        return cls(
            length=length,
            window_starts=tuple(span.start for span in spans),
            # Not the spans' ends: a window shorter than a slice has an empty span that
            # starts at the next slice, after the evaluation instant.
            end=max(slice_start(window.end, length) for window in windows),
            excluded=tuple(excluded),
            expected=tuple(expected_slices(window, length, excluded) for window in windows),
        )

    @property
    def read_from(self) -> datetime:
        return min(self.window_starts)

    def spec(self) -> tuple[int, list[tuple[int, int]], list[int], int]:
        """(slice seconds, excluded ranges, window starts, end) in Unix seconds."""
        return (
            int(self.length.total_seconds()),
            [(unix(r.start), unix(r.end)) for r in self.excluded],
            [unix(start) for start in self.window_starts],
            unix(self.end),
        )


def unix(instant: datetime) -> int:
    """``instant`` in Unix seconds."""
    return int((instant - EPOCH).total_seconds())


def labels(slo: Slo) -> list[str]:
    """Burn-rate window labels: the fixed set, then the SLO's own alert windows."""
    found = list(BURN_RATE_WINDOWS)
    for window in slo.burn_windows:
        for length in (window.long, window.short):
            label = format_duration(length)
            if label not in found:
                found.append(label)
    return found


def contexts(slo_set: SloSet, end: datetime) -> list[Context]:
    """Every SLO of ``slo_set`` at ``end``: its windows and the time excluded from them."""
    found = []
    for slo in slo_set.slos:
        evaluated = evaluate(slo.window, end)
        windows = {WINDOW: evaluated.range}
        for label in labels(slo):
            windows[label] = Range(end - parse_duration(label), end)
        earliest = min(r.start for r in windows.values())
        applicable = [e for e in slo_set.exclusions if e.applies_to(slo.name, slo.service)]
        excluded = _exclusions.excluded(applicable, Range(earliest, end))
        found.append(Context(slo, evaluated, windows, excluded))
    return found


def display_name(slo: Slo, dims: Sequence[str]) -> str:
    """``name``, or ``name{route=/a,method=GET}`` for one set of ``per`` values."""
    names = dict(zip(slo.per, dims, strict=False))
    if not names:
        return slo.name
    return slo.name + "{" + ",".join(f"{k}={v}" for k, v in names.items()) + "}"


def request_based(context: Context) -> bool:
    return context.slo.sli.kind.request_based


def slice_kind(kind: SliKind) -> str:
    """The name the slice SQL files use for a request SLI kind."""
    return {
        SliKind.AVAILABILITY: "availability",
        SliKind.LATENCY: "latency",
        SliKind.LATENCY_PERCENTILE: "percentile",
    }[kind]
