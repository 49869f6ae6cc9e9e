"""``sloscope store retention``: how long the store keeps what, shown or changed.

The retention in force is kept in the store; this command and ``sloscope serve`` given a
value are the only ways to change it. A change first says what it would delete, per
table, and is applied only with ``--yes``. It opens the store itself, so it refuses while
``sloscope serve`` holds it (restart serve with the new values instead).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from processor import (
    Expiring,
    Retention,
    change_retention,
    expiring_rows,
    open_store,
    retention_in_force,
)
from sloscope._local_server import find_running_server
from sloscope.cli import _store_copy
from sloscope.cli._context import DataDirOption, DsnOption, fail, load_settings, user_errors
from sloscope.errors import UsageError

store_app = typer.Typer(
    name="store",
    help="The store itself: how long it keeps what, and copying it into a server.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    _store_copy.register(store_app)
    app.add_typer(store_app)


@store_app.command("retention")
def retention_command(
    ctx: typer.Context,
    *,
    days: Annotated[
        int | None, typer.Option("--days", help="Days raw rows are kept; 0 keeps them forever.")
    ] = None,
    rollup_days: Annotated[
        int | None,
        typer.Option("--rollup-days", help="Days the SLO rollups are kept; 0 keeps them forever."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Apply the change (without: only say what it deletes).")
    ] = False,
    data_dir: DataDirOption = None,
    dsn: DsnOption = None,
) -> None:
    """Show the retention in force; with --days or --rollup-days, say what a change
    deletes, and apply it with --yes (exit 2 without)."""
    with user_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        server = find_running_server(settings.store)
        if server is not None:
            raise UsageError(
                f"sloscope serve (pid {server.pid}) holds the store: stop it first, or "
                "restart it with --retention-days / --rollup-retention-days"
            )
        store = open_store(settings.store.options(), migrate=False)
        try:
            in_force = retention_in_force(store)
            if days is None and rollup_days is None:
                typer.echo(f"retention in force: {in_force.describe()}")
                return
            wanted = in_force.changed(days, rollup_days)
            plan = expiring_rows(store, in_force, wanted, datetime.now(UTC))
            typer.echo(render_plan(in_force, wanted, plan))
            if wanted == in_force:
                return
            if not yes:
                raise fail("nothing changed: run again with --yes to apply")
            change_retention(store, wanted, changed_by="store retention")
            typer.echo(f"retention set: {wanted.describe()}")
        finally:
            store.close()


def render_plan(in_force: Retention, wanted: Retention, plan: list[Expiring]) -> str:
    """The change and, per table it shortens, the rows it deletes and the days they cover."""
    lines = [f"in force: {in_force.describe()}", f"wanted:   {wanted.describe()}"]
    losing = [item for item in plan if item.rows]
    if not losing:
        lines.append("deletes nothing")
        return "\n".join(lines)
    lines.append("deletes, at the next merges:")
    width = max(len(item.table) for item in losing)
    lines += [
        f"  {item.table.ljust(width)}  {item.rows:>12,} rows over {item.days:>5,} days "
        f"(older than {item.days_kept} days)"
        for item in losing
    ]
    return "\n".join(lines)
