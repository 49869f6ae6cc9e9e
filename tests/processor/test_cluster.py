"""The DDL for one server and for a cluster, from the one migration source: checked
statement by statement (where each runs, engines, macros, sharding keys, views on local
tables), and every statement parsed by the embedded engine so that a typo fails here."""

from __future__ import annotations

import re

import pytest

from processor._cluster import SHARDING_KEYS, Layout, Statement
from processor._migrations import DdlOptions, load_migrations
from processor._pipeline import sink_table
from processor._schema import schema_script, schema_statements
from processor._types import MetricType
from processor.errors import InvalidInput
from processor.store import METRIC_TABLES, SERIES_STATE_TABLE, Store

REPLICA_PATH = "('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')"
CLUSTER = DdlOptions(cluster="metrics", replicated=True, retention_days=14)
_CREATED = re.compile(
    r"^CREATE (TABLE|MATERIALIZED VIEW|VIEW|FUNCTION) (?:IF NOT EXISTS )?"
    r"(?:\{db:Identifier\}\.)?`?(\w+)`?",
    re.M,
)


def _head(statement: Statement) -> str:
    return "\n".join(
        line for line in statement.sql.splitlines() if not line.lstrip().startswith("--")
    ).strip()


def _created(statements: list[Statement]) -> dict[tuple[str, str], Statement]:
    """Each CREATE by (what, name), where the name appears once per database."""
    found: dict[tuple[str, str], Statement] = {}
    for statement in statements:
        match = _CREATED.match(_head(statement))
        if match:
            found[(f"{statement.database}.{match.group(2)}", match.group(1))] = statement
    return found


def test_one_server_runs_every_migration_statement_as_written() -> None:
    statements = schema_statements("sloscope", DdlOptions())
    written = [
        statement
        for migration in load_migrations()
        for statement in migration.statements(DdlOptions())
    ]
    assert [s.sql for s in statements[-len(written) :]] == written
    assert {s.database for s in statements} == {"sloscope"}
    assert not any("ON CLUSTER" in s.sql or "Distributed" in s.sql for s in statements)


def test_every_cluster_statement_runs_on_the_cluster() -> None:
    """Every statement but a rebuild's INSERT ... SELECT, which has no ON CLUSTER: it runs
    once, through the Distributed tables, and waits for the shards."""
    for statement in schema_statements("sloscope", CLUSTER):
        head = _head(statement)
        if head.startswith("INSERT INTO"):
            assert statement.database == "sloscope"
            assert "SETTINGS distributed_foreground_insert = 1\nSELECT" in head
            continue
        assert "ON CLUSTER `metrics`" in head, statement.sql[:120]


def test_the_rollups_are_rebuilt_on_the_shards_through_the_distributed_tables() -> None:
    """0004 replaces the minute views and empties the rollups on every shard (local
    tables), then refills them from every shard's raw rows (Distributed tables)."""
    rebuilt = schema_statements("sloscope", CLUSTER)
    heads = [(s.database, _head(s).split("\n")[0]) for s in rebuilt]
    for kind in ("histogram", "exponential_histogram"):
        assert (
            "sloscope_local",
            f"DROP VIEW IF EXISTS {{db:Identifier}}.slo_{kind}_1m_mv ON CLUSTER `metrics`",
        ) in heads
        for grain in "mhd":
            assert (
                "sloscope_local",
                f"TRUNCATE TABLE IF EXISTS {{db:Identifier}}.slo_{kind}_1{grain} "
                "ON CLUSTER `metrics`",
            ) in heads
        inserts = [
            s
            for s in rebuilt
            if _head(s).startswith(f"INSERT INTO {{db:Identifier}}.slo_{kind}_1m\n")
        ]
        assert [s.database for s in inserts] == ["sloscope"]
        assert f"FROM `sloscope`.otel_metrics_{kind}\n" in inserts[0].printable()


@pytest.mark.parametrize("replicated", [True, False], ids=["replicated", "sharded-only"])
def test_series_tables_are_local_with_a_distributed_twin_sharded_by_the_series(
    replicated: bool,
) -> None:
    options = DdlOptions(cluster="metrics", replicated=replicated)
    created = _created(schema_statements("sloscope", options))
    expected = {
        **dict.fromkeys(METRIC_TABLES.values(), "SeriesKey"),
        SERIES_STATE_TABLE: "SeriesKey",
        **{sink_table(t): "SourceSeriesKey" for t in MetricType},
    }
    for table, key in expected.items():
        local = created[(f"sloscope_local.{table}", "TABLE")]
        engine = re.search(r"ENGINE = (\w+)(.*)", _head(local))
        assert engine is not None
        if table.startswith("ingest_sink_"):
            assert engine.group(1) == "Null"
        else:
            assert engine.group(1).startswith("Replicated") is replicated, table
            assert (REPLICA_PATH in engine.group(2)) is replicated, table
        twin = created[(f"sloscope.{table}", "TABLE")]
        assert twin.printable() == (
            f"CREATE TABLE IF NOT EXISTS `sloscope`.`{table}` ON CLUSTER `metrics`\n"
            f"AS `sloscope_local`.`{table}`\n"
            f"ENGINE = Distributed(`metrics`, `sloscope_local`, `{table}`, {key})"
        )


