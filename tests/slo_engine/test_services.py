"""Services' request rate, error ratio, percentiles and resources per step, from the
rollups and the gauge table, against references computed from the raw observations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from processor.store import Store
from slo_engine import service_series, services
from slo_engine._services_model import ServiceSummary
from tests.support.reference import histogram_quantile
from tests.support.traffic import (
    DEFAULT_BOUNDS,
    GaugePoint,
    bucket_index,
    histogram_point,
    insert_gauges,
    insert_histograms,
    request_attributes,
)

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FAST, SLOW = [0.01, 0.02, 0.03], [0.3, 0.6]


@pytest.fixture(scope="module")
def traffic(module_store: Store) -> Store:
    """Two hours of minutes before END: shop /a three fast 200s a minute, /b two slow
    500s every other minute; cart one request a minute; shop's host CPU 0.25 then 0.75.
    The minute ``END - m`` is described by points ending at its end (they count (start,
    end]), ``END - m + 1 min``."""
    points = []
    gauges = []
    for minute in range(1, 121):
        time = END - timedelta(minutes=minute)
        ending = time + timedelta(minutes=1)
        points.append(histogram_point("shop", request_attributes("/a", "GET", 200), ending, FAST))
        if minute % 2 == 0:
            points.append(
                histogram_point("shop", request_attributes("/b", "GET", 500), ending, SLOW)
            )
        points.append(histogram_point("cart", request_attributes("/c", "GET", 200), ending, [0.1]))
        gauges.append(
            GaugePoint("shop", "system.cpu.utilization", {}, time, 0.25 if minute > 60 else 0.75)
        )
    insert_histograms(module_store, points)
    insert_gauges(module_store, gauges)
    return module_store


def _reference(q: float, latencies: list[float]) -> float:
    counts = [0] * (len(DEFAULT_BOUNDS) + 1)
    for value in latencies:
        counts[bucket_index(DEFAULT_BOUNDS, value)] += 1
    return histogram_quantile(q, DEFAULT_BOUNDS, counts, min(latencies), max(latencies))[0]


def test_services_with_their_requests_and_errors(traffic: Store) -> None:
    found = services(traffic, END - timedelta(hours=1), END)
    assert found == [
        ServiceSummary(name="cart", requests=60, errors=0, error_ratio=0.0, routes=["/c"]),
        ServiceSummary(
            name="shop", requests=60 * 3 + 30 * 2, errors=60, error_ratio=0.25, routes=["/a", "/b"]
        ),
    ]


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        # a whole hour from the hour rollup, its first 35 minutes from the minute rollup
        (END - timedelta(minutes=95), END + timedelta(minutes=20), range(1, 96)),
        # 55 minutes after a whole hour
        (END - timedelta(minutes=150), END - timedelta(minutes=5), range(6, 121)),
        # no whole hour: every minute from the minute rollup
        (END - timedelta(minutes=50), END - timedelta(minutes=20), range(21, 51)),
    ],
    ids=["edge-hour", "hour-edge", "minutes"],
)
def test_services_over_hours_and_edge_minutes(
    traffic: Store, start: datetime, end: datetime, minutes: range
) -> None:
    """The minutes ``END - m`` (m in ``minutes``) are in the range, whichever rollup
    holds them."""
    failed = 2 * sum(1 for m in minutes if m % 2 == 0)
    shop = 3 * len(minutes) + failed
    assert services(traffic, start, end) == [
        ServiceSummary(
            name="cart", requests=len(minutes), errors=0, error_ratio=0.0, routes=["/c"]
        ),
        ServiceSummary(
            name="shop", requests=shop, errors=failed, error_ratio=failed / shop,
            routes=["/a", "/b"],
        ),
    ]  # fmt: skip


@pytest.mark.parametrize("step", [timedelta(minutes=30), timedelta(hours=1)], ids=["m", "h"])
def test_rate_errors_and_percentiles_per_step(traffic: Store, step: timedelta) -> None:
    series = service_series(traffic, "shop", END - timedelta(hours=1), END, step)
    assert series.grain_seconds == (3600 if step == timedelta(hours=1) else 60)
    per_step = step.total_seconds() / 60
    observed = FAST * int(per_step) + SLOW * int(per_step / 2)
    last = len(series.times) - 1
    assert series.times[last] == END
    assert series.requests_per_second[last] == pytest.approx(len(observed) / step.total_seconds())
    assert series.error_ratio[last] == pytest.approx(0.25, abs=1e-12)
    for q, values in ((0.5, series.p50), (0.95, series.p95), (0.99, series.p99)):
        assert values[last] == pytest.approx(_reference(q, observed), abs=1e-9)


def test_a_route_alone(traffic: Store) -> None:
    series = service_series(traffic, "shop", END, END, timedelta(minutes=10), route="/b")
    assert series.requests_per_second == [pytest.approx(10 / 600)]
    assert series.error_ratio == [1.0]
    assert series.p50 == [pytest.approx(_reference(0.5, SLOW * 5), abs=1e-9)]


def test_resources_are_the_mean_of_each_step(traffic: Store) -> None:
    series = service_series(traffic, "shop", END - timedelta(hours=1), END, timedelta(minutes=30))
    assert series.resources["system.cpu.utilization"] == [0.25, 0.75, 0.75]
    assert series.resources["process.cpu.utilization"] == [None, None, None]


def test_unknown_service_has_no_data(traffic: Store) -> None:
    series = service_series(traffic, "<script>", END - timedelta(hours=1), END, timedelta(hours=1))
    assert series.requests_per_second == [None, None]
