"""``sloscope store copy --to DSN``: an embedded store into a server (the stand-in, and a
real one when SLOSCOPE_TEST_CLICKHOUSE_URL is set) and into another embedded store (read
back through the stand-in started on its data directory), exact per table, resumable,
never doubling a row."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from processor import (
    CopyOptions,
    CopyProgress,
    QueryFailed,
    StoreOptions,
    StoreUnavailable,
    copy_store,
    open_store,
)
from processor._copy_target import ChildStore
from processor.store import (
    METRIC_TABLES,
    SERIES_COUNTS_TABLE,
    SERIES_STATE_TABLE,
    Store,
    data_dir_holder,
)
from sloscope.cli import app
from sloscope.cli._store_copy import StoreCopyReport
from tests.support import otlp
from tests.support.clickhouse import running_standin
from tests.support.processor import running_processor
from tests.support.traffic import histogram_point, insert_histograms, request_attributes

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
ROUTE_A = request_attributes("/a")
ROLLUPS = ("slo_histogram_1m", "slo_histogram_1h", "slo_histogram_1d")


@pytest.fixture
def source(store: Store) -> Store:
    """Raw rows of the last two days; rows of 50 and 90 days ago, past the 30-day raw
    retention, kept by the hourly and daily rollups; series state and counts from OTLP
    sent through the processor."""
    recent = [
        histogram_point(
            "shop",
            request_attributes(f"/{route}"),
            NOW - timedelta(minutes=7 * minute),
            [0.05 * (minute % 5)] * (1 + minute % 3),
        )
        for minute in range(1, 400)
        for route in "ab"
    ]
    old = [
        histogram_point(
            "shop", request_attributes("/a"), NOW - timedelta(days=days, hours=h), [0.1]
        )
        for days in (50, 90)
        for h in range(5)
    ]
    insert_histograms(store, recent + old)
    with running_processor(store) as running:
        for step in range(3):
            request = otlp.request("billing")
            otlp.sum_point(
                otlp.metric(request, "invoices"),
                step + 1,
                (NOW - timedelta(minutes=10 - step)).timestamp(),
            )
            otlp.export(running.endpoint, request)
    return store


def _raw_from(now: datetime) -> datetime:
    return (now - timedelta(days=30)).replace(hour=0, minute=0) + timedelta(days=1)


def _measures(store: Store, raw_from: datetime) -> dict[str, tuple[int, int]]:
    """Per table: (rows, requests) as a reader sees them; rollups by distinct key."""
    found = {}
    for table in METRIC_TABLES.values():
        found[table] = store.query(
            "SELECT count(), 0 FROM {db:Identifier}.{t:Identifier} "
            "WHERE TimeUnix >= {start:DateTime}",
            {"t": table, "start": raw_from.replace(tzinfo=None)},
        )[0]
    for table in ROLLUPS:
        since = raw_from if table.endswith("1m") else datetime(1970, 1, 2)
        found[table] = store.query(
            "SELECT uniqExact(TimeUnix, AttributesHash, BoundsHash), sum(Count) "
            "FROM {db:Identifier}.{t:Identifier} WHERE TimeUnix >= {start:DateTime}",
            {"t": table, "start": since.replace(tzinfo=None)},
        )[0]
    found[SERIES_STATE_TABLE] = store.query(
        "SELECT count(), sum(TimeUnixNano % 1000003) FROM {db:Identifier}.{t:Identifier} FINAL",
        {"t": SERIES_STATE_TABLE},
    )[0]
    found[SERIES_COUNTS_TABLE] = store.query(
        "SELECT uniqExact(ServiceName, MetricName), sum(AdmittedSeries) "
        "FROM {db:Identifier}.{t:Identifier}",
        {"t": SERIES_COUNTS_TABLE},
    )[0]
    return {table: (int(rows), int(measure)) for table, (rows, measure) in found.items()}


def _copy(source: Store, server_dsn: str, *more: str) -> Result:
    result = CliRunner().invoke(
        app,
        ["store", "copy", "--to", server_dsn, "--dsn", source.location.dsn, *more],
        env={"SLOSCOPE_STORE__DATABASE": source.database},
    )
    assert result.exit_code == 0, result.output
    return result


def _target(server_dsn: str) -> Store:
    return open_store(StoreOptions(dsn=server_dsn), migrate=False)


def test_a_copy_holds_what_the_source_holds_and_a_rerun_copies_nothing(
    source: Store, server_dsn: str
) -> None:
    first = StoreCopyReport.model_validate_json(_copy(source, server_dsn, "--json").stdout)
    raw_from = _raw_from(NOW)
    expected = _measures(source, raw_from)
    shop = (
        "SELECT count(), sum(Count) FROM {db:Identifier}.{t:Identifier} "
        "WHERE ServiceName = 'shop' AND TimeUnix >= {start:DateTime}"
    )
    requests = sum(1 + m % 3 for m in range(1, 400)) * 2
    target = _target(server_dsn)
    try:
        assert _measures(target, raw_from) == expected
        since_epoch = datetime(1970, 1, 2)
        assert target.query(shop, {"t": "otel_metrics_histogram", "start": since_epoch}) == [
            (2 * 399, requests)
        ]
        assert target.query(shop, {"t": "slo_histogram_1d", "start": since_epoch})[0][1] == (
            requests + 10
        )
        ((raw_days, rollup_days),) = target.query(
            "SELECT RawDays, RollupDays FROM {db:Identifier}.sloscope_retention "
            "ORDER BY ChangedAt DESC LIMIT 1"
        )
    finally:
        target.close()
    assert (raw_days, rollup_days) == (30, 400)
    copied = {table.table: table.copied for table in first.tables}
    assert copied["otel_metrics_histogram"] == expected["otel_metrics_histogram"][0]
    assert copied["slo_histogram_1h"] == 10  # the old hours, whose raw rows have expired
    assert copied["slo_histogram_1d"] == 0  # every day kept has its hours

    again = StoreCopyReport.model_validate_json(_copy(source, server_dsn, "--json").stdout)
    assert {t.table: t.copied for t in again.tables if t.copied} == {
        SERIES_STATE_TABLE: expected[SERIES_STATE_TABLE][0]  # idempotent: one row per version
    }
    target = _target(server_dsn)
    try:
        assert _measures(target, raw_from) == expected
    finally:
        target.close()


def test_an_interrupted_copy_run_again_finishes_without_doubling(
    source: Store, server_dsn: str
) -> None:
    class Interrupted(Exception):
        pass

    def stop_after_three_chunks(progress: CopyProgress) -> None:
        calls.append(progress.rows_done)
        if len(calls) == 3:
            raise Interrupted

    calls: list[int] = []
    retention = open_store(StoreOptions(dsn=server_dsn, retention_days=30))
    try:
        with pytest.raises(Interrupted):
            copy_store(
                source, retention, CopyOptions(now=NOW, chunk_rows=50), stop_after_three_chunks
            )
    finally:
        retention.close()
    assert len(calls) == 3
    _copy(source, server_dsn)
    target = _target(server_dsn)
    try:
        assert _measures(target, _raw_from(NOW)) == _measures(source, _raw_from(NOW))
    finally:
        target.close()


def test_rows_the_copy_did_not_write_stop_it(source: Store, server_dsn: str) -> None:
    target = open_store(StoreOptions(dsn=server_dsn, retention_days=30))
    try:
        insert_histograms(
            target,
            [histogram_point("shop", request_attributes("/a"), NOW - timedelta(minutes=7), [1.0])],
        )
    finally:
        target.close()
    result = CliRunner().invoke(
        app,
        ["store", "copy", "--to", server_dsn, "--dsn", source.location.dsn],
        env={"SLOSCOPE_STORE__DATABASE": source.database},
    )
    assert result.exit_code == 2, result.output
    assert "that this copy did not write" in result.stderr


def test_since_leaves_out_older_rows(source: Store, server_dsn: str) -> None:
    since = (NOW - timedelta(days=1)).strftime("%Y-%m-%d")
    report = StoreCopyReport.model_validate_json(
        _copy(source, server_dsn, "--since", since, "--json").stdout
    )
    copied = {table.table: table.copied for table in report.tables}
    start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
    ((expected,),) = source.query(
        "SELECT count() FROM {db:Identifier}.otel_metrics_histogram WHERE TimeUnix >= {s:DateTime}",
        {"s": start.replace(tzinfo=None)},
    )
    assert copied["otel_metrics_histogram"] == expected
    assert copied["slo_histogram_1h"] == copied["slo_histogram_1d"] == 0


def test_into_its_own_data_directory_it_says_why_not(source: Store) -> None:
    result = CliRunner().invoke(
        app,
        ["store", "copy", "--to", source.location.dsn, "--dsn", source.location.dsn],
        env={"SLOSCOPE_STORE__DATABASE": source.database},
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: --to is the source's data directory: {source.location.data_dir}\n"
    )


def test_progress_counts_every_row_once(source: Store, server_dsn: str) -> None:
    seen: list[CopyProgress] = []
    target = open_store(StoreOptions(dsn=server_dsn, retention_days=30))
    try:
        outcomes = copy_store(source, target, CopyOptions(now=NOW, chunk_rows=200), seen.append)
    finally:
        target.close()
    ranged = sum(
        o.rows for o in outcomes if o.table not in (SERIES_STATE_TABLE, SERIES_COUNTS_TABLE)
    )
    assert [p.rows_done for p in seen] == sorted(p.rows_done for p in seen)
    assert seen[-1].rows_done == seen[-1].rows_total == ranged


def test_a_source_on_a_server_is_refused() -> None:
    result = CliRunner().invoke(
        app,
        ["store", "copy", "--to", "http://127.0.0.1:9/b", "--dsn", "http://127.0.0.1:9/a"],
    )
    assert result.exit_code == 2
    assert result.stderr == "error: store copy copies an embedded store (--data-dir or chdb://)\n"


@contextlib.contextmanager
def _embedded_target(work_dir: Path, database: str) -> Iterator[Store]:
    """The embedded store in ``work_dir/data``, read through the stand-in: this process
    holds the source's data directory, and chDB opens one per process."""
    with running_standin(work_dir) as server:
        target = _target(server.dsn(database))
        try:
            yield target
        finally:
            target.close()


