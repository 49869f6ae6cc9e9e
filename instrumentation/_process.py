"""Metrics of the service's own process: CPU, memory, threads, file descriptors, GC.

One ``psutil.Process.oneshot()`` read per collection cycle feeds every ``process.*``
instrument; ``gc.get_stats()`` feeds the ``cpython.gc.*`` counters.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Final, NamedTuple

import psutil
from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.util.types import AttributeValue

from instrumentation import _conventions as conv
from instrumentation._sampling import DEFAULT_MAX_AGE_S, CycleCache

__all__ = ["ProcessMetrics"]

_Callback = Callable[[CallbackOptions], Iterable[Observation]]
_READ_ERRORS: Final = (OSError, psutil.Error)
_MODES: Final = ("user", "system")

# CPU times advance in clock ticks (10 ms on Linux): over a shorter interval the
# utilization would be mostly rounding (two reads 2 ms apart can show 250%), so the
# previous figure stands until this much time has passed.
_MIN_UTILIZATION_INTERVAL_S: Final = 1.0


class _Sample(NamedTuple):
    cpu_s: Mapping[str, float]
    utilization: Mapping[str, float]
    rss: int
    vms: int
    threads: int
    fds: int | None
    uptime_s: float


class ProcessMetrics:
    """Registers the ``process.*`` and ``cpython.gc.*`` instruments for this process."""

    def __init__(
        self,
        meter: Meter,
        *,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        self._enabled = enabled
        self._process = psutil.Process(os.getpid())
        self._created_s = self._process.create_time()
        self._cpus = psutil.cpu_count(logical=True) or 1
        self._previous: tuple[float, Mapping[str, float]] | None = None
        self._utilization: Mapping[str, float] | None = None
        self._sample = CycleCache("process", self._read, errors=_READ_ERRORS, max_age_s=max_age_s)
        self._modes: dict[str, dict[str, AttributeValue]] = {
            mode: {conv.ATTR_CPU_MODE: mode} for mode in _MODES
        }
        self._generations: list[dict[str, AttributeValue]] = []
        self._register(meter)

    def _register(self, meter: Meter) -> None:
        counter = meter.create_observable_counter
        updown = meter.create_observable_up_down_counter
        gauge = meter.create_observable_gauge
        instruments: list[tuple[Callable[..., object], str, str, str, _Callback]] = [
            (counter, conv.METRIC_PROCESS_CPU_TIME, "s",
             "CPU seconds used by this process, by mode.", self._cpu_time),
            (gauge, conv.METRIC_PROCESS_CPU_UTILIZATION, "1",
             "CPU used by this process since the previous collection, as a fraction of "
             "all logical CPUs.", self._cpu_utilization),
            (updown, conv.METRIC_PROCESS_MEMORY_USAGE, "By",
             "Resident memory (RSS) of this process.", self._field("rss")),
            (updown, conv.METRIC_PROCESS_MEMORY_VIRTUAL, "By",
             "Virtual memory of this process.", self._field("vms")),
            (updown, conv.METRIC_PROCESS_THREAD_COUNT, "{thread}",
             "Threads of this process.", self._field("threads")),
            (updown, conv.METRIC_PROCESS_UNIX_FILE_DESCRIPTOR_COUNT, "{file_descriptor}",
             "Open file descriptors of this process.", self._field("fds")),
            (gauge, conv.METRIC_PROCESS_UPTIME, "s",
             "Seconds since this process started.", self._field("uptime_s")),
            (counter, conv.METRIC_CPYTHON_GC_COLLECTIONS, "{collection}",
             "Garbage collections, by generation.", self._gc("collections")),
            (counter, conv.METRIC_CPYTHON_GC_COLLECTED_OBJECTS, "{object}",
             "Objects collected by the garbage collector, by generation.",
             self._gc("collected")),
            (counter, conv.METRIC_CPYTHON_GC_UNCOLLECTABLE_OBJECTS, "{object}",
             "Objects found uncollectable, by generation.", self._gc("uncollectable")),
        ]  # fmt: skip
        for create, name, unit, description, callback in instruments:
            create(name, callbacks=[self._guard(callback)], unit=unit, description=description)

    def _guard(self, callback: _Callback) -> _Callback:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return callback(options) if self._enabled() else ()

        return observe

    def _read(self) -> _Sample:
        process = self._process
        with process.oneshot():
            times = process.cpu_times()
            memory = process.memory_info()
            threads = process.num_threads()
            fds = process.num_fds() if hasattr(process, "num_fds") else None
        now_s = time.time()
        cpu_s = {"user": float(times.user), "system": float(times.system)}
        then_s, before = self._previous or (self._created_s, dict.fromkeys(_MODES, 0.0))
        utilization = self._utilization
        if utilization is None or now_s - then_s >= _MIN_UTILIZATION_INTERVAL_S:
            capacity_s = max(now_s - then_s, 1e-9) * self._cpus
            utilization = {
                mode: min(max(cpu_s[mode] - before[mode], 0.0) / capacity_s, 1.0) for mode in _MODES
            }
            self._previous, self._utilization = (now_s, cpu_s), utilization
        return _Sample(
            cpu_s, utilization, memory.rss, memory.vms, threads, fds, now_s - self._created_s
        )

    def _cpu_time(self, _: CallbackOptions) -> Iterable[Observation]:
        sample = self._sample.get()
        if sample is None:
            return ()
        return [Observation(value, self._modes[mode]) for mode, value in sample.cpu_s.items()]

    def _cpu_utilization(self, _: CallbackOptions) -> Iterable[Observation]:
        sample = self._sample.get()
        if sample is None:
            return ()
        return [Observation(value, self._modes[mode]) for mode, value in sample.utilization.items()]

    def _field(self, name: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            sample = self._sample.get()
            value = None if sample is None else getattr(sample, name)
            return () if value is None else [Observation(value)]

        return observe

    def _gc(self, key: str) -> _Callback:
        def observe(_: CallbackOptions) -> Iterable[Observation]:
            stats = gc.get_stats()
            while len(self._generations) < len(stats):
                self._generations.append({conv.ATTR_CPYTHON_GC_GENERATION: len(self._generations)})
            return [
                Observation(generation[key], self._generations[index])
                for index, generation in enumerate(stats)
            ]

        return observe
