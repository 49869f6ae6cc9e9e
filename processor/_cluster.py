"""Where each statement of the migrations runs: on one node, or on a cluster.

One node (the embedded engine or one server): every statement as the migration writes it,
``{db:Identifier}`` bound to the database.

A cluster: the same statements, placed by what they create, so that no migration is
written twice. Each shard keeps its rows in *local* tables, in the database
``<db>_local``, under the names the migrations give them; the database ``<db>`` holds,
under the same names again, ``Distributed`` tables over them. Readers (the SLO engine,
Grafana, ClickStack) and writers (the processor, the contrib exporter) see the usual
names in ``<db>``; a row inserted there reaches the shard its sharding key picks.

* ``CREATE TABLE`` of a MergeTree-family or Null table runs in ``<db>_local`` (its
  ``${MERGE_TREE}`` engine is Replicated when the cluster replicates), followed by its
  Distributed twin in ``<db>``, sharded by ``SHARDING_KEYS``: the series hash for the
  metric tables, the series state and the ingest sinks (``SourceSeriesKey``, the state's
  key), so a series, its state and the rollups its rows feed stay on one shard.
* ``CREATE MATERIALIZED VIEW`` runs in ``<db>_local``: views read and write local tables,
  so each shard rolls up its own rows, and a query through the Distributed rollups merges
  the shards' partial aggregates.
* ``CREATE VIEW`` runs in ``<db>``, over the Distributed tables.
* ``CREATE TABLE`` of any other engine (Memory scratch tables) runs in ``<db>`` on every
  node, unsharded; ``CREATE FUNCTION`` as written (functions are global to a server).
* ``ALTER TABLE`` of a sharded table alters the local table, then its Distributed twin.
* ``TRUNCATE TABLE`` of a sharded table empties the local tables; ``DROP VIEW`` of a
  materialized view drops the shards' local views (both by a name placed before).
* ``INSERT INTO ... SELECT`` (a rebuild from rows already stored) runs once, in ``<db>``:
  it reads and writes through the Distributed tables, so every shard's rows are read and
  the rows written reach the shards. It is the one statement without ``${ON_CLUSTER}``
  (an INSERT has none) and should say ``distributed_foreground_insert = 1``, so that the
  migration is recorded only once the rows are on the shards.

Anything else (an INSERT of values, a DROP TABLE) cannot be placed on a cluster from the
statement alone and is refused with the migration's name, as is a statement without
``${ON_CLUSTER}``, a sharded table missing from ``SHARDING_KEYS``, or a TRUNCATE or DROP
VIEW of something no earlier migration placed: a new migration fails its tests until it
says how it lands on a cluster.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from processor._pipeline import sink_table
from processor._types import MetricType
from processor.errors import InvalidInput
from processor.store import (
    ALERT_EVENTS_TABLE,
    ALERTS_TABLE,
    DELIVERIES_TABLE,
    METRIC_TABLES,
    MIGRATIONS_TABLE,
    RETENTION_TABLE,
    SERIES_COUNTS_TABLE,
    SERIES_STATE_TABLE,
    SILENCES_TABLE,
)

LOCAL_SUFFIX: Final = "_local"
ROLLUP_TABLES: Final = tuple(
    f"slo_{kind}_1{grain}" for kind in ("histogram", "exponential_histogram") for grain in "mhd"
)
# The Distributed tables' sharding keys; the series hash first (DESIGN.md section 3).
SHARDING_KEYS: Final[Mapping[str, str]] = {
    **dict.fromkeys(METRIC_TABLES.values(), "SeriesKey"),
    SERIES_STATE_TABLE: "SeriesKey",
    **{sink_table(metric_type): "SourceSeriesKey" for metric_type in MetricType},
    SERIES_COUNTS_TABLE: "cityHash64(ServiceName, MetricName)",
    **dict.fromkeys(ROLLUP_TABLES, "cityHash64(ServiceName, MetricName, AttributesHash)"),
    MIGRATIONS_TABLE: "Version",
    RETENTION_TABLE: "toUnixTimestamp64Milli(ChangedAt)",
    # An alert's versions and its history on one shard, so FINAL sees them all.
    ALERTS_TABLE: "cityHash64(AlertId)",
    ALERT_EVENTS_TABLE: "cityHash64(AlertId)",
    SILENCES_TABLE: "cityHash64(SilenceId)",
    DELIVERIES_TABLE: "cityHash64(AlertId)",
}
_DB = r"\{db:Identifier\}"
_CREATE_TABLE = re.compile(rf"^CREATE TABLE (?:IF NOT EXISTS )?{_DB}\.(\w+)", re.I)
_CREATE_MATERIALIZED_VIEW = re.compile(
    rf"^CREATE MATERIALIZED VIEW (?:IF NOT EXISTS )?{_DB}\.(\w+)", re.I
)
_CREATE_VIEW = re.compile(rf"^CREATE VIEW (?:IF NOT EXISTS )?{_DB}\.", re.I)
_CREATE_FUNCTION = re.compile(r"^CREATE FUNCTION ", re.I)
_ALTER_TABLE = re.compile(rf"^ALTER TABLE {_DB}\.(\w+)", re.I)
_TRUNCATE_TABLE = re.compile(rf"^TRUNCATE TABLE (?:IF EXISTS )?{_DB}\.(\w+)", re.I)
_DROP_VIEW = re.compile(rf"^DROP VIEW (?:IF EXISTS )?{_DB}\.(\w+)", re.I)
_INSERT_SELECT = re.compile(rf"^INSERT INTO {_DB}\.\w+\s+(?:SETTINGS [^\n]*\s+)?SELECT\b", re.I)
_ENGINE = re.compile(r"\bENGINE\s*=\s*(\w+)")
_SHARDED_ENGINES = re.compile(r"^(Replicated)?\w*MergeTree$|^Null$")
_PARAMETER = "{db:Identifier}"
_DISTRIBUTED_TWIN = string.Template(
    "CREATE TABLE IF NOT EXISTS {db:Identifier}.`${TABLE}` ${ON_CLUSTER}\n"
    "AS `${LOCAL_DATABASE}`.`${TABLE}`\n"
    "ENGINE = Distributed(`${CLUSTER}`, `${LOCAL_DATABASE}`, `${TABLE}`, ${SHARDING_KEY})"
)


def on_cluster_clause(cluster: str | None) -> str:
    """``ON CLUSTER `name```, or nothing on one node (the name is validated before)."""
    return f"ON CLUSTER `{cluster}`" if cluster is not None else ""


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement to run, ``{db:Identifier}`` bound to ``database``."""

    sql: str
    database: str

    def printable(self) -> str:
        """The statement with the database written in, for clickhouse-client."""
        return self.sql.replace(_PARAMETER, f"`{self.database}`")


