"""Hour blocks of time slices: a past hour's slice counts are counted once and kept.

A 30-day SLO of 1-minute slices reads 43,200 minutes of each of its series at every
evaluation, and all but the last few hours are the ones it read last time. So the slices
are grouped in UTC hours, and an hour whose counts are the same for every window that
holds it is a *block*: SQL counts it once, under its own start, and the counts are kept
here and served at the next evaluation instead of reading its minutes again.

An hour is a block of an SLO when its slices tile it (the slice length divides an hour),
it lies wholly before the end of the last whole slice, and every window either holds all
of it or none of it. The rest (the hours cut by a window start, and all hours of an SLO
whose slices do not tile one) is counted per window, as before.

A block's counts are kept under a key made of everything they are computed from, so that
a key never outlives its rows:

* the minute rollup table (its UUID: a table dropped and made again is another table) and
  the names of its active parts that hold rows of that hour: an insert, a backfilled
  point, a merge, a mutation or a TTL deletion each replace parts by new ones;
* the SLO as SQL reads it (kind, threshold, quantile, slice length, target, minimum
  events, ratio or not) and the series it matched, with their good flags and dimensions;
* the excluded time inside the hour.

The parts are listed before the counts are read, so rows that arrive in between are at
worst counted under the older key, which no later listing gives again. Only a MergeTree
table of the store this process holds is cached (a remote reader's or a Distributed
table's parts are out of reach); there, and on the raw path, blocks are counted at every
evaluation. Every path sums a window the same way (the slices counted per window, then
its blocks from the latest back), so a kept block gives the numbers a counted one gives.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from processor.store import Queryable
from slo_engine._evaluation import SliceGrid, unix
from slo_engine._sql import sql
from slo_engine._timeslices import SliceCounts

HOUR: Final = 3600
# Modes of an SLO's hour, as _slice_mode.sql reads them.
SKIP: Final = 0
BLOCK: Final = 1
WINDOWS: Final = 2
MAX_ENTRIES: Final = 50_000

Dims = tuple[str, ...]
BlockCounts = Mapping[Dims, SliceCounts]


class SliceCache:
    """Block counts by key, the least recently used dropped past ``max_entries``.

    Shared by the threads of one process (the alert loop and API reads), hence the lock.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, BlockCounts] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> BlockCounts | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, counts: BlockCounts) -> None:
        with self._lock:
            self._entries[key] = counts
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


SLICE_CACHE: Final = SliceCache()


@dataclass(frozen=True, slots=True)
class MinuteParts:
    """A minute rollup table's identity and, per hour number, its active parts that hold
    rows of that hour."""

    table: str
    by_hour: Mapping[int, tuple[str, ...]]

    def names(self, hour: int) -> tuple[str, ...]:
        return self.by_hour.get(hour, ())


