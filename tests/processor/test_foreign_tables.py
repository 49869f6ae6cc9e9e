"""A database the Collector's ClickHouse exporter set up first: its current tables are
adopted (sloscope's columns added, its retention kept), ingested into and evaluated, and
its cumulative rows named in the SLO notes; its older generation, and tables of another
shape, are refused with what to do, before anything is changed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from processor import Retention, UnsupportedSchema
from processor._retention import recorded_retention
from processor.store import METRIC_TABLES, Store, StoreOptions, open_store
from slo_engine import load, status
from tests.support import contrib_schema, otlp
from tests.support.processor import running_processor
from tests.support.traffic import DEFAULT_BOUNDS, LATENCY_METRIC, request_attributes

SLOS = """\
service: shop
slos:
  - {name: shop-availability, objective: 0.9, window: 1d, sli: {availability: {}}}
"""
# The exporter's INSERT (metrics_histogram_insert.sql): its own columns, none of sloscope's.
EXPORTER_INSERT = """
INSERT INTO {db:Identifier}.otel_metrics_histogram (
    ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    ScopeDroppedAttrCount, ScopeSchemaUrl, ServiceName, MetricName, MetricDescription,
    MetricUnit, Attributes, StartTimeUnix, TimeUnix, Count, Sum, BucketCounts,
    ExplicitBounds, `Exemplars.FilteredAttributes`, `Exemplars.TimeUnix`, `Exemplars.Value`,
    `Exemplars.SpanId`, `Exemplars.TraceId`, Flags, Min, Max, AggregationTemporality
) VALUES (
    map('service.name', 'shop'), '', 'exporter', '1.0', map(), 0, '', 'shop',
    {metric:String}, '', 's', mapFromArrays({keys:Array(String)}, {values:Array(String)}),
    {start:DateTime},
    {time:DateTime}, {count:UInt64}, {sum:Float64}, {buckets:Array(UInt64)},
    {bounds:Array(Float64)}, [], [], [], [], [], 0, 0.04, 0.04, {temporality:Int32}
)
"""


@pytest.fixture
def exporter_database(store: Store, store_options: StoreOptions) -> Iterator[StoreOptions]:
    """A database of the test's store, empty, for the exporter to set up first."""
    name = f"{store.database}_exporter"
    store.command("CREATE DATABASE {db:Identifier}", {"db": name})
    yield dataclasses.replace(store_options, database=name)
    store.command("DROP DATABASE IF EXISTS {db:Identifier}", {"db": name})


def _columns(store: Store, database: str, table: str) -> set[tuple[str, str, str, str]]:
    rows = store.query(
        "SELECT name, type, default_kind, default_expression FROM system.columns "
        "WHERE database = {d:String} AND table = {t:String}",
        {"d": database, "t": table},
    )
    return {(name, kind, default, expression) for name, kind, default, expression in rows}


def _exporter_writes(
    store: Store, time_s: float, counts: list[int], status_code: int, temporality: int
) -> None:
    attributes = request_attributes("/a", "GET", status_code)
    store.command(
        EXPORTER_INSERT,
        {
            "metric": LATENCY_METRIC,
            "keys": list(attributes),
            "values": list(attributes.values()),
            "start": datetime.fromtimestamp(time_s - 60, UTC),
            "time": datetime.fromtimestamp(time_s, UTC),
            "count": sum(counts),
            "sum": sum(counts) * 0.04,
            "buckets": counts,
            "bounds": list(DEFAULT_BOUNDS),
            "temporality": temporality,
        },
    )


def _requests(count: int) -> list[int]:
    counts = [0] * (len(DEFAULT_BOUNDS) + 1)
    counts[3] = count  # 40 ms: (25 ms, 50 ms]
    return counts


def test_the_exporter_s_tables_are_adopted_ingested_and_evaluated(
    store: Store, exporter_database: StoreOptions
) -> None:
    contrib_schema.create_tables(store, exporter_database.database, ttl_days=3)
    adopted = open_store(exporter_database)
    try:
        for table in METRIC_TABLES.values():
            ours = _columns(store, store.database, table)
            assert ours - _columns(store, adopted.database, table) == set(), table
        # the exporter's TTL is the retention in force: the first start shortens nothing
        assert recorded_retention(adopted) == Retention(3, 400)
        now_s = float(int(time.time()))
        request = otlp.request("shop")
        latency = otlp.metric(request, LATENCY_METRIC, "s")
        for status_code, count in ((200, 10), (500, 2)):
            otlp.histogram_point(
                latency,
                _requests(count),
                DEFAULT_BOUNDS,
                now_s - 600,
                start_s=now_s - 660,
                attrs=request_attributes("/a", "GET", status_code),
            )
        with running_processor(adopted) as running:
            answer = otlp.export(running.endpoint, request)
        assert not answer.HasField("partial_success")
        # the exporter goes on writing its own rows: a delta one, and cumulative ones
        _exporter_writes(adopted, now_s - 300, _requests(5), 200, temporality=1)
        for minutes in (4, 3, 2):
            _exporter_writes(adopted, now_s - 60 * minutes, _requests(7), 200, temporality=2)
        slo_set = load({"s.yaml": SLOS})
        report = status(adopted, slo_set, datetime.fromtimestamp(now_s, UTC))
        before = status(adopted, slo_set, datetime.fromtimestamp(now_s - 420, UTC))
    finally:
        adopted.close()
    (shop,) = report.slos
    assert (shop.good, shop.total) == (15, 17)
    assert "3 cumulative rows from other writers are not counted" in shop.notes
    # a window that ends before the exporter's rows neither counts nor names them
    (earlier,) = before.slos
    assert (earlier.good, earlier.total) == (10, 12)
    assert not [note for note in earlier.notes if "cumulative" in note]


def test_the_exporter_s_older_generation_is_refused_before_anything_changes(
    store: Store, exporter_database: StoreOptions
) -> None:
    contrib_schema.create_tables(store, exporter_database.database, generation="older")
    with pytest.raises(UnsupportedSchema) as caught:
        open_store(exporter_database)
    message = str(caught.value)
    assert "older schema of the Collector's ClickHouse exporter" in message
    assert "TimeUnix DateTime64(9)" in message
    assert f"RENAME TABLE {exporter_database.database}.otel_metrics_" in message
    assert "store.database" in message
    tables = store.query(
        "SELECT name FROM system.tables WHERE database = {d:String} ORDER BY name",
        {"d": exporter_database.database},
    )
    assert [row[0] for row in tables] == sorted(contrib_schema.TABLES)


def test_a_table_of_another_shape_is_refused(store: Store, exporter_database: StoreOptions) -> None:
    store.command(
        "CREATE TABLE {db:Identifier}.otel_metrics_gauge (Name String) "
        "ENGINE = MergeTree ORDER BY Name",
        {"db": exporter_database.database},
    )
    with pytest.raises(UnsupportedSchema, match="is not a table sloscope can adopt"):
        open_store(exporter_database)
