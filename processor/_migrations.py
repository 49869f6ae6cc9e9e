"""Versioned, forward-only schema migrations, rendered for one node or a cluster.

Migrations are ``processor/migrations/NNNN_<slug>.sql``: statements separated by a
semicolon at the end of a line, the database as the ``{db:Identifier}`` query
parameter, and the parts a query parameter cannot fill as ``${NAME}`` placeholders
rendered from ``DdlOptions``. A shipped migration never changes; the applied versions
are recorded in ``sloscope_schema_migrations``. ``adopt_otel_metrics.sql`` (same form, no
version) adopts metric tables someone else created, before the first migration.

The retention in force (processor/_retention.py) renders the TTLs of new tables, and
``change_retention`` brings existing ones to it.
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass
from pathlib import Path

from processor._foreign_tables import adopt_existing_tables
from processor._retention import (
    RETAINED_TABLES,
    Retention,
    existing_tables,
    record_retention,
    recorded_retention,
    retention_in_force,
)
from processor.errors import InvalidInput, StoreNotMigrated
from processor.store import MIGRATIONS_TABLE, Store, StoreOptions

logger = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_CLUSTER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
_STATEMENT_END = re.compile(r";[ \t]*\n")
_REPLICA_PATH = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'"

_CREATE_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_schema_migrations (
    Version UInt32,
    Name String,
    AppliedAt DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY Version
"""
_APPLIED_VERSIONS = "SELECT Version FROM {db:Identifier}.sloscope_schema_migrations"
_TABLE_EXISTS = """
SELECT count() FROM system.tables WHERE database = {db:String} AND name = {t:String}
"""
_RECORD_VERSION = """
INSERT INTO {db:Identifier}.sloscope_schema_migrations (Version, Name)
VALUES ({version:UInt32}, {name:String})
"""
# Followed by the TTL clause rendered from a validated integer (not a parameter, so that
# system.tables shows it as written and a restart can compare it).
_MODIFY = "ALTER TABLE {db:Identifier}.{table:Identifier} MODIFY "
_REMOVE_TTL = "ALTER TABLE {db:Identifier}.{table:Identifier} REMOVE TTL"


@dataclass(frozen=True, slots=True)
class DdlOptions:
    """The deployment choices DDL depends on, validated before they are rendered."""

    retention_days: int = 30
    rollup_retention_days: int = 400
    cluster: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.retention_days <= 36_500:
            raise InvalidInput(f"retention must be 0..36500 days, not {self.retention_days}")
        if self.cluster is not None and not _CLUSTER_NAME.match(self.cluster):
            raise InvalidInput(f"invalid cluster name {self.cluster!r}")

    def placeholders(self) -> dict[str, str]:
        """The text each ``${NAME}`` placeholder renders to."""
        replicated = self.cluster is not None
        return {
            "ON_CLUSTER": f"ON CLUSTER `{self.cluster}`" if replicated else "",
            "MERGE_TREE": _engine("MergeTree", replicated),
            "REPLACING_MERGE_TREE": _engine("ReplacingMergeTree", replicated),
            "AGGREGATING_MERGE_TREE": _engine("AggregatingMergeTree", replicated),
            "SUMMING_MERGE_TREE": _engine("SummingMergeTree", replicated),
            "TTL": _ttl("TimeUnix", self.retention_days),
            "ROLLUP_TTL": _ttl("TimeUnix", self.rollup_retention_days),
            "STATE_TTL": _ttl("LastSeen", self.retention_days),
        }


def _engine(name: str, replicated: bool) -> str:
    return f"Replicated{name}({_REPLICA_PATH})" if replicated else name


def _ttl(column: str, days: int) -> str:
    return f"TTL {column} + toIntervalDay({days})" if days else ""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    text: str

    def statements(self, options: DdlOptions) -> list[str]:
        """The rendered statements, in order, without comment-only chunks."""
        rendered = string.Template(self.text).substitute(options.placeholders())
        chunks = _STATEMENT_END.split(rendered + "\n")
        return [chunk.strip() for chunk in chunks if _has_sql(chunk)]


