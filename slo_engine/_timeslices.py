"""Time-slice budgeting: which slices a window holds, and what its counts add up to.

A slice is ``length`` long and aligned to the Unix epoch (a 5-minute slice starts at
:00, :05, ...), so every window and every SLO with the same slice length cuts time the
same way. A window counts the slices that lie wholly inside it; a slice that touches an
excluded range (maintenance, correction) is left out whole. SQL counts, per window, the
slices that had events, those with too few (``min_events``: *low traffic*), the good
ones and the sum of their ratios; this module adds the slices without any event, which
SQL cannot see, under the SLO's no-data policy:

* ``Timeslices``: SLI = good slices / counted slices (OpenSLO).
* ``RatioTimeslices``: SLI = the mean of the per-slice ratios good / total.
* A slice with no event counts as good, as bad, or not at all (``no_data``).
* A low-traffic slice never burns the budget: it is not counted, whatever the policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slo_engine._model import NoDataPolicy
from slo_engine._windows import Range

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SliceCounts:
    """What SQL counted in one window: slices with events (``with_data``, of which
    ``low_traffic`` had fewer than the minimum), ``good`` slices among the others and the
    sum of their ratios (``ratio_sum``)."""

    with_data: int = 0
    low_traffic: int = 0
    good: int = 0
    ratio_sum: float = 0.0

    def __add__(self, other: SliceCounts) -> SliceCounts:
        return SliceCounts(
            self.with_data + other.with_data,
            self.low_traffic + other.low_traffic,
            self.good + other.good,
            self.ratio_sum + other.ratio_sum,
        )


@dataclass(frozen=True, slots=True)
class SliceOutcome:
    """A window's slices after the policies: ``good``/``total`` are what the SLI, the
    budget and burn rates use (``good`` is a ratio sum for ratio time slices)."""

    good: float
    total: int
    bad: float
    expected: int
    no_data: int
    low_traffic: int


def slice_start(instant: datetime, length: timedelta) -> datetime:
    """The start of the epoch-aligned slice holding ``instant``."""
    return EPOCH + ((instant - EPOCH) // length) * length


def _ceil(instant: datetime, length: timedelta) -> datetime:
    start = slice_start(instant, length)
    return start if start == instant else start + length


def slice_range(window: Range, length: timedelta) -> Range:
    """The span of the whole slices inside ``window`` (empty when there is none)."""
    first, last = _ceil(window.start, length), slice_start(window.end, length)
    return Range(first, max(first, last))


def expected_slices(window: Range, length: timedelta, excluded: Sequence[Range]) -> int:
    """Whole slices inside ``window`` that touch no excluded range."""
    span = slice_range(window, length)
    total = int((span.end - span.start) / length)
    covered: list[Range] = []
    for item in sorted(excluded):
        lost = Range(
            max(span.start, slice_start(item.start, length)),
            min(span.end, _ceil(item.end, length)),
        )
        if lost.end <= lost.start:
            continue
        if covered and lost.start <= covered[-1].end:
            covered[-1] = Range(covered[-1].start, max(covered[-1].end, lost.end))
        else:
            covered.append(lost)
    return total - sum(int((r.end - r.start) / length) for r in covered)


def outcome(
    counts: SliceCounts, expected: int, policy: NoDataPolicy, *, ratio: bool
) -> SliceOutcome:
    """The counted slices of a window with ``expected`` slices, under ``policy``."""
    no_data = max(0, expected - counts.with_data)
    counted = counts.with_data - counts.low_traffic
    good = counts.ratio_sum if ratio else float(counts.good)
    if policy is NoDataPolicy.GOOD:
        counted, good = counted + no_data, good + no_data
    elif policy is NoDataPolicy.BAD:
        counted += no_data
    return SliceOutcome(
        good=good,
        total=counted,
        bad=counted - good,
        expected=expected,
        no_data=no_data,
        low_traffic=counts.low_traffic,
    )
