"""Versioned, forward-only schema migrations, rendered for one node or a cluster.

Migrations are ``processor/migrations/NNNN_<slug>.sql``: statements separated by a
semicolon at the end of a line, the database as the ``{db:Identifier}`` query
parameter, and the parts a query parameter cannot fill as ``${NAME}`` placeholders
rendered from ``DdlOptions``. ``_cluster.Layout`` says where each rendered statement
runs (one node, or a cluster's local and Distributed tables). A shipped migration never
changes; the applied versions are recorded in ``sloscope_schema_migrations``.
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass
from pathlib import Path

from processor._cluster import Layout, Statement, on_cluster_clause
from processor.errors import InvalidInput
from processor.store import RETAINED_TABLES, SERIES_STATE_TABLE, Store

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
_RECORD_VERSION = """
INSERT INTO {db:Identifier}.sloscope_schema_migrations (Version, Name)
VALUES ({version:UInt32}, {name:String})
"""
_TABLE_ENGINE = """
SELECT name, engine_full FROM system.tables
WHERE database = {db:String} AND name IN {tables:Array(String)}
"""
# Followed by the cluster clause and the TTL clause rendered from DdlOptions (a validated
# integer, not a parameter, so that system.tables shows it as written and a restart can
# compare it).
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
    cluster: str | None = None
    replicated: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.retention_days <= 36_500:
            raise InvalidInput(f"retention must be 0..36500 days, not {self.retention_days}")
        if self.cluster is not None and not _CLUSTER_NAME.match(self.cluster):
            raise InvalidInput(f"invalid cluster name {self.cluster!r}")
        if self.replicated and self.cluster is None:
            raise InvalidInput("replicated tables need a cluster (--cluster NAME)")

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
    """Apply the migrations the store has not seen; returns the versions applied."""
    bookkeeping, planned = planned_migrations(store.database, options)
    for statement in bookkeeping:
        store.command(statement.sql, {"db": statement.database})
    applied = {row[0] for row in store.query(_APPLIED_VERSIONS)}
    done = []
    for migration, statements in planned:
        if migration.version in applied:
            continue
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
        done.append(migration.version)
    return done


def apply_retention(store: Store, options: DdlOptions) -> None:
    """Bring every table's TTL to ``options.retention_days`` (0 removes it)."""
    columns = dict.fromkeys(RETAINED_TABLES, "TimeUnix")
    columns[SERIES_STATE_TABLE] = "LastSeen"
    wanted = f"toIntervalDay({options.retention_days})"
    # On a cluster the rows, and their TTL, are in the local tables.
    storage = Layout(store.database, options.cluster).storage_database
    alter = _ALTER + on_cluster_clause(options.cluster)
    rows = store.query(_TABLE_ENGINE, {"db": storage, "tables": list(columns)})
    for table, engine_full in rows:
        has_ttl = " TTL " in engine_full
        if options.retention_days == 0:
            if has_ttl:
                store.command(alter + " REMOVE TTL", {"db": storage, "table": table})
            continue
        if wanted not in engine_full:
            store.command(
                alter + " MODIFY " + _ttl(columns[table], options.retention_days),
                {"db": storage, "table": table},
                settings={"materialize_ttl_after_modify": 0},
            )
            logger.info("retention changed", extra={"table": table, "days": options.retention_days})
