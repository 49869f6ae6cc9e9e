"""``sloscope schema``: the printed DDL is what ``open_store`` applies, and ``--apply``
applies it to a server."""

from __future__ import annotations

import uuid

import clickhouse_connect
from typer.testing import CliRunner

from processor._migrations import load_migrations
from processor.store import Store
from sloscope.cli import app

runner = CliRunner()
_TABLES = """
SELECT name, engine, sorting_key, partition_key, primary_key
FROM system.tables WHERE database = {db:String} ORDER BY name
"""
_COLUMNS = """
SELECT table, name, type, default_kind, default_expression, compression_codec
FROM system.columns WHERE database = {db:String} ORDER BY table, position
"""

# Every migration shipped, in order: the printed script records each of them.
SHIPPED = [migration.version for migration in load_migrations()]


def test_the_printed_script_builds_the_tables_open_store_builds(store: Store) -> None:
    database = f"s_{uuid.uuid4().hex[:12]}"
    printed = runner.invoke(app, ["schema", "--database", database])
    assert printed.exit_code == 0, printed.output
    assert "ON CLUSTER" not in printed.stdout
    client = clickhouse_connect.get_client(dsn=store.location.dsn)
    try:
        for statement in printed.stdout.split(";\n\n"):
            client.command(statement.strip().removesuffix(";"))
        for sql in (_TABLES, _COLUMNS):
            scripted = store.query(sql, {"db": database})
            assert scripted == store.query(sql)
            assert len(scripted) > 40
        versions = store.query(
            "SELECT Version FROM {db:Identifier}.sloscope_schema_migrations", {"db": database}
        )
        assert sorted(v for (v,) in versions) == SHIPPED
    finally:
        client.command("DROP DATABASE IF EXISTS {db:Identifier}", parameters={"db": database})
        client.close()


def test_raw_days_sets_the_ttl_and_cluster_the_layout() -> None:
    result = runner.invoke(app, ["schema", "--cluster", "metrics", "--raw-days", "7"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("-- sloscope schema for cluster `metrics`, not replicated")
    assert "TTL TimeUnix + toIntervalDay(7)" in result.stdout
    assert "CREATE DATABASE IF NOT EXISTS `sloscope_local` ON CLUSTER `metrics`" in result.stdout
    assert "Replicated" not in result.stdout


def test_bad_choices_exit_2_with_one_line() -> None:
    replicated = runner.invoke(app, ["schema", "--replicated"])
    assert replicated.exit_code == 2, replicated.output
    assert replicated.stderr == "error: --replicated needs --cluster NAME\n"
    hostile = runner.invoke(app, ["schema", "--cluster", "x`; DROP"])
    assert hostile.exit_code == 2, hostile.output
    assert hostile.stderr == "error: invalid cluster name 'x`; DROP'\n"
    days = runner.invoke(app, ["schema", "--raw-days", "-1"])
    assert days.exit_code == 2, days.output
    assert days.stderr.startswith("error: store.retention_days:")


def test_apply_migrates_a_server_once(server_dsn: str) -> None:
    first = runner.invoke(app, ["schema", "--apply", server_dsn, "--raw-days", "0"])
    assert first.exit_code == 0, first.output
    database = server_dsn.rsplit("/", 1)[1]
    assert first.stderr.startswith(f"schema at version {SHIPPED[-1]} in {database} on http://")
    assert ":***@" in first.stderr
    assert first.stdout == ""
    again = runner.invoke(app, ["schema", "--apply", server_dsn, "--raw-days", "0"])
    assert again.exit_code == 0, again.output
    client = clickhouse_connect.get_client(dsn=server_dsn)
    try:
        rows = client.query("SELECT count() FROM sloscope_schema_migrations").result_rows
        ttl = client.query(
            "SELECT countIf(engine_full LIKE '% TTL %') FROM system.tables "
            "WHERE database = currentDatabase()"
        ).result_rows
    finally:
        client.close()
    assert rows == [(len(SHIPPED),)]
    assert ttl == [(0,)]


def test_apply_to_a_server_without_that_cluster_exits_2_with_the_servers_error(
    server_dsn: str,
) -> None:
    args = ["schema", "--apply", server_dsn, "--cluster", "no_such_cluster"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert "no_such_cluster" in result.stderr
    assert len(result.stderr.splitlines()) == 1
