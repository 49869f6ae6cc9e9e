"""The retention in force: kept in the store, changed only when a value is given, never by
a read; and the point times a flush stores under it."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from processor import Retention, StoreNotMigrated, change_retention, expiring_rows
from processor._retention import AgeLimits, recorded_retention
from processor._types import MetricType
from processor.errors import InvalidInput
from processor.store import METRIC_TABLES, ROLLUP_TABLES, Store, StoreOptions, open_store
from tests.support import otlp
from tests.support.processor import running_processor

DAY_S = 86_400
DAY_NS = DAY_S * 10**9
BOUNDS = [0.1, 0.5, 1.0]


def _engines(store: Store) -> dict[str, str]:
    rows = store.query("SELECT name, engine_full FROM system.tables WHERE database = {db:String}")
    return dict(rows)


@pytest.mark.parametrize(
    ("raw", "rollup", "message"),
    [
        (-1, 400, "retention must be 0..36500 days, not -1"),
        (30, 36_501, "rollup retention must be 0 or 2..36500 days, not 36501"),
        (30, 1, "rollup retention must be 0 or 2..36500 days, not 1"),
        (30, 20, "rollup retention (20 days) must keep at least what the raw retention keeps"),
        (0, 400, "rollup retention (400 days) must keep at least what the raw retention keeps"),
    ],
    ids=["negative", "huge-rollups", "one-day-rollups", "rollups-shorter", "raw-forever"],
)
def test_retentions_are_validated(raw: int, rollup: int, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        Retention(raw, rollup)


@pytest.mark.parametrize(
    ("raw", "rollup", "expected"),
    [
        (None, None, Retention(30, 400)),
        (7, None, Retention(7, 400)),
        (500, None, Retention(500, 500)),
        (0, None, Retention(0, 0)),
        (None, 90, Retention(30, 90)),
        (7, 0, Retention(7, 0)),
    ],
    ids=["nothing", "raw-within", "raw-beyond-rollups", "raw-forever", "rollups", "both"],
)
def test_a_raw_retention_alone_lengthens_the_rollups_when_it_must(
    raw: int | None, rollup: int | None, expected: Retention
) -> None:
    assert Retention(30, 400).changed(raw, rollup) == expected


def test_age_limits_follow_the_retention_and_the_type() -> None:
    now = 1_800_000_000 * 10**9
    limits = AgeLimits.at(Retention(30, 400), now)
    assert limits.oldest_unix_nano(MetricType.GAUGE) == now - 30 * DAY_NS
    assert limits.oldest_unix_nano(MetricType.SUMMARY) == now - 30 * DAY_NS
    # a daily rollup row is dated the start of its day: histograms get a day less
    assert limits.oldest_unix_nano(MetricType.HISTOGRAM) == now - 399 * DAY_NS
    assert limits.oldest_unix_nano(MetricType.EXPONENTIAL_HISTOGRAM) == now - 399 * DAY_NS
    assert limits.newest_unix_nano == now + 3600 * 10**9
    forever = AgeLimits.at(Retention(0, 0), now)
    assert (forever.raw_oldest_unix_nano, forever.rollup_oldest_unix_nano) == (0, 0)


def test_a_read_open_changes_no_ttl_and_records_nothing(store_options: StoreOptions) -> None:
    kept = dataclasses.replace(store_options, retention_days=0)
    first = open_store(kept)
    engines = _engines(first)
    assert "TTL" not in engines["otel_metrics_sum"]
    first.close()
    for _ in range(2):
        read = open_store(store_options, migrate=False)
        assert _engines(read) == engines
        read.close()
    serve_again = open_store(store_options)
    assert _engines(serve_again) == engines
    assert recorded_retention(serve_again) == Retention(0, 0)
    assert serve_again.query("SELECT count() FROM {db:Identifier}.sloscope_retention") == [(1,)]
    serve_again.command("DROP DATABASE {db:Identifier}")
    serve_again.close()


def test_a_read_open_refuses_a_store_without_the_current_schema(
    store: Store, store_options: StoreOptions, tmp_path: Path
) -> None:
    missing = dataclasses.replace(store_options, database=f"{store.database}_none")
    with pytest.raises(StoreNotMigrated, match=r"has no database .*: run `sloscope serve` once"):
        open_store(missing, migrate=False)
    store.command(
        "ALTER TABLE {db:Identifier}.sloscope_schema_migrations DELETE WHERE Version = 5",
        settings={"mutations_sync": 1},
    )
    with pytest.raises(
        StoreNotMigrated, match=r"needs migrations 0005_store_retention\.sql: run `sloscope serve`"
    ):
        open_store(store_options, migrate=False)
    nowhere = StoreOptions(dsn=f"chdb://{tmp_path / 'nothing'}", database="x")
    with pytest.raises(StoreNotMigrated, match=r"no store in .*nothing"):
        open_store(nowhere, migrate=False)
    assert not (tmp_path / "nothing").exists()


def test_a_change_says_what_it_deletes_per_table(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for value, days_old in enumerate((3, 10, 10, 20)):
        store.command(
            "INSERT INTO {db:Identifier}.otel_metrics_gauge "
            "(ServiceName, MetricName, TimeUnix, Value) "
            "VALUES ('aged', 'temperature', {t:DateTime}, {v:Float64})",
            {"t": now - timedelta(days=days_old), "v": value},
        )
    plan = {item.table: item for item in expiring_rows(store, Retention(), Retention(7, 400), now)}
    assert set(plan) == {f"otel_metrics_{t.value}" for t in MetricType}
    assert (plan["otel_metrics_gauge"].rows, plan["otel_metrics_gauge"].days) == (3, 2)
    assert plan["otel_metrics_gauge"].days_kept == 7
    assert plan["otel_metrics_sum"].rows == 0
    # longer, or forever, deletes nothing; shorter rollups say what they delete
    assert expiring_rows(store, Retention(), Retention(0, 0), now) == []
    assert expiring_rows(store, Retention(7, 400), Retention(), now) == []
    both = expiring_rows(store, Retention(), Retention(7, 10), now)
    assert {item.table: item.days_kept for item in both} == {
        **dict.fromkeys(METRIC_TABLES.values(), 7),
        **dict.fromkeys(ROLLUP_TABLES, 10),
        "sloscope_series_state": 10,
    }
    change_retention(store, Retention(7, 400), changed_by="test")
    assert "toIntervalDay(7)" in _engines(store)["otel_metrics_gauge"]
    assert recorded_retention(store) == Retention(7, 400)


def _points_of_every_age(now_s: float) -> ExportMetricsServiceRequest:
    request = otlp.request("aged")
    latency = otlp.metric(request, "latency", "s")
    for age_s in (600, 40 * DAY_S, 500 * DAY_S, -2 * 3600):
        otlp.histogram_point(
            latency, [1, 0, 2, 0], BOUNDS, now_s - age_s, start_s=now_s - age_s - 60
        )
    otlp.gauge_point(otlp.metric(request, "temperature"), 21.5, now_s - 40 * DAY_S)
    otlp.sum_point(otlp.metric(request, "hits"), 4, now_s - 600)
    return request


def test_points_are_stored_only_while_their_rows_are_kept(store: Store) -> None:
    now_s = float(int(time.time()))
    with running_processor(store) as running:
        answer = otlp.export(running.endpoint, _points_of_every_age(now_s))
        alone = otlp.request("aged")
        otlp.histogram_point(
            otlp.metric(alone, "latency", "s"), [0, 5, 0, 0], BOUNDS, now_s - 50 * DAY_S
        )
        warned = otlp.export(running.endpoint, alone)
        totals = dict(running.receiver.metrics.totals)
    assert answer.partial_success.rejected_data_points == 3
    assert answer.partial_success.error_message == (
        "rejected 3 points: 2 older than the retention, 1 more than an hour ahead; "
        "warning: 1 points older than the raw retention (30 days) were stored in the SLO "
        "rollups only"
    )
    assert warned.partial_success.rejected_data_points == 0
    assert warned.partial_success.error_message == (
        "warning: 1 points older than the raw retention (30 days) were stored in the SLO "
        "rollups only"
    )
    assert totals["rejected"] == 3
    # the raw rows of the old points expired at once; the rollups keep them
    raw = store.query(
        "SELECT sum(Count) FROM {db:Identifier}.otel_metrics_histogram WHERE ServiceName = 'aged'"
    )
    assert raw == [(3,)]
    minutes = store.query(
        "SELECT toDate(TimeUnix), sum(Count) FROM {db:Identifier}.slo_histogram_1m "
        "WHERE ServiceName = 'aged' GROUP BY 1 ORDER BY 1"
    )
    day = datetime.fromtimestamp(now_s, UTC).date()
    assert minutes == [
        ((day - timedelta(days=50)), 5),
        ((day - timedelta(days=40)), 3),
        (datetime.fromtimestamp(now_s - 600, UTC).date(), 3),
    ]
    assert store.query(
        "SELECT count() FROM {db:Identifier}.otel_metrics_gauge WHERE ServiceName = 'aged'"
    ) == [(0,)]
    assert store.query(
        "SELECT sum(Value) FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'aged'"
    ) == [(4.0,)]
    rejected = store.query(
        "SELECT Attributes['reason'], sum(Value) FROM {db:Identifier}.otel_metrics_sum "
        "WHERE MetricName = 'sloscope.processor.points.rejected' GROUP BY 1 ORDER BY 1"
    )
    assert rejected == [("more than an hour ahead", 1.0), ("older than the retention", 2.0)]


def test_a_store_kept_forever_takes_points_of_any_age(store_options: StoreOptions) -> None:
    forever = open_store(dataclasses.replace(store_options, retention_days=0))
    now_s = float(int(time.time()))
    try:
        with running_processor(forever) as running:
            answer = otlp.export(running.endpoint, _points_of_every_age(now_s))
        assert answer.partial_success.rejected_data_points == 1
        assert answer.partial_success.error_message == (
            "rejected 1 points: 1 more than an hour ahead"
        )
    finally:
        forever.command("DROP DATABASE {db:Identifier}")
        forever.close()
