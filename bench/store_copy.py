"""`sloscope store copy`: how fast an embedded store moves into a ClickHouse server, and
into another embedded store.

An embedded store of --days days of histogram rows (one row per series per minute,
--services x --routes x 2 statuses series, within the raw retention) is copied into the
ClickHouse stand-in (`tests/support/clickhouse_http.py`, a separate process), then
copied again (every chunk found there already: the cost of resuming a finished copy);
then the same into a new embedded store, which a child process opens and writes
(`processor/_copy_target.py`: each chunk sent to it over a pipe).
The reference, measured in the same run, is reading the same rows out of the embedded
store alone (the Native bytes a copy sends). The stand-in is slower than a server
(Python's HTTP layer, each body written to a file), so the figure is a floor.

    python bench/store_copy.py [--days 2] [--services 5] [--routes 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import print_table, save, versions
from processor import CopyOptions, StoreOptions, copy_store, open_copy_target, open_store
from processor._sql import statement
from processor.store import HISTOGRAM_TABLE, Store
from tests.support.clickhouse import running_standin
from tests.support.traffic import bulk_histogram_table, bulk_series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=2, help="days of minutes per series")
    parser.add_argument("--services", type=int, default=5)
    parser.add_argument("--routes", type=int, default=10)
    args = parser.parse_args()

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(days=args.days)
    series = bulk_series(args.services, args.routes)
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-") as tmp:
        work = Path(tmp)
        source = open_store(StoreOptions(dsn=f"chdb://{work / 'embedded'}", retention_days=30))
        rows = 0
        for day in range(args.days):
            table = bulk_histogram_table(series, start + timedelta(days=day), 1440, seed=day)
            source.insert_arrow(HISTOGRAM_TABLE, table)
            rows += table.num_rows
        started = time.perf_counter()
        read_bytes = len(
            source.query_native(
                statement("copy_chunk"),
                {"t": HISTOGRAM_TABLE, "start": 0, "end": int(now.timestamp()) + 60},
            )
        )
        read_s = time.perf_counter() - started
        (work / "standin").mkdir()
        options = CopyOptions(now=now)
        with running_standin(work / "standin") as clickhouse:
            copy_s, again_s = _copy_twice(
                source, StoreOptions(dsn=clickhouse.dsn("copy"), retention_days=30), options, rows
            )
        embedded_s, embedded_again_s = _copy_twice(
            source, StoreOptions(dsn=f"chdb://{work / 'target'}", retention_days=30), options, rows
        )
        source.close()
    table_rows = [
        ["copy into the stand-in (rows, rollups rebuilt)", rows / copy_s, copy_s],
        ["copy again (every chunk there already)", rows / again_s, again_s],
        ["copy into an embedded store (a child writes it)", rows / embedded_s, embedded_s],
        ["copy again into the embedded store", rows / embedded_again_s, embedded_again_s],
        ["reference: read the rows out of the embedded store", rows / read_s, read_s],
    ]
    print_table(
        f"store copy: {rows:,} histogram rows ({len(series)} series x {args.days} days of "
        f"minutes, {read_bytes / rows:.0f} B each in Native)",
        ["measure", "rows per second", "seconds"],
        table_rows,
    )
    path = save(
        "store_copy",
        {
            "parameters": vars(args),
            "rows": rows,
            "native_bytes_per_row": round(read_bytes / rows, 1),
            "copy_rows_per_second": round(rows / copy_s),
            "copy_seconds": round(copy_s, 3),
            "rerun_rows_per_second": round(rows / again_s),
            "rerun_seconds": round(again_s, 3),
            "embedded_copy_rows_per_second": round(rows / embedded_s),
            "embedded_copy_seconds": round(embedded_s, 3),
            "embedded_rerun_rows_per_second": round(rows / embedded_again_s),
            "read_rows_per_second": round(rows / read_s),
            "versions": versions("chdb", "clickhouse-connect"),
        },
    )
    print(f"saved {path}")


def _copy_twice(
    source: Store, target_options: StoreOptions, options: CopyOptions, rows: int
) -> tuple[float, float]:
    """Seconds to copy ``source`` into a new target, then to run the copy again; checks
    that the first copied every histogram row and the second none."""
    target = open_copy_target(target_options)
    try:
        started = time.perf_counter()
        first = copy_store(source, target, options)
        copy_s = time.perf_counter() - started
        started = time.perf_counter()
        again = copy_store(source, target, options)
        again_s = time.perf_counter() - started
    finally:
        target.close()
    copied = sum(outcome.copied for outcome in first if outcome.table == HISTOGRAM_TABLE)
    if copied != rows or any(o.copied for o in again if o.table == HISTOGRAM_TABLE):
        raise SystemExit(f"copied {copied:,} of {rows:,} rows, or copied again")
    return copy_s, again_s


if __name__ == "__main__":
    main()