def minute_parts(store: Queryable, table: str) -> MinuteParts | None:
    """The parts of ``table``, or None when its parts cannot be known here: a table that
    is not a MergeTree of this server, or without a UUID."""
    rows = store.query(sql("slice_parts"), {"table": table})
    if not rows:
        return None
    uuid, engine, parts = rows[0]
    if not engine.endswith("MergeTree") or uuid.strip("0-") == "":
        return None
    by_hour: dict[int, list[str]] = {}
    for name, low, high in parts:
        for hour in range(low // HOUR, high // HOUR + 1):
            by_hour.setdefault(hour, []).append(name)
    return MinuteParts(uuid, {hour: tuple(sorted(names)) for hour, names in by_hour.items()})


def hour_modes(grid: SliceGrid, hours: range) -> list[int]:
    """The mode of each of ``hours`` (hour numbers) for an SLO cut by ``grid``."""
    first, end = unix(grid.read_from), unix(grid.end)
    tiles = HOUR % int(grid.length.total_seconds()) == 0
    cut = {start // HOUR for start in map(unix, grid.window_starts) if start % HOUR}
    modes = []
    for hour in hours:
        start = hour * HOUR
        if start + HOUR <= first or start >= end:
            modes.append(SKIP)
        elif tiles and first <= start and start + HOUR <= end and hour not in cut:
            modes.append(BLOCK)
        else:
            modes.append(WINDOWS)
    return modes


def excluded_in(grid: SliceGrid, start: int) -> tuple[tuple[int, int], ...]:
    """The excluded ranges of ``grid`` clipped to the hour from ``start``: a slice of the
    hour touches a range exactly when it touches the clipped one."""
    clipped = ((max(unix(r.start), start), min(unix(r.end), start + HOUR)) for r in grid.excluded)
    return tuple(sorted(r for r in clipped if r[0] < r[1]))


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """Per SLO and hour from ``first`` (an hour number), the mode the slices query takes
    (``modes``, ``count`` per SLO), the blocks already known (``known``) and the keys the
    blocks to be counted are kept under (``keys``)."""

    first: int
    count: int
    modes: tuple[int, ...]
    known: tuple[dict[int, BlockCounts], ...]
    keys: tuple[dict[int, Hashable], ...]

    def parameters(self) -> dict[str, Any]:
        """``block_from``, ``block_count``, ``block_modes`` and ``read_hours``."""
        needed = {self.first + i % self.count for i, mode in enumerate(self.modes) if mode != SKIP}
        return {
            "block_from": self.first,
            "block_count": self.count,
            "block_modes": list(self.modes),
            "read_hours": sorted(needed),
        }

    def settle(
        self, counted: Sequence[Mapping[int, BlockCounts]], cache: SliceCache
    ) -> list[dict[int, BlockCounts]]:
        """Per SLO, every block's counts: those known and those ``counted`` now, which are
        kept in ``cache`` (an hour without rows is kept too, as empty counts)."""
        settled = []
        for known, keys, found in zip(self.known, self.keys, counted, strict=True):
            blocks = dict(known)
            for start, key in keys.items():
                counts = found.get(start, {})
                cache.put(key, counts)
                blocks[start] = counts
            for start, counts in found.items():
                blocks.setdefault(start, counts)
            settled.append(blocks)
        return settled


@dataclass
class _Planned:
    modes: list[int] = field(default_factory=list)
    known: dict[int, BlockCounts] = field(default_factory=dict)
    keys: dict[int, Hashable] = field(default_factory=dict)


def plan_blocks(
    grids: Sequence[SliceGrid],
    identities: Sequence[Hashable],
    parts: MinuteParts | None,
    cache: SliceCache,
) -> BlockPlan:
    """The block plan of the SLOs cut by ``grids``; with ``parts``, blocks kept in
    ``cache`` under their key (``identities``: per SLO, what else its counts depend on)
    are taken from it and not counted again."""
    first = min(unix(g.read_from) for g in grids) // HOUR
    count = max(1, -(-max(unix(g.end) for g in grids) // HOUR) - first)
    hours = range(first, first + count)
    planned = [
        _plan_one(grid, identity, parts, cache, hours)
        for grid, identity in zip(grids, identities, strict=True)
    ]
    return BlockPlan(
        first=first,
        count=count,
        modes=tuple(mode for one in planned for mode in one.modes),
        known=tuple(one.known for one in planned),
        keys=tuple(one.keys for one in planned),
    )


def _plan_one(
    grid: SliceGrid,
    identity: Hashable,
    parts: MinuteParts | None,
    cache: SliceCache,
    hours: range,
) -> _Planned:
    planned = _Planned(hour_modes(grid, hours))
    if parts is None:
        return planned
    for index, hour in enumerate(hours):
        if planned.modes[index] != BLOCK:
            continue
        start = hour * HOUR
        key = (parts.table, identity, start, excluded_in(grid, start), parts.names(hour))
        found = cache.get(key)
        if found is None:
            planned.keys[start] = key
        else:
            planned.known[start] = found
            planned.modes[index] = SKIP
    return planned


def window_sums(
    blocks: Mapping[int, BlockCounts], window_starts: Sequence[int]
) -> list[dict[Dims, SliceCounts]]:
    """Per window (by its start, Unix seconds), the blocks' counts summed per dimension
    values: a block belongs to every window that starts at or before it. Added from the
    latest block back, on every path, so that ratio sums come out the same."""
    order = sorted(range(len(window_starts)), key=lambda k: window_starts[k], reverse=True)
    starts = sorted(blocks, reverse=True)
    sums: list[dict[Dims, SliceCounts]] = [{} for _ in window_starts]
    running: dict[Dims, SliceCounts] = {}
    position = 0
    for k in order:
        while position < len(starts) and starts[position] >= window_starts[k]:
            _add(running, blocks[starts[position]].items())
            position += 1
        sums[k] = dict(running)
    return sums


def _add(running: dict[Dims, SliceCounts], counts: Iterable[tuple[Dims, SliceCounts]]) -> None:
    for dims, more in counts:
        before = running.get(dims)
        running[dims] = more if before is None else before + more
