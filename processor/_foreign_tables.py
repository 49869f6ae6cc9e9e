"""Tables others created: the metric tables of the Collector's ClickHouse exporter.

A team that already runs the OpenTelemetry Collector's ClickHouse exporter (or ClickStack)
has ``otel_metrics_*`` tables. sloscope's are a strict superset of the exporter's newest
ones, so such a database is adopted rather than refused or silently skipped: before the
first migration, its tables get sloscope's extra columns (``migrations/adopt_otel_metrics.sql``).

The exporter's older generation (``DateTime64(9)`` times, rows sorted by the attribute
map) cannot be adopted: ClickHouse cannot change a sort key in place, and sloscope's
views and queries read ``DateTime`` times. Nor can its JSON variant (``JSON`` attribute
columns). Both are refused with what to do, before anything is changed.

Rows the exporter writes after the adoption land in the same tables; its cumulative
histogram rows are named in the SLO status notes (slo_engine/_foreign_rows.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from processor._retention import existing_tables
from processor.errors import UnsupportedSchema
from processor.store import METRIC_TABLES, Store

logger = logging.getLogger(__name__)

_CHECKED_COLUMNS = """
SELECT table, name, type FROM system.columns
WHERE database = {db:String} AND table IN {tables:Array(String)}
    AND name IN ('TimeUnix', 'Attributes')
"""
_NAMED_TABLE = re.compile(r"ALTER TABLE \{db:Identifier\}\.(\w+)")
_EACH_TABLE = "{table:Identifier}"


def adopt_existing_tables(store: Store, statements: Sequence[str]) -> list[str]:
    """Adopt the metric tables that exist with the rendered adoption ``statements``;
    the tables adopted, by name. Raises ``UnsupportedSchema`` before changing anything
    when one of them cannot be adopted."""
    columns: dict[str, dict[str, str]] = {
        table: {} for table in existing_tables(store, list(METRIC_TABLES.values()))
    }
    for table, name, type_name in store.query(_CHECKED_COLUMNS, {"tables": list(columns)}):
        columns[table][name] = type_name
    for table in sorted(columns):
        _check(store.database, table, columns[table])
    for statement in statements:
        if _EACH_TABLE in statement:
            for table in sorted(columns):
                store.command(statement, {"table": table})
            continue
        named = _NAMED_TABLE.search(statement)
        if named is None:
            raise RuntimeError(f"an adoption statement names no table: {statement[:80]}")
        if named.group(1) in columns:
            store.command(statement)
    if columns:
        logger.info("metric tables adopted", extra={"tables": sorted(columns)})
    return sorted(columns)


def _check(database: str, table: str, types: dict[str, str]) -> None:
    time_type = types.get("TimeUnix", "missing")
    if time_type.startswith("DateTime64"):
        raise UnsupportedSchema(
            f"{database}.{table} has the older schema of the Collector's ClickHouse exporter "
            f"(TimeUnix {time_type}, rows sorted by attributes), which cannot be converted in "
            "place: rename the old otel_metrics_* tables (RENAME TABLE "
            f"{database}.{table} TO {database}.{table}_v1), upgrade the exporter, and start "
            "sloscope again (copy old rows with INSERT INTO ... SELECT if needed); or give "
            "sloscope its own database (store.database). See docs/store.md"
        )
    attributes_type = types.get("Attributes", "missing")
    if time_type != "DateTime" or not attributes_type.startswith("Map("):
        raise UnsupportedSchema(
            f"{database}.{table} is not a table sloscope can adopt (TimeUnix {time_type}, "
            f"Attributes {attributes_type}; it needs DateTime and Map(LowCardinality(String), "
            "String), the exporter's default schema with json: false): rename it or give "
            "sloscope its own database (store.database). See docs/store.md"
        )
