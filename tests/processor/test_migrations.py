from __future__ import annotations

import hashlib

import pytest

from processor._migrations import DdlOptions, apply_migrations, load_migrations
from processor.errors import InvalidInput
from processor.store import RETAINED_TABLES, Store, StoreOptions, open_store


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
    assert cluster.count("ON CLUSTER `metrics`") == single.count("CREATE TABLE") + single.count(
        "CREATE MATERIALIZED VIEW"
    ) + single.count("CREATE FUNCTION") + single.count("CREATE VIEW")
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


def test_retention_follows_the_setting(store_options: StoreOptions) -> None:
    def ttl_of(store: Store) -> set[str]:
        rows = store.query(
            "SELECT engine_full FROM system.tables "
            "WHERE database = {db:String} AND name IN {t:Array(String)}",
            {"t": list(RETAINED_TABLES)},
        )
        return {row[0].partition(" TTL ")[2].partition(" SETTINGS")[0] or "none" for row in rows}

    first = open_store(store_options)
    assert ttl_of(first) == {"TimeUnix + toIntervalDay(30)"}
    first.close()
    changed = open_store(
        StoreOptions(dsn=store_options.dsn, database=store_options.database, retention_days=3)
    )
    assert ttl_of(changed) == {"TimeUnix + toIntervalDay(3)"}
    changed.close()
    removed = open_store(
        StoreOptions(dsn=store_options.dsn, database=store_options.database, retention_days=0)
    )
    assert ttl_of(removed) == {"none"}
    removed.command("DROP DATABASE {db:Identifier}")
    removed.close()


PINNED_DIGESTS = {
    1: "62f2580e31647d5f2772403685e3a115c8ae44e13144713c649b7bf901473a0c",
    2: "326765da6ceefd85208877203a8af13732067575f26f42e217205a7a04279cd9",
    3: "2217951db856f0901877e50495a8eace33b1ac3e2bc68c66d5e5cc7f57038c21",
}