def _has_sql(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())


def load_adoption() -> Migration:
    """The statements that adopt metric tables someone else created (run before 0001)."""
    name = "adopt_otel_metrics.sql"
    return Migration(0, name, (Path(__file__).parent / "migrations" / name).read_text())


def load_migrations() -> list[Migration]:
    """Every migration shipped with the package, in version order."""
    migrations = []
    for path in (Path(__file__).parent / "migrations").glob("*.sql"):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            migrations.append(Migration(int(match.group(1)), path.name, path.read_text()))
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return migrations


def update_schema(store: Store, options: StoreOptions) -> None:
    """``sloscope serve``'s start: adopt tables others created, apply the migrations, and
    bring every TTL to the retention in force, changed where ``options`` give a value."""
    retention = retention_in_force(store).changed(
        options.retention_days, options.rollup_retention_days
    )
    ddl = DdlOptions(
        retention_days=retention.raw_days,
        rollup_retention_days=retention.rollup_days,
        cluster=options.cluster,
    )
    apply_migrations(store, ddl)
    change_retention(store, retention, changed_by="serve")


def check_schema(store: Store) -> None:
    """A read command's check: raise ``StoreNotMigrated`` unless every migration shipped
    is applied. Reads only."""
    pending = _pending_migrations(store)
    if pending:
        raise StoreNotMigrated(
            f"the store {store.database} needs migrations {', '.join(pending)}: "
            "run `sloscope serve` once to migrate it"
        )


def apply_migrations(store: Store, options: DdlOptions) -> list[int]:
    """Apply the migrations the store has not seen; returns the versions applied.

    Before the first one, metric tables someone else created are adopted, or refused
    before anything is changed: migration 0001 creates only the tables that do not exist.
    """
    applied = _applied_versions(store)
    pending = [migration for migration in load_migrations() if migration.version not in applied]
    if pending and not applied:
        adopt_existing_tables(store, load_adoption().statements(options))
    store.command(_CREATE_MIGRATIONS_TABLE)
    for migration in pending:
        for statement in migration.statements(options):
            store.command(statement)
        store.command(_RECORD_VERSION, {"version": migration.version, "name": migration.name})
        logger.info(
            "migration applied", extra={"version": migration.version, "migration": migration.name}
        )
    return [migration.version for migration in pending]


def _pending_migrations(store: Store) -> list[str]:
    """The migrations shipped that the store has not applied, by name (all of them for a
    database without sloscope's schema). Reads only."""
    applied = _applied_versions(store)
    return [migration.name for migration in load_migrations() if migration.version not in applied]


def _applied_versions(store: Store) -> set[int]:
    if not store.query(_TABLE_EXISTS, {"t": MIGRATIONS_TABLE})[0][0]:
        return set()
    return {row[0] for row in store.query(_APPLIED_VERSIONS)}


def _apply_retention(store: Store, retention: Retention) -> None:
    """Bring every table's TTL to ``retention`` (0 removes it). A table already there is
    left alone, so a start with an unchanged retention alters nothing."""
    found = existing_tables(store, [table.name for table in RETAINED_TABLES])
    for table in RETAINED_TABLES:
        if table.name not in found:
            continue
        days = table.days(retention)
        if days == 0:
            if " TTL " in found[table.name]:
                store.command(_REMOVE_TTL, {"table": table.name})
                logger.info("retention changed", extra={"table": table.name, "days": 0})
            continue
        if f"toIntervalDay({days})" not in found[table.name]:
            store.command(
                _MODIFY + _ttl(table.column, days),
                {"table": table.name},
                settings={"materialize_ttl_after_modify": 0},
            )
            logger.info("retention changed", extra={"table": table.name, "days": days})


def change_retention(store: Store, retention: Retention, changed_by: str) -> None:
    """Apply ``retention`` to every table and record it as the one in force (a new row
    only when it differs from the recorded one)."""
    _apply_retention(store, retention)
    if recorded_retention(store) != retention:
        record_retention(store, retention, changed_by)
