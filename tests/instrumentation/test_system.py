"""Host metric values: the states and modes exist, the fractions are fractions."""

from __future__ import annotations

import math

import psutil
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import instrument_resources
from tests.instrumentation._points import by_attributes, collect, named

CPU_MODES = {"user", "nice", "system", "idle", "iowait", "interrupt", "steal"}


def test_cpu_times_and_utilization(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instrument_resources(meter_provider, process=False, max_age_s=0)
    collect(reader)
    points = collect(reader)
    times = by_attributes(points, "system.cpu.time", "cpu.mode")
    utilization = by_attributes(points, "system.cpu.utilization", "cpu.mode")
    assert {mode for (mode,) in times} <= CPU_MODES
    assert {"user", "system", "idle"} <= {mode for (mode,) in times}
    assert set(utilization) == set(times)
    fractions = [point.value or 0.0 for point in utilization.values()]
    assert all(0.0 <= value <= 1.0 for value in fractions)
    assert math.isclose(sum(fractions), 1.0, abs_tol=1e-9) or sum(fractions) == 0.0
    (count,) = named(points, "system.cpu.logical.count")
    assert count.value == psutil.cpu_count(logical=True)


def test_memory_states_and_limit(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instrument_resources(meter_provider, process=False)
    points = collect(reader)
    usage = by_attributes(points, "system.memory.usage", "system.memory.state")
    (limit,) = named(points, "system.memory.limit")
    assert set(usage) == {("used",), ("free",), ("buffers",), ("cached",)}
    assert limit.value == psutil.virtual_memory().total
    assert 0 < (usage[("used",)].value or 0) < (limit.value or 0)
    utilization = by_attributes(points, "system.memory.utilization", "system.memory.state")
    used = utilization[("used",)].value or 0.0
    assert math.isclose(used, (usage[("used",)].value or 0) / (limit.value or 1), rel_tol=1e-9)


def test_counts_and_uptime(meter_provider: MeterProvider, reader: InMemoryMetricReader) -> None:
    instrument_resources(meter_provider, process=False)
    points = collect(reader)
    processes = by_attributes(points, "system.process.count", "process.state")
    assert {state for (state,) in processes} <= {"running", "sleeping", "stopped", "defunct"}
    assert sum(point.value or 0 for point in processes.values()) >= 1
    (uptime,) = named(points, "system.uptime")
    assert (uptime.value or 0) > 0
    loads = [
        named(points, f"system.cpu.load_average.{window}")[0].value
        for window in ("1m", "5m", "15m")
    ]
    assert all(value is not None and value >= 0 for value in loads)


def test_filesystems_are_reported_per_mount(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instrument_resources(meter_provider, process=False)
    points = collect(reader)
    usage = named(points, "system.filesystem.usage")
    mounts = {p.attributes["system.filesystem.mountpoint"] for p in usage}
    assert mounts
    for mount in mounts:
        states = {
            p.attributes["system.filesystem.state"]
            for p in usage
            if p.attributes["system.filesystem.mountpoint"] == mount
        }
        assert states == {"used", "free", "reserved"}
    assert all(0 <= (p.value or 0) <= 1 for p in named(points, "system.filesystem.utilization"))