def test_materialized_views_read_and_write_local_tables_only() -> None:
    statements = schema_statements("sloscope", CLUSTER)
    views = [s for s in statements if _head(s).startswith("CREATE MATERIALIZED VIEW")]
    # data, state, counts per sink; 1m, 1h, 1d per kind; 0004's minute views per kind
    assert len(views) == 5 * 3 + 2 * 3 + 2
    for view in views:
        assert view.database == "sloscope_local"
        named = set(re.findall(r"`(\w+)`\.\w+", view.printable()))
        assert named == {"sloscope_local"}, view.sql[:120]


def test_plain_views_scratch_tables_and_functions_stay_in_the_database() -> None:
    created = _created(schema_statements("sloscope", CLUSTER))
    assert ("sloscope.slo_series_1d", "VIEW") in created
    for metric_type in MetricType:
        staging = created[(f"sloscope.ingest_staging_{metric_type.value}", "TABLE")]
        assert "ENGINE = Memory" in staging.sql
        assert (f"sloscope_local.ingest_staging_{metric_type.value}", "TABLE") not in created
    functions = [name for (name, what) in created if what == "FUNCTION"]
    assert functions
    assert all(name.startswith("sloscope.sloscope_") for name in functions)


def test_the_cluster_sharding_keys_cover_every_sharded_table() -> None:
    layout = Layout("sloscope", "metrics")
    for migration in load_migrations():
        layout.place(migration.statements(CLUSTER), migration.name)
    assert layout.sharded <= set(SHARDING_KEYS)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("INSERT INTO {db:Identifier}.t ON CLUSTER `metrics` SELECT 1", "cannot place"),
        ("INSERT INTO {db:Identifier}.t VALUES (1)", "without"),
        ("TRUNCATE TABLE {db:Identifier}.t ON CLUSTER `metrics`", "cannot place"),
        ("DROP VIEW {db:Identifier}.slo_series_1d ON CLUSTER `metrics`", "cannot place"),
        ("CREATE TABLE IF NOT EXISTS {db:Identifier}.t (x UInt8) ENGINE = MergeTree", "without"),
        (
            "CREATE TABLE IF NOT EXISTS {db:Identifier}.t ON CLUSTER `metrics` (x UInt8) "
            "ENGINE = MergeTree ORDER BY x",
            "table t has no sharding key",
        ),
    ],
    ids=[
        "insert",
        "insert-values",
        "truncate-unknown",
        "drop-plain-view",
        "no-on-cluster",
        "no-sharding-key",
    ],
)
def test_a_statement_a_cluster_cannot_take_is_refused_with_its_migration(
    sql: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=f"0099_new.sql: .*{message}"):
        Layout("sloscope", "metrics").place([sql], "0099_new.sql")


def test_alter_of_a_sharded_table_alters_the_local_table_then_its_twin() -> None:
    layout = Layout("sloscope", "metrics")
    for migration in load_migrations():
        layout.place(migration.statements(CLUSTER), migration.name)
    alter = "ALTER TABLE {db:Identifier}.otel_metrics_sum ON CLUSTER `metrics` ADD COLUMN X UInt8"
    placed = layout.place([alter], "0099_add.sql")
    assert [s.database for s in placed] == ["sloscope_local", "sloscope"]


def test_a_database_name_too_long_for_its_local_twin_is_refused() -> None:
    with pytest.raises(InvalidInput, match="too long for a cluster"):
        Layout("d" * 125, "metrics")


@pytest.mark.parametrize(
    "options",
    [DdlOptions(), DdlOptions(retention_days=0), CLUSTER, DdlOptions(cluster="c.prod-1")],
    ids=["one-server", "kept-forever", "cluster-replicated", "cluster-sharded"],
)
def test_every_statement_of_the_script_parses(store: Store, options: DdlOptions) -> None:
    script = schema_script("sloscope", options)
    statements = [chunk for chunk in script.split(";\n\n") if chunk.strip()]
    assert statements[-1].startswith("INSERT INTO `sloscope`.`sloscope_schema_migrations`")
    for statement in statements:
        text = statement.rstrip().removesuffix(";")
        formatted = store.query("SELECT formatQuery({sql:String})", {"sql": text})[0][0]
        assert formatted, text[:120]
