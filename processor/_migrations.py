"""Versioned, forward-only schema migrations, rendered for one node or a cluster.

Migrations are ``processor/migrations/NNNN_<slug>.sql``: statements separated by a
semicolon at the end of a line, the database as the ``{db:Identifier}`` query
parameter, and the parts a query parameter cannot fill as ``${NAME}`` placeholders
rendered from ``DdlOptions``. A shipped migration never changes; the applied versions
are recorded in ``sloscope_schema_migrations``.
"""

from __future__ import annotations

import logging
import re
import string
from dataclasses import dataclass
from pathlib import Path

from processor.errors import InvalidInput
from processor.store import RETAINED_TABLES, SERIES_STATE_TABLE, Store

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
_RECORD_VERSION = """
INSERT INTO {db:Identifier}.sloscope_schema_migrations (Version, Name)
VALUES ({version:UInt32}, {name:String})
"""
_TABLE_ENGINE = """
SELECT name, engine_full FROM system.tables
WHERE database = {db:String} AND name IN {tables:Array(String)}
"""
# Followed by the TTL clause rendered from DdlOptions (a validated integer, not a
# parameter, so that system.tables shows it as written and a restart can compare it).
_MODIFY = "ALTER TABLE {db:Identifier}.{table:Identifier} MODIFY "
_REMOVE_TTL = "ALTER TABLE {db:Identifier}.{table:Identifier} REMOVE TTL"


@dataclass(frozen=True, slots=True)
class DdlOptions:
    """The deployment choices DDL depends on, validated before they are rendered."""

    retention_days: int = 30
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


def apply_migrations(store: Store, options: DdlOptions) -> list[int]:
    """Apply the migrations the store has not seen; returns the versions applied."""
    store.command(_CREATE_MIGRATIONS_TABLE)
    applied = {row[0] for row in store.query(_APPLIED_VERSIONS)}
    done = []
    for migration in load_migrations():
        if migration.version in applied:
            continue
        for statement in migration.statements(options):
            store.command(statement)
        store.command(_RECORD_VERSION, {"version": migration.version, "name": migration.name})
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
    rows = store.query(_TABLE_ENGINE, {"tables": list(columns)})
    for table, engine_full in rows:
        has_ttl = " TTL " in engine_full
        if options.retention_days == 0:
            if has_ttl:
                store.command(_REMOVE_TTL, {"table": table})
            continue
        if wanted not in engine_full:
            store.command(
                _MODIFY + _ttl(columns[table], options.retention_days),
                {"table": table},
                settings={"materialize_ttl_after_modify": 0},
            )
            logger.info("retention changed", extra={"table": table, "days": options.retention_days})
