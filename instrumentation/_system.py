"""Host metrics from psutil, under their semantic-convention names, units and attributes.

Each psutil call is made once per collection cycle (``CycleCache``) and feeds every
instrument that needs it: ``virtual_memory()`` gives ``system.memory.usage``,
``.utilization`` and ``.limit``. Attribute dictionaries are built once per key and reused.

Differences from opentelemetry-instrumentation-system-metrics: ``cpu.mode`` (not
``state``), ``system.memory.state``, ``disk.io.direction`` / ``network.io.direction``
(not ``direction``), ``system.device`` / ``network.interface.name`` (not ``device``),
``system.memory.usage`` as an UpDownCounter, ``system.paging.*`` in bytes,
``system.network.packet.count`` / ``.packet.dropped`` / ``.connection.count``; and the
filesystem, load-average, process-count and uptime metrics it does not have.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NamedTuple, TypeVar

import psutil
from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.util.types import AttributeValue

from instrumentation import _conventions as conv
from instrumentation._attributes import AttributeSets
from instrumentation._linux import PROC, ConnectionKey, connection_counts, process_state_counts
from instrumentation._sampling import DEFAULT_MAX_AGE_S, CycleCache

__all__ = ["SystemMetrics"]

_Attributes = Mapping[str, AttributeValue]
_Callback = Callable[[CallbackOptions], Iterable[Observation]]

_READ_ERRORS: Final = (OSError, psutil.Error)

_T = TypeVar("_T")

# psutil.cpu_times() fields -> cpu.mode. guest and guest_nice are already part of user
# and nice on Linux; irq and softirq are both "interrupt".
_CPU_FIELDS: Final[Mapping[str, str]] = {
    "user": "user",
    "nice": "nice",
    "system": "system",
    "idle": "idle",
    "iowait": "iowait",
    "irq": "interrupt",
    "softirq": "interrupt",
    "steal": "steal",
}


@dataclass(frozen=True, slots=True)
class _Cpu:
    time_s: Mapping[str, float]
    utilization: Mapping[str, float]


class _Memory(NamedTuple):
    total: int
    used: int
    free: int
    buffers: int
    cached: int


class _Swap(NamedTuple):
    total: int
    used: int
    free: int


class _Filesystem(NamedTuple):
    attributes: Mapping[str, AttributeValue]
    total: int
    used: int
    free: int


class SystemMetrics:
    """Registers the ``system.*`` instruments on ``meter``; values are read lazily."""

    def __init__(
        self,
        meter: Meter,
        *,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        proc: Path = PROC,
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        self._enabled = enabled
        self._proc = proc
        self._attrs = AttributeSets()
        self._previous_cpu: dict[str, float] | None = None
        self._boot_time_s = psutil.boot_time()

        def cache(name: str, read: Callable[[], _T]) -> CycleCache[_T]:
            return CycleCache(name, read, errors=_READ_ERRORS, max_age_s=max_age_s)

        self._cpu = cache("cpu", self._read_cpu)
        self._load = cache("load", os.getloadavg)
        self._memory = cache("memory", self._read_memory)
        self._swap = cache("swap", self._read_swap)
        self._filesystems = cache("filesystems", self._read_filesystems)
        self._disks = cache("disks", lambda: psutil.disk_io_counters(perdisk=True) or {})
        self._nics = cache("network", lambda: psutil.net_io_counters(pernic=True) or {})
        self._connections = cache("connections", lambda: connection_counts(self._proc))
        self._processes = cache("processes", lambda: process_state_counts(self._proc))
        self._register(meter)

    # --- registration ------------------------------------------------------------------

    def _register(self, meter: Meter) -> None:
        counter = meter.create_observable_counter
        updown = meter.create_observable_up_down_counter
        gauge = meter.create_observable_gauge
        load_help = "Average number of runnable or uninterruptible threads."
        instruments: list[tuple[Callable[..., object], str, str, str, _Callback]] = [
            (counter, conv.METRIC_SYSTEM_CPU_TIME, "s",
             "Seconds all logical CPUs spent in each mode.", self._cpu_time),
            (gauge, conv.METRIC_SYSTEM_CPU_UTILIZATION, "1",
             "Fraction of CPU time in each mode since the previous collection.",
             self._cpu_utilization),
            (updown, conv.METRIC_SYSTEM_CPU_LOGICAL_COUNT, "{cpu}",
             "Number of logical CPUs.", self._cpu_count),
            (gauge, conv.METRIC_SYSTEM_CPU_LOAD_AVERAGE_1M, "{thread}", load_help,
             self._load_average(0)),
            (gauge, conv.METRIC_SYSTEM_CPU_LOAD_AVERAGE_5M, "{thread}", load_help,
             self._load_average(1)),
            (gauge, conv.METRIC_SYSTEM_CPU_LOAD_AVERAGE_15M, "{thread}", load_help,
             self._load_average(2)),
            (updown, conv.METRIC_SYSTEM_MEMORY_USAGE, "By",
             "Memory by state (used = total - available).", self._memory_usage),
            (gauge, conv.METRIC_SYSTEM_MEMORY_UTILIZATION, "1",
             "Fraction of memory in each state.", self._memory_utilization),
            (updown, conv.METRIC_SYSTEM_MEMORY_LIMIT, "By", "Total memory.", self._memory_limit),
            (updown, conv.METRIC_SYSTEM_PAGING_USAGE, "By",
             "Swap space used and free.", self._paging_usage),
            (gauge, conv.METRIC_SYSTEM_PAGING_UTILIZATION, "1",
             "Fraction of swap space used and free.", self._paging_utilization),
            (updown, conv.METRIC_SYSTEM_FILESYSTEM_USAGE, "By",
             "Filesystem space used, free and reserved, per mount.", self._filesystem_usage),
            (gauge, conv.METRIC_SYSTEM_FILESYSTEM_UTILIZATION, "1",
             "Fraction of filesystem space used, per mount.", self._filesystem_utilization),
            (counter, conv.METRIC_SYSTEM_DISK_IO, "By",
             "Bytes read from and written to each disk.",
             self._disk("read_bytes", "write_bytes")),
            (counter, conv.METRIC_SYSTEM_DISK_OPERATIONS, "{operation}",
             "Read and write operations on each disk.", self._disk("read_count", "write_count")),
            (counter, conv.METRIC_SYSTEM_NETWORK_IO, "By",
             "Bytes transmitted and received on each interface.",
             self._network("bytes_sent", "bytes_recv")),
            (counter, conv.METRIC_SYSTEM_NETWORK_PACKET_COUNT, "{packet}",
             "Packets transmitted and received on each interface.",
             self._network("packets_sent", "packets_recv")),
            (counter, conv.METRIC_SYSTEM_NETWORK_PACKET_DROPPED, "{packet}",
             "Packets dropped on each interface.", self._network("dropout", "dropin")),
            (counter, conv.METRIC_SYSTEM_NETWORK_ERRORS, "{error}",
             "Transmit and receive errors on each interface.", self._network("errout", "errin")),
            (updown, conv.METRIC_SYSTEM_NETWORK_CONNECTION_COUNT, "{connection}",
             "Open TCP connections by state, and UDP sockets.", self._connection_count),
            (updown, conv.METRIC_SYSTEM_PROCESS_COUNT, "{process}",
             "Processes on the host by state.", self._process_count),
            (gauge, conv.METRIC_SYSTEM_UPTIME, "s",
             "Seconds since the system booted.", self._uptime),
        ]  # fmt: skip
        for create, name, unit, description, callback in instruments:
            create(name, callbacks=[self._guard(callback)], unit=unit, description=description)

    def _guard(self, callback: _Callback) -> _Callback:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return callback(options) if self._enabled() else ()

        return observe

    # --- reads -------------------------------------------------------------------------

    def _read_cpu(self) -> _Cpu:
        times = psutil.cpu_times()
        time_s: dict[str, float] = {}
        for field, mode in _CPU_FIELDS.items():
            value = getattr(times, field, None)
            if value is not None:
                time_s[mode] = time_s.get(mode, 0.0) + float(value)
        previous = self._previous_cpu or dict.fromkeys(time_s, 0.0)
        deltas = {mode: max(value - previous.get(mode, 0.0), 0.0) for mode, value in time_s.items()}
        total = sum(deltas.values())
        utilization = {
            mode: (delta / total if total > 0 else 0.0) for mode, delta in deltas.items()
        }
        self._previous_cpu = time_s
        return _Cpu(time_s, utilization)

    @staticmethod
    def _read_memory() -> _Memory:
        memory = psutil.virtual_memory()
        return _Memory(
            total=memory.total,
            used=memory.total - memory.available,
            free=memory.free,
            buffers=getattr(memory, "buffers", 0),
            cached=getattr(memory, "cached", 0),
        )

    @staticmethod
    def _read_swap() -> _Swap:
        swap = psutil.swap_memory()
        return _Swap(swap.total, swap.used, swap.free)

    def _read_filesystems(self) -> list[_Filesystem]:
        found: list[_Filesystem] = []
        seen: set[str] = set()
        for partition in psutil.disk_partitions(all=False):
            if partition.mountpoint in seen:
                continue
            seen.add(partition.mountpoint)
            try:
                usage = psutil.disk_usage(partition.mountpoint)
            except _READ_ERRORS:
                continue  # not ours to read (permissions, a vanished mount)
            mode = "ro" if "ro" in partition.opts.split(",") else "rw"
            attributes: dict[str, AttributeValue] = {
                conv.ATTR_SYSTEM_DEVICE: partition.device,
                conv.ATTR_SYSTEM_FILESYSTEM_MODE: mode,
                conv.ATTR_SYSTEM_FILESYSTEM_MOUNTPOINT: partition.mountpoint,
                conv.ATTR_SYSTEM_FILESYSTEM_TYPE: partition.fstype,
            }
            found.append(_Filesystem(attributes, usage.total, usage.used, usage.free))
        return found

    # --- callbacks ---------------------------------------------------------------------

    def _cpu_time(self, _: CallbackOptions) -> Iterable[Observation]:
        cpu = self._cpu.get()
        if cpu is None:
            return ()
        return [Observation(v, self._mode(m)) for m, v in cpu.time_s.items()]

    def _cpu_utilization(self, _: CallbackOptions) -> Iterable[Observation]:
        cpu = self._cpu.get()
        if cpu is None:
            return ()
        return [Observation(v, self._mode(m)) for m, v in cpu.utilization.items()]

    @staticmethod
    def _cpu_count(_: CallbackOptions) -> Iterable[Observation]:
        count = psutil.cpu_count(logical=True)
        return [Observation(count)] if count else ()

    def _load_average(self, index: int) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            load = self._load.get()
            return () if load is None else [Observation(load[index])]

        return observe

    def _memory_usage(self, _: CallbackOptions) -> Iterable[Observation]:
        memory = self._memory.get()
        if memory is None:
            return ()
        return [Observation(value, self._memory_state(state)) for state, value in _states(memory)]

    def _memory_utilization(self, _: CallbackOptions) -> Iterable[Observation]:
        memory = self._memory.get()
        if memory is None or not memory.total:
            return ()
        return [
            Observation(value / memory.total, self._memory_state(state))
            for state, value in _states(memory)
        ]

    def _memory_limit(self, _: CallbackOptions) -> Iterable[Observation]:
        memory = self._memory.get()
        return () if memory is None else [Observation(memory.total)]

    def _paging_usage(self, _: CallbackOptions) -> Iterable[Observation]:
        swap = self._swap.get()
        if swap is None:
            return ()
        return [
            Observation(swap.used, self._attrs.get((conv.ATTR_SYSTEM_PAGING_STATE, "used"))),
            Observation(swap.free, self._attrs.get((conv.ATTR_SYSTEM_PAGING_STATE, "free"))),
        ]

    def _paging_utilization(self, _: CallbackOptions) -> Iterable[Observation]:
        swap = self._swap.get()
        if swap is None or not swap.total:
            return ()  # no swap configured: nothing to divide by
        return [
            Observation(
                swap.used / swap.total, self._attrs.get((conv.ATTR_SYSTEM_PAGING_STATE, "used"))
            ),
            Observation(
                swap.free / swap.total, self._attrs.get((conv.ATTR_SYSTEM_PAGING_STATE, "free"))
            ),
        ]

    def _filesystem_usage(self, _: CallbackOptions) -> Iterable[Observation]:
        observations: list[Observation] = []
        for fs in self._filesystems.get() or ():
            reserved = max(fs.total - fs.used - fs.free, 0)
            for state, value in (("used", fs.used), ("free", fs.free), ("reserved", reserved)):
                key = (conv.ATTR_SYSTEM_FILESYSTEM_STATE, state), *fs.attributes.items()
                observations.append(Observation(value, self._attrs.get(*key)))
        return observations

    def _filesystem_utilization(self, _: CallbackOptions) -> Iterable[Observation]:
        observations: list[Observation] = []
        for fs in self._filesystems.get() or ():
            if fs.total:
                key = (conv.ATTR_SYSTEM_FILESYSTEM_STATE, "used"), *fs.attributes.items()
                observations.append(Observation(fs.used / fs.total, self._attrs.get(*key)))
        return observations

    def _disk(self, read_field: str, write_field: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            observations: list[Observation] = []
            for device, counters in (self._disks.get() or {}).items():
                for direction, field in (("read", read_field), ("write", write_field)):
                    attributes = self._attrs.get(
                        (conv.ATTR_DISK_IO_DIRECTION, direction), (conv.ATTR_SYSTEM_DEVICE, device)
                    )
                    observations.append(Observation(getattr(counters, field), attributes))
            return observations

        return observe

    def _network(self, transmit_field: str, receive_field: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            observations: list[Observation] = []
            for nic, counters in (self._nics.get() or {}).items():
                for direction, field in (("transmit", transmit_field), ("receive", receive_field)):
                    attributes = self._attrs.get(
                        (conv.ATTR_NETWORK_IO_DIRECTION, direction),
                        (conv.ATTR_NETWORK_INTERFACE_NAME, nic),
                    )
                    observations.append(Observation(getattr(counters, field), attributes))
            return observations

        return observe

    def _connection_count(self, _: CallbackOptions) -> Iterable[Observation]:
        counts: Mapping[ConnectionKey, int] = self._connections.get() or {}
        observations: list[Observation] = []
        for (transport, state), count in sorted(counts.items(), key=lambda item: str(item[0])):
            pairs: tuple[tuple[str, AttributeValue], ...] = (
                (conv.ATTR_NETWORK_TRANSPORT, transport),
            )
            if state is not None:
                pairs = ((conv.ATTR_NETWORK_CONNECTION_STATE, state), *pairs)
            observations.append(Observation(count, self._attrs.get(*pairs)))
        return observations

    def _process_count(self, _: CallbackOptions) -> Iterable[Observation]:
        counts: Mapping[str, int] = self._processes.get() or {}
        return [
            Observation(count, self._attrs.get((conv.ATTR_PROCESS_STATE, state)))
            for state, count in sorted(counts.items())
        ]

    def _uptime(self, _: CallbackOptions) -> Iterable[Observation]:
        return [Observation(max(time.time() - self._boot_time_s, 0.0))]

    # --- attribute sets ----------------------------------------------------------------

    def _mode(self, mode: str) -> _Attributes:
        return self._attrs.get((conv.ATTR_CPU_MODE, mode))

    def _memory_state(self, state: str) -> _Attributes:
        return self._attrs.get((conv.ATTR_SYSTEM_MEMORY_STATE, state))


def _states(memory: _Memory) -> list[tuple[str, int]]:
    return [
        ("used", memory.used),
        ("free", memory.free),
        ("buffers", memory.buffers),
        ("cached", memory.cached),
    ]
