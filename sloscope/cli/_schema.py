"""``sloscope schema``: the store's DDL for one server or a cluster, printed or applied."""

from __future__ import annotations

from typing import Annotated

import typer

from processor import DdlOptions, Retention, open_store, schema_script
from processor.store import MIGRATIONS_TABLE
from sloscope.cli._context import echo_stderr, load_settings, user_errors
from sloscope.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)


def schema(
    ctx: typer.Context,
    *,
    cluster: Annotated[
        str | None,
        typer.Option(help="Render for this cluster: ON CLUSTER, local and Distributed tables."),
    ] = None,
    replicated: Annotated[
        bool, typer.Option("--replicated", help="Replicated* local tables (needs --cluster).")
    ] = False,
    raw_days: Annotated[
        int | None,
        typer.Option(help="Days raw rows and minute rollups are kept [30]; 0 keeps them."),
    ] = None,
    database: Annotated[str | None, typer.Option(help="Database [sloscope].")] = None,
    apply: Annotated[
        str | None,
        typer.Option(
            "--apply",
            metavar="DSN",
            help="Apply it to this store (as `serve` does at start-up) instead of printing.",
        ),
    ] = None,
) -> None:
    """Print the DDL the migrations make (one server, or a cluster), or apply it.

    The password of --apply's server comes from its DSN or SLOSCOPE_STORE__PASSWORD.
    """
    with user_errors(ctx):
        if replicated and cluster is None:
            raise UsageError("--replicated needs --cluster NAME")
        flags = {
            "store": {
                "dsn": apply,
                "database": database,
                "retention_days": raw_days,
                "cluster": cluster,
                "replicated": replicated or None,
            }
        }
        settings = load_settings(ctx, flags)
        store_settings = settings.store
        if apply is None:
            # A new store's retention, with what flag, env or config file gave.
            retention = Retention().changed(
                store_settings.retention_days, store_settings.rollup_retention_days
            )
            ddl = DdlOptions.keeping(
                retention, cluster=store_settings.cluster, replicated=store_settings.replicated
            )
            typer.echo(schema_script(store_settings.database, ddl), nl=False)
            return
        store = open_store(store_settings.options())
        try:
            version = store.query(
                "SELECT max(Version) FROM {db:Identifier}.{t:Identifier}", {"t": MIGRATIONS_TABLE}
            )[0][0]
            echo_stderr(
                f"schema at version {version} in {store.database} on {store.location.redacted()}"
            )
        finally:
            store.close()
