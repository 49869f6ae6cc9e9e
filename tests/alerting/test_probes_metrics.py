"""Check results as gauges, written through the processor's own path (``Receiver.submit``)
and read back by the SLO engine as a ``health_check`` SLI; and ``probe_loop`` on virtual
time."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import datetime, timedelta, timezone

import pydantic

from alerting.probes import (
    DURATION_METRIC,
    UP_METRIC,
    HealthChecks,
    ProbeResult,
    health_metrics,
    probe_loop,
)
from slo_engine import load, status
from tests.support.processor import running_processor

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)


def _rows(request):
    """(service, metric, check, time_unix_nano, value) for every point of the request."""
    rows = []
    for resource in request.resource_metrics:
        service = resource.resource.attributes[0].value.string_value
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.gauge.data_points:
                    value = point.as_int if point.HasField("as_int") else point.as_double
                    check = point.attributes[0].value.string_value
                    rows.append((service, metric.name, check, point.time_unix_nano, value))
    return rows


def test_each_result_is_an_up_and_a_duration_point_under_its_service():
    results = [
        ProbeResult("db", "postgres", True, 0.004, "ok", T0),
        ProbeResult("web", "checkout", False, 2.0, "timeout", T0 + timedelta(seconds=1.5)),
    ]
    t0_ns = int(T0.timestamp()) * 10**9
    assert _rows(health_metrics(results)) == [
        ("checkout", UP_METRIC, "web", t0_ns + 1_500_000_000, 0),
        ("checkout", DURATION_METRIC, "web", t0_ns + 1_500_000_000, 2.0),
        ("postgres", UP_METRIC, "db", t0_ns, 1),
        ("postgres", DURATION_METRIC, "db", t0_ns, 0.004),
    ]
    assert UP_METRIC == "sloscope.health_check.up"


SLOS = """\
service: postgres
slos:
  - name: db-up
    objective: 0.9
    window: 1h
    sli: {health_check: {check: db}}
"""


def test_stored_results_are_read_back_as_a_health_check_sli(store):
    end = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    down = {2, 5, 6}
    results = [
        ProbeResult("db", "postgres", m not in down, 0.01, "", end - timedelta(minutes=10 - m))
        for m in range(10)
    ]
    with running_processor(store) as processor:
        processor.call(processor.receiver.submit(health_metrics(results)))
    report = status(store, load({"s.yaml": SLOS}), end)
    (slo,) = report.slos
    assert (slo.good, slo.total) == (7, 10)
    assert slo.sli is not None
    assert abs(slo.sli - 0.7) < 1e-12
    durations = store.query(
        "SELECT count(), sum(Value) FROM {db:Identifier}.otel_metrics_gauge"
        " WHERE MetricName = {m:String} AND ServiceName = 'postgres'",
        {"m": DURATION_METRIC},
    )
    assert durations[0][0] == 10
    assert abs(durations[0][1] - 0.1) < 1e-9


class VirtualTime:
    """A clock and a sleep on virtual time: ``run_until`` wakes sleepers in time order
    once every task is asleep, so a minute of checks runs at once."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(
            self._sleepers, (self.now + timedelta(seconds=seconds), next(self._seq), future)
        )
        await future

    async def run_until(self, end: datetime, tasks: int) -> None:
        while True:
            while len(self._sleepers) < tasks:
                await asyncio.sleep(0)
            when, _, future = self._sleepers[0]
            if when > end:
                return
            heapq.heappop(self._sleepers)
            self.now = when
            future.set_result(None)


def test_probe_loop_runs_each_check_at_its_interval_and_survives_a_failing_consumer():
    checks = pydantic.TypeAdapter(HealthChecks).validate_python(
        [
            {"name": "fast", "service": "a", "store": {}, "interval": "15s"},
            {"name": "slow", "service": "b", "store": {}, "interval": "1m"},
        ]
    )
    time = VirtualTime(T0)
    seen: list[tuple[str, float, bool]] = []

    async def on_result(result: ProbeResult) -> None:
        seen.append((result.name, (result.checked_at - T0).total_seconds(), result.up))
        if len(seen) == 1:
            raise RuntimeError("the consumer fails once")

    async def main() -> None:
        loop = asyncio.create_task(
            probe_loop(checks, store=None, clock=time.clock, sleep=time.sleep, on_result=on_result)
        )
        await time.run_until(T0 + timedelta(minutes=1), tasks=2)
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)

    asyncio.run(main())
    assert sorted(seen) == [
        ("fast", 0.0, False),
        ("fast", 15.0, False),
        ("fast", 30.0, False),
        ("fast", 45.0, False),
        ("fast", 60.0, False),
        ("slow", 0.0, False),
        ("slow", 60.0, False),
    ]