def test_an_embedded_copy_holds_what_the_source_holds_and_a_rerun_copies_nothing(
    source: Store, tmp_path: Path
) -> None:
    to = f"chdb://{tmp_path / 'data'}"
    first = StoreCopyReport.model_validate_json(_copy(source, to, "--json").stdout)
    again = StoreCopyReport.model_validate_json(_copy(source, to, "--json").stdout)
    raw_from = _raw_from(NOW)
    expected = _measures(source, raw_from)
    copied = {table.table: table.copied for table in first.tables}
    for table in METRIC_TABLES.values():
        assert copied[table] == expected[table][0]
    assert copied["slo_histogram_1h"] == 10
    assert copied["slo_histogram_1d"] == 0
    assert first.target == to
    assert (first.raw_retention_days, first.rollup_retention_days) == (30, 400)
    assert {t.table: t.copied for t in again.tables if t.copied} == {
        SERIES_STATE_TABLE: expected[SERIES_STATE_TABLE][0]
    }
    with _embedded_target(tmp_path, source.database) as target:
        assert _measures(target, raw_from) == expected
        for table in ROLLUPS:  # minutes from the raw rows, the hours and days before too
            since = raw_from if table.endswith("1m") else datetime(1970, 1, 2, tzinfo=UTC)
            assert _rollup(target, table, since) == _rollup(source, table, since)
        assert _state(target) == _state(source)
        assert target.query(
            "SELECT RawDays, RollupDays FROM {db:Identifier}.sloscope_retention "
            "ORDER BY ChangedAt DESC LIMIT 1"
        ) == [(30, 400)]


