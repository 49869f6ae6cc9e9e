"""ClickHouse errors sorted by code: the store's trouble means "retry", with a real
constraint on the real store; only what a statement says is its own fault."""

from __future__ import annotations

import concurrent.futures
import re
from pathlib import Path

import pytest

from processor import BatchOptions, QueryFailed, StoreUnavailable
from processor._error_codes import STORE_TROUBLE
from processor.store import Store
from tests.support.processor import running_processor
from tests.support.sdk import Sender
from tests.support.servers import wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "store.md"
BOUNDS = [0.01, 0.1, 1.0]


@pytest.mark.parametrize(
    ("sql", "settings", "error", "code"),
    [
        (
            "SELECT groupArray(number) FROM numbers(10000000)",
            {"max_memory_usage": 1_000_000},
            StoreUnavailable,
            241,
        ),
        (
            "SELECT sum(cityHash64(number)) FROM numbers(10000000000)",
            {"max_execution_time": 0.01},
            StoreUnavailable,
            159,
        ),
        ("SELEC 1", {}, QueryFailed, 62),
        ("SELECT * FROM {db:Identifier}.nowhere", {}, QueryFailed, 60),
        ("SELECT * FROM numbers(10)", {"max_result_rows": 5}, QueryFailed, 396),
        ("SELECT throwIf(1)", {}, QueryFailed, 395),
    ],
    ids=["memory", "timeout", "syntax", "unknown-table", "result-limit", "a-value"],
)
def test_errors_are_sorted_by_their_code(
    store: Store, sql: str, settings: dict[str, float], error: type[Exception], code: int
) -> None:
    with pytest.raises(error) as caught:
        store.query(sql, settings=settings)
    assert caught.value.code == code  # type: ignore[attr-defined]


def test_a_write_in_a_read_only_session_is_the_statement_s_fault(store: Store) -> None:
    session = store.read_only({"readonly": 1})
    try:
        with pytest.raises(QueryFailed) as caught:
            session.command("CREATE TABLE {db:Identifier}.t (x UInt8) ENGINE = Memory")
    finally:
        session.close()
    assert caught.value.code == 164


def test_every_code_is_the_one_clickhouse_names(store: Store) -> None:
    named = dict(
        store.query(
            "SELECT code, name FROM system.errors WHERE code IN {codes:Array(Int32)}",
            {"codes": list(STORE_TROUBLE)},
            settings={"system_events_show_zero_values": 1},
        )
    )
    assert named == dict(STORE_TROUBLE)


def test_the_documented_list_is_the_table() -> None:
    documented = {
        int(code): name
        for code, name in re.findall(r"^\| (\d+) \| `([A-Z_]+)` \|", DOCS.read_text(), re.M)
    }
    assert documented == dict(STORE_TROUBLE)


def test_too_many_parts_means_retry_and_the_sdk_loses_nothing(store: Store) -> None:
    """A flush refused for too many parts is retried by the batcher, then answered
    UNAVAILABLE with RetryInfo; the SDK's exporter retries; once the constraint is lifted
    everything recorded is stored once."""
    batch = BatchOptions(flush_interval_s=0.05, retry_deadline_s=0.3)
    with running_processor(store, batch=batch, retry_after_s=0.2) as running:
        sender = Sender(running.endpoint, "parts", delta=True, timeout_s=60)
        latency = sender.meter.create_histogram(
            "latency", unit="s", explicit_bucket_boundaries_advisory=BOUNDS
        )
        requests = sender.meter.create_counter("requests")
        recorded = 0

        def record(routes: tuple[str, ...]) -> None:
            nonlocal recorded
            for number, route in enumerate(routes):
                latency.record(0.05 * (number % 3), {"route": route})
                requests.add(2, {"route": route})
                recorded += 1

        record(("/a", "/b", "/a"))
        sender.flush()  # written: the histogram table has parts now
        store.command(
            "ALTER TABLE {db:Identifier}.otel_metrics_histogram "
            "MODIFY SETTING parts_to_throw_insert = 1"
        )
        record(("/b", "/c", "/c", "/a"))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            flushed = pool.submit(sender.flush)
            wait_for(
                lambda: running.receiver.metrics.totals["refused"] > 0,
                what="an UNAVAILABLE answer",
            )
            assert not flushed.done()
            store.command(
                "ALTER TABLE {db:Identifier}.otel_metrics_histogram "
                "RESET SETTING parts_to_throw_insert"
            )
            flushed.result()
        record(("/c",))
        sender.flush()
        sender.provider.shutdown()
        refused = running.receiver.metrics.totals["refused"]
    assert refused > 0
    histograms = store.query(
        "SELECT sum(Count), count(), uniqExact(SeriesKey, TimeUnixNano) "
        "FROM {db:Identifier}.otel_metrics_histogram WHERE ServiceName = 'parts'"
    )
    counters = store.query(
        "SELECT sum(Value), count(), uniqExact(SeriesKey, TimeUnixNano) "
        "FROM {db:Identifier}.otel_metrics_sum WHERE ServiceName = 'parts'"
    )
    (count, rows, distinct), (total, sum_rows, sum_distinct) = histograms[0], counters[0]
    assert (count, total) == (recorded, 2.0 * recorded)
    assert (rows, sum_rows) == (distinct, sum_distinct)  # no point stored twice
