"""The resource metrics: semantic-convention names, units, instrument kinds and attribute
keys, in memory and as stored by the processor."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping

import psutil
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import build_telemetry, instrument_resources, resolve_settings
from processor.store import Store
from tests.instrumentation._points import Point, collect

# name -> (unit, kind, monotonic, attribute keys)
Expected = Mapping[str, tuple[str, str, bool | None, frozenset[str]]]

FS_KEYS = frozenset(
    {"system.filesystem.state", "system.device", "system.filesystem.mode",
     "system.filesystem.mountpoint", "system.filesystem.type"}
)  # fmt: skip
DISK_KEYS = frozenset({"disk.io.direction", "system.device"})
NIC_KEYS = frozenset({"network.io.direction", "network.interface.name"})
CONNECTION_KEYS = frozenset({"network.connection.state", "network.transport"})
GC_KEYS = frozenset({"cpython.gc.generation"})
NONE: frozenset[str] = frozenset()

SYSTEM: Expected = {
    "system.cpu.time": ("s", "sum", True, frozenset({"cpu.mode"})),
    "system.cpu.utilization": ("1", "gauge", None, frozenset({"cpu.mode"})),
    "system.cpu.logical.count": ("{cpu}", "sum", False, NONE),
    "system.cpu.load_average.1m": ("{thread}", "gauge", None, NONE),
    "system.cpu.load_average.5m": ("{thread}", "gauge", None, NONE),
    "system.cpu.load_average.15m": ("{thread}", "gauge", None, NONE),
    "system.memory.usage": ("By", "sum", False, frozenset({"system.memory.state"})),
    "system.memory.utilization": ("1", "gauge", None, frozenset({"system.memory.state"})),
    "system.memory.limit": ("By", "sum", False, NONE),
    "system.paging.usage": ("By", "sum", False, frozenset({"system.paging.state"})),
    "system.paging.utilization": ("1", "gauge", None, frozenset({"system.paging.state"})),
    "system.filesystem.usage": ("By", "sum", False, FS_KEYS),
    "system.filesystem.utilization": ("1", "gauge", None, FS_KEYS),
    "system.disk.io": ("By", "sum", True, DISK_KEYS),
    "system.disk.operations": ("{operation}", "sum", True, DISK_KEYS),
    "system.network.io": ("By", "sum", True, NIC_KEYS),
    "system.network.packet.count": ("{packet}", "sum", True, NIC_KEYS),
    "system.network.packet.dropped": ("{packet}", "sum", True, NIC_KEYS),
    "system.network.errors": ("{error}", "sum", True, NIC_KEYS),
    "system.network.connection.count": ("{connection}", "sum", False, CONNECTION_KEYS),
    "system.process.count": ("{process}", "sum", False, frozenset({"process.state"})),
    "system.uptime": ("s", "gauge", None, NONE),
}
PROCESS: Expected = {
    "process.cpu.time": ("s", "sum", True, frozenset({"cpu.mode"})),
    "process.cpu.utilization": ("1", "gauge", None, frozenset({"cpu.mode"})),
    "process.memory.usage": ("By", "sum", False, NONE),
    "process.memory.virtual": ("By", "sum", False, NONE),
    "process.thread.count": ("{thread}", "sum", False, NONE),
    "process.unix.file_descriptor.count": ("{file_descriptor}", "sum", False, NONE),
    "process.uptime": ("s", "gauge", None, NONE),
    "cpython.gc.collections": ("{collection}", "sum", True, GC_KEYS),
    "cpython.gc.collected_objects": ("{object}", "sum", True, GC_KEYS),
    "cpython.gc.uncollectable_objects": ("{object}", "sum", True, GC_KEYS),
}


def _expected(expected: Expected) -> Expected:
    """Swap utilization is undefined (and not reported) on a host without swap."""
    if psutil.swap_memory().total:
        return expected
    return {name: spec for name, spec in expected.items() if name != "system.paging.utilization"}


def _shape(points: list[Point]) -> dict[str, tuple[str, str, bool | None, frozenset[str]]]:
    shape: dict[str, tuple[str, str, bool | None, frozenset[str]]] = {}
    for point in points:
        keys = frozenset(point.attributes)
        unit, kind, monotonic, seen = shape.get(
            point.name, (point.unit, point.kind, point.monotonic, NONE)
        )
        shape[point.name] = (unit, kind, monotonic, seen | keys)
    return shape


@pytest.fixture
def listening() -> Iterator[None]:
    """At least one TCP socket in the listen state, wherever the tests run."""
    with socket.create_server(("127.0.0.1", 0)):
        yield


def test_names_units_kinds_and_attribute_keys(
    meter_provider: MeterProvider, reader: InMemoryMetricReader, listening: None
) -> None:
    instrument_resources(meter_provider)
    assert _shape(collect(reader)) == {**_expected(SYSTEM), **PROCESS}


def test_system_and_process_can_be_chosen(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    instrument_resources(meter_provider, system=False)
    assert set(_shape(collect(reader))) == set(PROCESS)


def test_a_closed_handle_observes_nothing(
    meter_provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    handle = instrument_resources(meter_provider)
    assert collect(reader)
    handle.close()
    handle.close()
    assert collect(reader) == []


def test_resource_metrics_arrive_in_the_store(
    store: Store, endpoint: str, listening: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{endpoint}")
    telemetry = build_telemetry(resolve_settings({}, service_name="resources"))
    try:
        assert telemetry.force_flush(timeout_s=30)
        assert telemetry.force_flush(timeout_s=30)  # a second cycle: counters as deltas
    finally:
        telemetry.shutdown()
    rows = store.query(
        """
        SELECT MetricName, any(MetricUnit),
               arraySort(groupUniqArrayArray(mapKeys(Attributes))), kind
        FROM (
            SELECT MetricName, MetricUnit, Attributes, 'sum' AS kind
            FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'resources'
            UNION ALL
            SELECT MetricName, MetricUnit, Attributes, 'gauge' AS kind
            FROM {db:Identifier}.otel_metrics_gauge WHERE ServiceName = 'resources'
        )
        GROUP BY MetricName, kind
        ORDER BY MetricName
        """
    )
    stored = {name: (unit, kind, frozenset(keys)) for name, unit, keys, kind in rows}
    expected = {
        name: (unit, kind, keys)
        for name, (unit, kind, _, keys) in {**_expected(SYSTEM), **PROCESS}.items()
    }
    assert stored == expected