def test_a_killed_writer_leaves_a_copy_that_a_rerun_finishes_without_doubling(
    source: Store, tmp_path: Path
) -> None:
    def kill_after_three_chunks(progress: CopyProgress) -> None:
        calls.append(progress)
        if len(calls) == 3:
            os.kill(target.pid, signal.SIGKILL)

    calls: list[CopyProgress] = []
    to = f"chdb://{tmp_path / 'data'}"
    target = ChildStore(StoreOptions(dsn=to, database=source.database, retention_days=30))
    try:
        with pytest.raises(StoreUnavailable, match="run the copy again") as ended:
            copy_store(source, target, CopyOptions(now=NOW, chunk_rows=50), kill_after_three_chunks)
    finally:
        target.close()
    assert f"(pid {target.pid}) ended with exit code -9" in str(ended.value)
    assert len(calls) == 3
    rerun = StoreCopyReport.model_validate_json(_copy(source, to, "--json").stdout)
    done = dict.fromkeys(METRIC_TABLES.values(), 0)
    for before, after in itertools.pairwise([CopyProgress(0, 0, ""), *calls]):
        done[after.table] += after.rows_done - before.rows_done
    assert done["otel_metrics_histogram"] > 0
    for table in rerun.tables:  # the three chunks acknowledged before the kill stayed
        if table.table in done:
            assert table.copied == table.rows - done[table.table], table
    with _embedded_target(tmp_path, source.database) as copied:
        assert _measures(copied, _raw_from(NOW)) == _measures(source, _raw_from(NOW))


