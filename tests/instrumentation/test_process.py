"""The service process's own metrics."""

from __future__ import annotations

import gc
import time

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import instrument_resources
from tests.instrumentation._points import by_attributes, collect, named


def test_process_values(meter_provider: MeterProvider, reader: InMemoryMetricReader) -> None:
    instrument_resources(meter_provider, system=False, max_age_s=0)
    collect(reader)
    points = collect(reader)
    cpu = by_attributes(points, "process.cpu.time", "cpu.mode")
    assert set(cpu) == {("user",), ("system",)}
    assert (cpu[("user",)].value or 0) > 0
    utilization = by_attributes(points, "process.cpu.utilization", "cpu.mode")
    assert all(0.0 <= (p.value or 0.0) <= 1.0 for p in utilization.values())
    (rss,) = named(points, "process.memory.usage")
    (virtual,) = named(points, "process.memory.virtual")
    assert 0 < (rss.value or 0) <= (virtual.value or 0)
    (threads,) = named(points, "process.thread.count")
    assert (threads.value or 0) >= 1
    (fds,) = named(points, "process.unix.file_descriptor.count")
    assert (fds.value or 0) >= 3
    (uptime,) = named(points, "process.uptime")
    assert (uptime.value or 0) > 0


def test_utilization_is_not_taken_over_a_few_clock_ticks(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    """CPU times move in 10 ms ticks: a collection well under a second after the last
    keeps its figure rather than dividing a few ticks by a few milliseconds (which can
    give over 100%)."""
    instrument_resources(meter_provider, system=False, max_age_s=0)
    first = by_attributes(collect(reader), "process.cpu.utilization", "cpu.mode")
    # Taken since the process started (every callback of a collection reads anew here,
    # max_age_s=0: a figure over the microseconds between two of them would be 0 or huge).
    assert sum(p.value or 0.0 for p in first.values()) > 0
    busy_until = time.process_time() + 0.05
    while time.process_time() < busy_until:
        pass
    second = by_attributes(collect(reader), "process.cpu.utilization", "cpu.mode")
    assert {k: p.value for k, p in second.items()} == {k: p.value for k, p in first.items()}
    assert all(0.0 <= (p.value or 0.0) <= 1.0 for p in first.values())


def test_gc_collections_by_generation(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instrument_resources(meter_provider, system=False)
    gc.collect()
    points = collect(reader)
    collections = by_attributes(points, "cpython.gc.collections", "cpython.gc.generation")
    assert set(collections) == {(generation,) for generation in range(len(gc.get_stats()))}
    assert (collections[(2,)].value or 0) >= 1
