"""GET /api/slos from the alert engine's latest evaluation, on a real store served by
uvicorn: the same answer as a computation at the evaluation's instant, only while the
evaluation is younger than two alerting intervals, never for ``at``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from alerting import AlertEngine, load_alerting
from processor.store import Store
from slo_engine import load, read_sources
from sloscope.api._slo_reads import SloOverview
from tests.support.api import serving_api
from tests.support.serve import ServeProcess
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

T = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)
INTERVAL = timedelta(seconds=10)
SLOS = """\
service: shop
slos:
  - name: availability
    objective: 0.9
    window: 1d
    sli: {availability: {route: /a}}
  - name: latency
    objective: 0.9
    window: 1d
    sli: {latency: {route: /a, threshold: 0.25}}
  - name: latency-minutes
    objective: 0.9
    window: 1d
    budgeting: timeslices
    slice_target: 0.5
    sli: {latency: {route: /a, threshold: 0.25}}
alerting:
  interval: 10s
"""
ONLY_LATENCY = """\
  slo_alerts:
    slos: [latency]
"""


class Clock:
    """The API's clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _traffic(store: Store, minutes: range, errors_every: int) -> None:
    """Requests at /a each minute before T, one in ``errors_every`` minutes failing."""
    points = [
        histogram_point(
            "shop",
            request_attributes("/a", "GET", 500 if m % errors_every == 0 else 200),
            T - timedelta(minutes=m),
            [0.1, 0.3, 0.1],
        )
        for m in minutes
    ]
    insert_histograms(store, points)


@pytest.fixture
def slos_dir(store: Store, tmp_path: Path) -> Path:
    _traffic(store, range(1, 6 * 60, 7), errors_every=3)  # six hours, every 7 minutes
    (tmp_path / "shop.yaml").write_text(SLOS)
    return tmp_path


def _engine(store: Store, slos_dir: Path) -> AlertEngine:
    sources = read_sources([slos_dir])
    return AlertEngine(store.reopen(), load_alerting(sources), load(sources))


@pytest.fixture
def engine(store: Store, slos_dir: Path) -> Iterator[AlertEngine]:
    engine = _engine(store, slos_dir)
    yield engine
    engine.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(T + INTERVAL / 2)


@pytest.fixture
def client(
    store: Store, slos_dir: Path, engine: AlertEngine, clock: Clock
) -> Iterator[httpx.Client]:
    with (
        serving_api(store, slos_dir=slos_dir, alerts=engine, clock=clock) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        yield http


def _overview(client: httpx.Client, at: datetime | None = None) -> SloOverview:
    params = {"at": at.isoformat()} if at is not None else {}
    response = client.get("/api/slos", params=params)
    assert response.status_code == 200, response.text
    return SloOverview.model_validate_json(response.content)


def _fields(overview: SloOverview) -> dict[str, object]:
    return overview.model_dump(exclude={"source"})


def test_the_evaluator_answers_what_a_computation_at_its_instant_answers(
    client: httpx.Client, engine: AlertEngine, store: Store
) -> None:
    engine.evaluate(T)
    served = _overview(client)
    computed = _overview(client, T)
    assert (served.source, served.evaluated_at) == ("evaluator", T)
    assert computed.source == "computed"
    assert _fields(served) == _fields(computed)
    # every field the overview shows is there, with numbers
    assert sorted(s.name for s in served.slos) == ["availability", "latency", "latency-minutes"]
    availability = next(s for s in served.slos if s.name == "availability")
    assert availability.budget_remaining is not None
    assert availability.budget_remaining_seconds is not None
    assert (availability.fast_burn, availability.slow_burn) != (None, None)
    assert availability.time_to_exhaustion_seconds is not None
    assert len(served.sparkline_times) == 25
    assert sum(v is not None for v in availability.sparkline) == 6

    # Later data with earlier times: the evaluator's answer is the evaluation's own.
    _traffic(store, range(2, 60, 7), errors_every=1)
    assert _overview(client) == served
    assert _fields(_overview(client, T)) != _fields(served)


def test_an_evaluation_two_intervals_old_is_not_served(
    client: httpx.Client, engine: AlertEngine, clock: Clock
) -> None:
    engine.evaluate(T)
    # While the next evaluation runs, the latest is older than one interval: still served.
    clock.now = T + 2 * INTERVAL - timedelta(microseconds=1)
    assert _overview(client).source == "evaluator"
    clock.now = T + 2 * INTERVAL
    stale = _overview(client)
    assert (stale.source, stale.evaluated_at) == ("computed", T + 2 * INTERVAL)
    clock.now = T - timedelta(seconds=1)  # an evaluation from the API's future
    assert _overview(client).source == "computed"


def test_an_instant_asked_for_is_computed(client: httpx.Client, engine: AlertEngine) -> None:
    engine.evaluate(T)
    asked = _overview(client, T + timedelta(seconds=1))
    assert (asked.source, asked.evaluated_at) == ("computed", T + timedelta(seconds=1))


def test_without_an_engine_or_an_evaluation_the_answer_is_computed(
    client: httpx.Client, store: Store, slos_dir: Path, clock: Clock
) -> None:
    before = _overview(client)  # the engine has not evaluated yet
    assert (before.source, before.evaluated_at) == ("computed", clock.now)
    with (
        serving_api(store, slos_dir=slos_dir, clock=clock) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        alone = _overview(http)
    assert (alone.source, alone.evaluated_at) == ("computed", clock.now)
    assert _fields(alone) == _fields(before)


def test_changed_slo_files_are_computed(
    client: httpx.Client, engine: AlertEngine, slos_dir: Path
) -> None:
    engine.evaluate(T)
    (slos_dir / "shop.yaml").write_text(SLOS.replace("objective: 0.9", "objective: 0.95", 1))
    changed = _overview(client)
    assert changed.source == "computed"
    assert next(s for s in changed.slos if s.name == "availability").objective == 0.95


def test_slo_alerts_for_some_slos_still_serve_every_slo(
    store: Store, slos_dir: Path, clock: Clock
) -> None:
    (slos_dir / "shop.yaml").write_text(SLOS + ONLY_LATENCY)
    engine = _engine(store, slos_dir)
    engine.evaluate(T)
    with (
        serving_api(store, slos_dir=slos_dir, alerts=engine, clock=clock) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        served = _overview(http)
        computed = _overview(http, T)
    engine.close()
    latest = engine.latest()
    assert latest is not None
    assert {o.labels["slo"] for o in latest.observations} == {"latency"}
    assert served.source == "evaluator"
    assert sorted(s.name for s in served.slos) == ["availability", "latency", "latency-minutes"]
    assert _fields(served) == _fields(computed)


@pytest.mark.slow
def test_serve_evaluates_slo_files_without_an_alerting_section(tmp_path: Path) -> None:
    slos_dir = tmp_path / "slos"
    slos_dir.mkdir()
    (slos_dir / "shop.yaml").write_text(SLOS.split("alerting:", maxsplit=1)[0])
    server = ServeProcess(tmp_path / "data", args=["--slos", str(slos_dir)])
    server.start()
    try:
        with httpx.Client(base_url=server.api_url, timeout=60) as http:
            deadline = time.monotonic() + 60
            served = _overview(http)
            while served.source != "evaluator" and time.monotonic() < deadline:
                time.sleep(0.2)
                served = _overview(http)
    finally:
        assert server.stop() == 0
    assert served.source == "evaluator"
    assert sorted(s.name for s in served.slos) == ["availability", "latency", "latency-minutes"]