def test_an_embedded_copy_since_an_instant_leaves_out_older_rows(
    source: Store, tmp_path: Path
) -> None:
    since = NOW - timedelta(days=1)
    to = f"chdb://{tmp_path / 'data'}"
    _copy(source, to, "--since", since.strftime("%Y-%m-%dT%H:%M:%S"))
    measure = (
        "SELECT count(), sum(Count) FROM {db:Identifier}.{t:Identifier} "
        "WHERE TimeUnix >= {s:DateTime}"
    )
    ((shop,),) = source.query(
        "SELECT count() FROM {db:Identifier}.otel_metrics_histogram "
        "WHERE ServiceName = 'shop' AND TimeUnix >= {s:DateTime}",
        {"s": since.replace(tzinfo=None)},
    )
    assert shop == 2 * (24 * 60 // 7)  # the last day's points, every 7 minutes, two routes
    rows, requests = source.query(
        measure, {"t": "otel_metrics_histogram", "s": since.replace(tzinfo=None)}
    )[0]
    everything = {"s": datetime(1970, 1, 2)}
    with _embedded_target(tmp_path, source.database) as target:
        assert target.query(measure, {"t": "otel_metrics_histogram", **everything}) == [
            (rows, requests)
        ]
        # Every rollup rebuilt from those rows alone: the old hours and days left out.
        for table in ROLLUPS:
            assert target.query(measure, {"t": table, **everything})[0][1] == requests, table


def _rollup(store: Store, table: str, since: datetime) -> list[tuple[object, ...]]:
    """Every merged row of a rollup from ``since``, by key: count, buckets, min, max."""
    return store.query(
        "SELECT TimeUnix, ServiceName, MetricName, AttributesHash, BoundsHash, sum(Count), "
        "sumForEachMerge(BucketCounts), min(Min), max(Max) "
        "FROM {db:Identifier}.{t:Identifier} WHERE TimeUnix >= {since:DateTime} "
        "GROUP BY TimeUnix, ServiceName, MetricName, AttributesHash, BoundsHash ORDER BY ALL",
        {"t": table, "since": since.replace(tzinfo=None)},
    )


def _state(store: Store) -> list[tuple[object, ...]]:
    return store.query(
        "SELECT * FROM {db:Identifier}.{t:Identifier} FINAL ORDER BY SeriesKey",
        {"t": SERIES_STATE_TABLE},
    )


def test_into_an_embedded_store_another_process_holds_it_says_which(
    source: Store, tmp_path: Path
) -> None:
    with running_standin(tmp_path):  # the stand-in holds tmp_path/data
        result = CliRunner().invoke(
            app,
            ["store", "copy", "--to", f"chdb://{tmp_path / 'data'}", "--dsn", source.location.dsn],
            env={"SLOSCOPE_STORE__DATABASE": source.database},
        )
        holder = data_dir_holder(tmp_path / "data")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: data directory {tmp_path / 'data'} is held by another process (pid {holder})\n"
    )


def test_a_closed_writer_has_released_the_target_and_exited(tmp_path: Path) -> None:
    target = ChildStore(StoreOptions(dsn=f"chdb://{tmp_path / 'data'}", retention_days=7))
    try:
        assert data_dir_holder(tmp_path / "data") == target.pid
        assert target.query("SELECT RawDays FROM {db:Identifier}.sloscope_retention") == [(7,)]
        with pytest.raises(QueryFailed, match="UNKNOWN_TABLE"):
            target.query("SELECT 1 FROM {db:Identifier}.nowhere")
    finally:
        target.close()
    assert data_dir_holder(tmp_path / "data") is None
    with pytest.raises(StoreUnavailable, match=r"ended with exit code 0: run the copy again"):
        target.query("SELECT 1")
