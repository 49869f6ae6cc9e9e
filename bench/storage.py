"""bench/storage.py: disk per stored point, raw rows and rollups, for capacity planning.

Fills a fresh embedded store with --days of per-minute delta histograms (15 buckets) for
services x routes x 2 statuses series, twice: with the resource as the bench generators
write it (service.name alone) and with the resource an instrumented service sends (service,
version, instance, host, process, SDK, deployment: 11 attributes). After the merges a
server would reach (OPTIMIZE FINAL), reads each table's active parts: bytes on disk per
row, and the uncompressed bytes measured in the same run (the compression ratio). The
rollups (slo_histogram_1m/1h/1d) are counted per raw point too, so "all tables" is what a
point costs on disk with everything the SLO engine keeps.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import print_table, save, versions
from processor.store import HISTOGRAM_TABLE, Store, StoreOptions, open_store
from tests.support.traffic import bulk_histogram_table, bulk_series

TABLES = (HISTOGRAM_TABLE, "slo_histogram_1m", "slo_histogram_1h", "slo_histogram_1d")
_PARTS = """
SELECT table, sum(rows), sum(bytes_on_disk), sum(data_uncompressed_bytes)
FROM system.parts
WHERE database = {db:String} AND active AND table IN {tables:Array(String)}
GROUP BY table
"""
_MAP = pa.map_(pa.string(), pa.string())


def sdk_resource(service: str, instance: int) -> list[tuple[str, str]]:
    """The resource an instrumented Python service sends (instrumentation/_resources.py)."""
    return sorted(
        {
            "service.name": service,
            "service.version": "1.4.2",
            "service.instance.id": f"{service}-7d9f8b6c4-{instance:05d}",
            "host.name": f"node-{instance % 7:02d}.eu-west-1.compute.internal",
            "process.pid": str(1000 + instance),
            "process.runtime.name": "cpython",
            "process.runtime.version": "3.11.7",
            "telemetry.sdk.language": "python",
            "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": "1.39.0",
            "deployment.environment.name": "production",
        }.items()
    )


def with_sdk_resource(table: pa.Table) -> pa.Table:
    services = table.column("ServiceName").to_pylist()
    resources = [sdk_resource(service, hash(service) % 50) for service in services]
    index = table.schema.get_field_index("ResourceAttributes")
    return table.set_column(index, "ResourceAttributes", pa.array(resources, _MAP))


def fill(store: Store, args: argparse.Namespace, realistic: bool) -> int:
    series = bulk_series(args.services, args.routes)
    start = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=args.days)
    rows = 0
    for day in range(args.days):
        table = bulk_histogram_table(series, start + timedelta(days=day), 1440, seed=day)
        store.insert_arrow(HISTOGRAM_TABLE, with_sdk_resource(table) if realistic else table)
        rows += table.num_rows
    for table_name in TABLES:
        store.command("OPTIMIZE TABLE {db:Identifier}.{t:Identifier} FINAL", {"t": table_name})
    return rows


def measure(store: Store, points: int) -> dict[str, Any]:
    found = {
        table: {"rows": rows, "bytes_on_disk": disk, "uncompressed_bytes": raw}
        for table, rows, disk, raw in store.query(_PARTS, {"tables": list(TABLES)})
    }
    total = sum(entry["bytes_on_disk"] for entry in found.values())
    for entry in found.values():
        entry["bytes_per_row"] = entry["bytes_on_disk"] / max(entry["rows"], 1)
        entry["bytes_per_point"] = entry["bytes_on_disk"] / points
        entry["compression"] = entry["uncompressed_bytes"] / max(entry["bytes_on_disk"], 1)
    return {"points": points, "tables": found, "bytes_per_point_all_tables": total / points}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--routes", type=int, default=10)
    args = parser.parse_args()

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sloscope-bench-storage-") as folder:
        for name, realistic in (("bench_resource", False), ("sdk_resource", True)):
            store = open_store(
                StoreOptions(dsn=f"chdb://{folder}", database=name, retention_days=0)
            )
            results[name] = measure(store, fill(store, args, realistic))
            store.close()
    rows = [
        [name, table, entry["rows"], entry["bytes_per_row"], entry["bytes_per_point"],
         entry["compression"]]
        for name, result in results.items()
        for table, entry in sorted(result["tables"].items())
    ]  # fmt: skip
    print_table(
        f"Disk per point: {args.days} days x {args.services * args.routes * 2} series, per minute",
        ["resource", "table", "rows", "bytes/row", "bytes/raw point", "compression"],
        rows,
    )
    for name, result in results.items():
        print(f"{name}: {result['bytes_per_point_all_tables']:.1f} bytes per point, all tables")
    path = save(
        "storage",
        {
            "parameters": vars(args),
            **results,
            "versions": versions("chdb", "clickhouse-connect", "pyarrow"),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
