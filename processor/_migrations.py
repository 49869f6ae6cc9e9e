"""Versioned, forward-only schema migrations, rendered for one node or a cluster.

Migrations are ``processor/migrations/NNNN_<slug>.sql``: statements separated by a
semicolon at the end of a line, the database as the ``{db:Identifier}`` query
parameter, and the parts a query parameter cannot fill as ``${NAME}`` placeholders
rendered from ``DdlOptions``. A shipped migration never changes; the applied versions
are recorded in ``sloscope_schema_migrations``. ``_cluster.Layout`` says where each
rendered statement runs (one node, or a cluster's local and Distributed tables).
``adopt_otel_metrics.sql`` (same form, no
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

from processor._cluster import Layout, Statement, on_cluster_clause
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
CREATE TABLE IF NOT EXISTS {db:Identifier}.sloscope_schema_migrations ${ON_CLUSTER} (
    Version UInt32,
    Name String,
    AppliedAt DateTime DEFAULT now()
)
ENGINE = ${MERGE_TREE}
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
# Followed by the cluster clause and the TTL clause rendered from a validated integer
# (not a parameter, so that system.tables shows it as written and a restart can compare
# it).
_ALTER = "ALTER TABLE {db:Identifier}.{table:Identifier} "
# A version recorded through a cluster's Distributed table is read back at once.
_RECORD_SETTINGS = {"distributed_foreground_insert": 1}


@dataclass(frozen=True, slots=True)
class DdlOptions:
    """The deployment choices DDL depends on, validated before they are rendered.

    ``cluster`` names the cluster the DDL runs ``ON``, ``replicated`` makes the local
    tables Replicated* (which needs a cluster: every replica gets the statement).
    """

    retention_days: int = 30
    rollup_retention_days: int = 400
    cluster: str | None = None
    replicated: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.retention_days <= 36_500:
            raise InvalidInput(f"retention must be 0..36500 days, not {self.retention_days}")
        if self.cluster is not None and not _CLUSTER_NAME.match(self.cluster):
            raise InvalidInput(f"invalid cluster name {self.cluster!r}")
        if self.replicated and self.cluster is None:
            raise InvalidInput("replicated tables need a cluster (--cluster NAME)")

    @classmethod
    def keeping(cls, retention: Retention, *, cluster: str | None, replicated: bool) -> DdlOptions:
        """The DDL of a store that keeps ``retention``, placed as the deployment says."""
        return cls(
            retention_days=retention.raw_days,
            rollup_retention_days=retention.rollup_days,
            cluster=cluster,
            replicated=replicated,
        )

    def placeholders(self) -> dict[str, str]:
        """The text each ``${NAME}`` placeholder renders to."""
        replicated = self.replicated
        return {
            "ON_CLUSTER": on_cluster_clause(self.cluster),
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
    ddl = DdlOptions.keeping(retention, cluster=options.cluster, replicated=options.replicated)
    apply_migrations(store, ddl)
    change_retention(store, retention, changed_by="serve", cluster=options.cluster)


def check_schema(store: Store) -> None:
    """A read command's check: raise ``StoreNotMigrated`` unless every migration shipped
    is applied. Reads only."""
    pending = _pending_migrations(store)
    if pending:
        raise StoreNotMigrated(
            f"the store {store.database} needs migrations {', '.join(pending)}: "
            "run `sloscope serve` once to migrate it"
        )


def planned_migrations(
    database: str, options: DdlOptions
) -> tuple[list[Statement], list[tuple[Migration, list[Statement]]]]:
    """The migrations table's statements, then each migration's, placed for ``options``."""
    layout = Layout(database, options.cluster)
    table = string.Template(_CREATE_MIGRATIONS_TABLE).substitute(options.placeholders())
    bookkeeping = layout.place([table.strip()], "sloscope_schema_migrations")
    planned = [
        (migration, layout.place(migration.statements(options), migration.name))
        for migration in load_migrations()
    ]
    return bookkeeping, planned


def apply_migrations(store: Store, options: DdlOptions) -> list[int]:
    """Apply the migrations the store has not seen; returns the versions applied.

    Before the first one, metric tables someone else created are adopted, or refused
    before anything is changed: migration 0001 creates only the tables that do not exist.
    """
    applied = _applied_versions(store)
    bookkeeping, planned = planned_migrations(store.database, options)
    pending = [(migration, sql) for migration, sql in planned if migration.version not in applied]
    if pending and not applied:
        adopt_existing_tables(store, load_adoption().statements(options))
    for statement in bookkeeping:
        store.command(statement.sql, {"db": statement.database})
    for migration, statements in pending:
        for statement in statements:
            store.command(statement.sql, {"db": statement.database})
        store.command(
            _RECORD_VERSION,
            {"version": migration.version, "name": migration.name},
            settings=_RECORD_SETTINGS if options.cluster else None,
        )
        logger.info(
            "migration applied", extra={"version": migration.version, "migration": migration.name}
        )
    return [migration.version for migration, _ in pending]


def _pending_migrations(store: Store) -> list[str]:
    """The migrations shipped that the store has not applied, by name (all of them for a
    database without sloscope's schema). Reads only."""
    applied = _applied_versions(store)
    return [migration.name for migration in load_migrations() if migration.version not in applied]


def _applied_versions(store: Store) -> set[int]:
    if not store.query(_TABLE_EXISTS, {"t": MIGRATIONS_TABLE})[0][0]:
        return set()
    return {row[0] for row in store.query(_APPLIED_VERSIONS)}


def _apply_retention(store: Store, retention: Retention, cluster: str | None) -> None:
    """Bring every table's TTL to ``retention`` (0 removes it). A table already there is
    left alone, so a start with an unchanged retention alters nothing. On a cluster the
    rows, and their TTL, are in the local tables."""
    storage = Layout(store.database, cluster).storage_database
    alter = _ALTER + on_cluster_clause(cluster)
    found = existing_tables(store, [table.name for table in RETAINED_TABLES], storage)
    for table in RETAINED_TABLES:
        if table.name not in found:
            continue
        days = table.days(retention)
        if days == 0:
            if " TTL " in found[table.name]:
                store.command(alter + " REMOVE TTL", {"db": storage, "table": table.name})
                logger.info("retention changed", extra={"table": table.name, "days": 0})
            continue
        if f"toIntervalDay({days})" not in found[table.name]:
            store.command(
                alter + " MODIFY " + _ttl(table.column, days),
                {"db": storage, "table": table.name},
                settings={"materialize_ttl_after_modify": 0},
            )
            logger.info("retention changed", extra={"table": table.name, "days": days})


def change_retention(
    store: Store, retention: Retention, changed_by: str, cluster: str | None = None
) -> None:
    """Apply ``retention`` to every table and record it as the one in force (a new row
    only when it differs from the recorded one)."""
    _apply_retention(store, retention, cluster)
    if recorded_retention(store) != retention:
        record_retention(store, retention, changed_by)
