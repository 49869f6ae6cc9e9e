from __future__ import annotations

import dataclasses
import hashlib

import pytest

from processor._migrations import DdlOptions, apply_migrations, load_migrations
from processor.errors import InvalidInput
from processor.store import METRIC_TABLES, ROLLUP_TABLES, Store, StoreOptions, open_store


def _rendered(options: DdlOptions, up_to: int = 9999) -> str:
    return "\n;\n".join(
        statement
        for migration in load_migrations()
        if migration.version <= up_to
        for statement in migration.statements(options)
    )


def test_single_node_ddl_uses_plain_engines_and_the_retention() -> None:
    text = _rendered(DdlOptions(retention_days=7))
    assert "ON CLUSTER" not in text
    assert "Replicated" not in text
    assert "TTL TimeUnix + toIntervalDay(7)" in text
    assert "${" not in text


def test_cluster_ddl_comes_from_the_same_source() -> None:
    single = _rendered(DdlOptions())
    cluster = _rendered(DdlOptions(cluster="metrics", replicated=True))
    placed = (
        *("CREATE TABLE", "CREATE MATERIALIZED VIEW", "CREATE FUNCTION", "CREATE VIEW"),
        *("TRUNCATE TABLE", "DROP VIEW"),
    )
    assert cluster.count("ON CLUSTER `metrics`") == sum(single.count(what) for what in placed)
    assert (
        "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')"
        in cluster
    )
    normalised = (
        cluster.replace(" ON CLUSTER `metrics`", "")
        .replace("('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')", "")
        .replace("Replicated", "")
    )
    assert normalised.split() == single.split()


def test_rendered_single_node_ddl_is_pinned() -> None:
    # Shipped migrations never change: a change here is a new migration, not an edit.
    for version, pinned in PINNED_DIGESTS.items():
        digest = hashlib.sha256(_rendered(DdlOptions(), up_to=version).encode()).hexdigest()
        assert digest == pinned, (version, digest)


@pytest.mark.parametrize(
    "options",
    [
        {"retention_days": -1},
        {"retention_days": 40_000},
        {"cluster": "bad name; DROP"},
        {"replicated": True},
    ],
    ids=["negative-retention", "huge-retention", "hostile-cluster", "replicated-without-cluster"],
)
def test_ddl_options_are_validated(options: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        DdlOptions(**options)  # type: ignore[arg-type]


def test_migrations_are_applied_once(store: Store) -> None:
    assert apply_migrations(store, DdlOptions()) == []
    versions = store.query(
        "SELECT Version FROM {db:Identifier}.sloscope_schema_migrations ORDER BY 1"
    )
    assert [row[0] for row in versions] == [migration.version for migration in load_migrations()]


def _ttls(store: Store) -> dict[str, str]:
    rows = store.query(
        "SELECT name, engine_full FROM system.tables "
        "WHERE database = {db:String} AND endsWith(engine, 'MergeTree')"
    )
    return {
        name: engine_full.partition(" TTL ")[2].partition(" SETTINGS")[0] or "none"
        for name, engine_full in rows
        if name in (*METRIC_TABLES.values(), *ROLLUP_TABLES, "sloscope_series_state")
    }


def _kinds(ttls: dict[str, str]) -> tuple[set[str], set[str], str]:
    return (
        {ttls[name] for name in METRIC_TABLES.values()},
        {ttls[name] for name in ROLLUP_TABLES},
        ttls["sloscope_series_state"],
    )


def test_retention_follows_the_values_given_and_only_those(store_options: StoreOptions) -> None:
    def reopened(raw: int | None = None, rollup: int | None = None) -> dict[str, str]:
        opened = open_store(
            dataclasses.replace(store_options, retention_days=raw, rollup_retention_days=rollup)
        )
        try:
            return _ttls(opened)
        finally:
            opened.close()

    assert _kinds(reopened()) == (
        {"TimeUnix + toIntervalDay(30)"},
        {"TimeUnix + toIntervalDay(400)"},
        "LastSeen + toIntervalDay(400)",
    )
    assert _kinds(reopened(3)) == (
        {"TimeUnix + toIntervalDay(3)"},
        {"TimeUnix + toIntervalDay(400)"},
        "LastSeen + toIntervalDay(400)",
    )
    # raw rows kept forever: the rollups must keep them too
    assert _kinds(reopened(0)) == ({"none"}, {"none"}, "none")
    # a start without a value keeps the one in force
    assert _kinds(reopened()) == ({"none"}, {"none"}, "none")
    assert _kinds(reopened(7, 90)) == (
        {"TimeUnix + toIntervalDay(7)"},
        {"TimeUnix + toIntervalDay(90)"},
        "LastSeen + toIntervalDay(90)",
    )
    final = open_store(StoreOptions(dsn=store_options.dsn, database=store_options.database))
    final.command("DROP DATABASE {db:Identifier}")
    final.close()


PINNED_DIGESTS = {
    1: "62f2580e31647d5f2772403685e3a115c8ae44e13144713c649b7bf901473a0c",
    2: "326765da6ceefd85208877203a8af13732067575f26f42e217205a7a04279cd9",
    3: "2217951db856f0901877e50495a8eace33b1ac3e2bc68c66d5e5cc7f57038c21",
    4: "f828643e8c7caf6ce431a50d9d3e5bfda0adf35e7c2f3296418408f7be8d70cb",
}
