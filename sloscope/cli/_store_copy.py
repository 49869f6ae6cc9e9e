"""``sloscope store copy --to DSN``: the embedded store into a ClickHouse server, or
into another embedded store.

Moving up from one machine (deploy/README.md): the target gets the schema (the
migrations, as ``serve`` applies them) and the source's retention, then the rows
(``processor/_copy.py`` says which, and how a copy run again goes on where it stopped).
The source must be free: stop ``sloscope serve`` first. Progress goes to stderr when it
is a terminal, never with ``--json``.

chDB opens one data directory per process, and this one holds the source's: an embedded
target is opened and written by a child process (``processor/_copy_target.py``), ended
on every path when the copy is.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from datetime import UTC, datetime
from typing import Annotated

import pydantic
import typer

from processor import (
    CopyOptions,
    CopyProgress,
    Retention,
    StoreOptions,
    copy_store,
    open_copy_target,
    open_store,
    parse_dsn,
    retention_in_force,
)
from sloscope._local_server import find_running_server
from sloscope.cli._context import DataDirOption, DsnOption, load_settings, user_errors
from sloscope.errors import UsageError


class TableCopied(pydantic.BaseModel):
    table: str
    rows: int
    copied: int
    skipped_chunks: int


class StoreCopyReport(pydantic.BaseModel):
    """``store copy --json``: per table, the source's rows in range, the rows this run
    copied and the chunks it found in the target already; the retention set there."""

    target: str
    raw_retention_days: int
    rollup_retention_days: int
    tables: list[TableCopied]
    seconds: float


def register(store_app: typer.Typer) -> None:
    store_app.command("copy")(copy_command)


def copy_command(
    ctx: typer.Context,
    *,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The store to copy into: a server, http(s)://user@host:port/db (password "
            "from the DSN or SLOSCOPE_STORE__PASSWORD), or an embedded one, chdb:///path.",
        ),
    ],
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
            help="Leave out rows before this UTC day or instant (YYYY-MM-DD).",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON report on stdout.")] = False,
    data_dir: DataDirOption = None,
    dsn: DsnOption = None,
) -> None:
    """Copy the embedded store (tables, rollups, series state, retention) into a
    ClickHouse server or another embedded store. Run again after an interruption: it
    goes on where it stopped."""
    with user_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        source_options = settings.store.options()
        source_location = parse_dsn(source_options.dsn, source_options.database)
        if not source_location.embedded:
            raise UsageError("store copy copies an embedded store (--data-dir or chdb://)")
        target_location = parse_dsn(to, source_options.database, source_options.server)
        if target_location.embedded and target_location.data_dir == source_location.data_dir:
            raise UsageError(f"--to is the source's data directory: {source_location.data_dir}")
        running = find_running_server(settings.store)
        if running is not None:
            raise UsageError(f"sloscope serve (pid {running.pid}) holds the store: stop it first")
        started = time.monotonic()
        source = open_store(source_options, migrate=False)
        try:
            retention = retention_in_force(source)
            target = open_copy_target(_target_options(source_options, to, retention))
            try:
                outcomes = copy_store(
                    source,
                    target,
                    CopyOptions(now=datetime.now(UTC), since=_utc(since)),
                    None if json_output or not sys.stderr.isatty() else _show_progress,
                )
            finally:
                target.close()
        finally:
            source.close()
        if not json_output and sys.stderr.isatty():
            typer.echo("", err=True)
        report = StoreCopyReport(
            target=target_location.redacted(),
            raw_retention_days=retention.raw_days,
            rollup_retention_days=retention.rollup_days,
            tables=[TableCopied.model_validate(dataclasses.asdict(o)) for o in outcomes],
            seconds=round(time.monotonic() - started, 3),
        )
        typer.echo(report.model_dump_json(indent=2) if json_output else _render(report))


def _target_options(source_options: StoreOptions, to: str, retention: Retention) -> StoreOptions:
    """The source's connection settings, the target's DSN, the source's retention, and
    the schema of one server."""
    return dataclasses.replace(
        source_options,
        dsn=to,
        retention_days=retention.raw_days,
        rollup_retention_days=retention.rollup_days,
        cluster=None,
        replicated=False,
    )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _show_progress(progress: CopyProgress) -> None:
    width = 30
    share = progress.rows_done / progress.rows_total if progress.rows_total else 1.0
    bar = "#" * round(width * share)
    sys.stderr.write(
        f"\r[{bar:<{width}}] {share:6.1%} {progress.rows_done:>12,} of "
        f"{progress.rows_total:,} rows  {progress.table:<40}"
    )
    sys.stderr.flush()


def _render(report: StoreCopyReport) -> str:
    width = max(len(table.table) for table in report.tables)
    lines = [
        f"copied into {report.target} in {report.seconds:.1f} s "
        f"(retention: raw {report.raw_retention_days} days, rollups "
        f"{report.rollup_retention_days} days; 0 keeps forever)",
        f"  {'table'.ljust(width)}  {'rows':>12}  {'copied':>12}  chunks already there",
    ]
    lines += [
        f"  {t.table.ljust(width)}  {t.rows:>12,}  {t.copied:>12,}  {t.skipped_chunks:>6,}"
        for t in report.tables
    ]
    return "\n".join(lines)