@dataclass(slots=True)
class Layout:
    """Places the statements of the migrations, in order; remembers the sharded tables
    and the materialized views."""

    database: str
    cluster: str | None
    sharded: set[str] = field(default_factory=set)
    materialized: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.cluster is not None and len(self.storage_database) > 128:
            raise InvalidInput(f"database name {self.database!r} is too long for a cluster")

    @property
    def storage_database(self) -> str:
        """Where the rows are: the database itself, or its local twin on a cluster."""
        return self.database if self.cluster is None else self.database + LOCAL_SUFFIX

    def databases(self) -> list[Statement]:
        on_cluster = on_cluster_clause(self.cluster)
        create = f"CREATE DATABASE IF NOT EXISTS {_PARAMETER} {on_cluster}".strip()
        names = dict.fromkeys((self.database, self.storage_database))
        return [Statement(create, name) for name in names]

    def place(self, statements: Iterable[str], source: str) -> list[Statement]:
        """Where each of ``source``'s rendered statements runs, with the twins it needs."""
        if self.cluster is None:
            return [Statement(sql, self.database) for sql in statements]
        placed: list[Statement] = []
        for sql in statements:
            placed.extend(self._place_on_cluster(sql, source))
        return placed

    def _place_on_cluster(self, sql: str, source: str) -> list[Statement]:
        head = _without_comments(sql)
        if _INSERT_SELECT.match(head) and on_cluster_clause(self.cluster) not in head:
            return [Statement(sql, self.database)]
        if on_cluster_clause(self.cluster) not in head:
            raise InvalidInput(f"{source}: a statement without ${{ON_CLUSTER}}: {head[:80]}")
        local, distributed = self.storage_database, self.database
        if table := _match(_CREATE_TABLE, head):
            return self._place_table(sql, head, table, source)
        if view := _match(_CREATE_MATERIALIZED_VIEW, head):
            self.materialized.add(view)
            return [Statement(sql, local)]
        if _CREATE_VIEW.match(head) or _CREATE_FUNCTION.match(head):
            return [Statement(sql, distributed)]
        return self._place_change(sql, head, source)

    def _place_change(self, sql: str, head: str, source: str) -> list[Statement]:
        """An ALTER, TRUNCATE or DROP VIEW of something an earlier statement placed."""
        local, distributed = self.storage_database, self.database
        if table := _match(_ALTER_TABLE, head):
            targets = (local, distributed) if table in self.sharded else (distributed,)
            return [Statement(sql, database) for database in targets]
        emptied = _match(_TRUNCATE_TABLE, head)
        dropped = _match(_DROP_VIEW, head)
        if (emptied in self.sharded) or (dropped in self.materialized):
            return [Statement(sql, local)]
        raise InvalidInput(f"{source}: cannot place this statement on a cluster: {head[:80]}")

    def _place_table(self, sql: str, head: str, table: str, source: str) -> list[Statement]:
        engine = _ENGINE.search(head)
        if engine is None or not _SHARDED_ENGINES.match(engine.group(1)):
            return [Statement(sql, self.database)]
        self.sharded.add(table)
        return [Statement(sql, self.storage_database), self._distributed_twin(table, source)]

    def _distributed_twin(self, table: str, source: str) -> Statement:
        key = SHARDING_KEYS.get(table)
        if key is None:
            raise InvalidInput(f"{source}: table {table} has no sharding key (SHARDING_KEYS)")
        sql = _DISTRIBUTED_TWIN.substitute(
            TABLE=table,
            ON_CLUSTER=on_cluster_clause(self.cluster),
            LOCAL_DATABASE=self.storage_database,
            CLUSTER=self.cluster,
            SHARDING_KEY=key,
        )
        return Statement(sql, self.database)


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.match(text)
    return found.group(1) if found else None


def _without_comments(sql: str) -> str:
    lines = (line for line in sql.splitlines() if not line.strip().startswith("--"))
    return "\n".join(lines).strip()
