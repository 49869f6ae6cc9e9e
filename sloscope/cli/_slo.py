"""``sloscope slo validate`` and ``sloscope slo status``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from alerting import load_alerting
from processor import open_store
from slo_engine import (
    SloEngineError,
    SloSet,
    SpecError,
    SpecIssue,
    StatusReport,
    ValidationReport,
    check_instant,
    explain,
    load,
    read_sources,
    render_explanations,
    report_issues,
    status,
)
from sloscope._api_client import post_json
from sloscope._dashboards import load_dashboards
from sloscope._local_server import find_running_server
from sloscope.cli._context import api_token, fail, global_options, load_settings, user_errors
from sloscope.cli._exit import EXIT_BREACH, EXIT_USAGE
from sloscope.errors import UsageError

slo_app = typer.Typer(
    name="slo", help="Validate SLO files and show how each SLO stands.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(slo_app)


@contextlib.contextmanager
def engine_errors(ctx: typer.Context) -> Iterator[None]:
    """SLO file errors one per line (``path:line:col: field: message``), exit 2."""
    with user_errors(ctx):
        try:
            yield
        except SpecError as exc:
            if global_options(ctx).debug:
                raise
            for issue in exc.issues:
                typer.echo(str(issue), err=True)
            raise typer.Exit(EXIT_USAGE) from None
        except SloEngineError as exc:
            if global_options(ctx).debug:
                raise
            raise fail(str(exc)) from None


@slo_app.command("validate")
def validate(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="SLO files or directories of *.yaml.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document: errors, warnings, SLOs.")
    ] = False,
    explain_slos: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Print what each SLO computes: metric, filters, window, budgeting, alerts.",
        ),
    ] = False,
) -> None:
    """Check SLO files (and the dashboards in them); every error with file, line and
    field. Exit 2 on any error.

    Warnings (what loads but may not mean what was meant) go to stderr and leave the exit
    code alone.
    """
    with engine_errors(ctx):
        sources = read_sources(paths)
        try:
            boards = load_dashboards(sources, shipped=False)
            board_issues: list[SpecIssue] = []
        except SpecError as exc:
            boards, board_issues = [], list(exc.issues)
        try:
            loaded = load_checked(sources)
        except SpecError as exc:
            _refuse([*exc.issues, *board_issues], exc.warnings, as_json=as_json)
        if board_issues:
            _refuse(board_issues, loaded.warnings, as_json=as_json)
        _warn(loaded.warnings)
        explained = explain(loaded, datetime.now(UTC)) if explain_slos else []
        if as_json:
            report = ValidationReport(
                valid=True,
                errors=[],
                warnings=report_issues(loaded.warnings),
                slos=[s.name for s in loaded.slos],
                explained=explained,
            )
            typer.echo(report.model_dump_json())
            return
        if explained:
            typer.echo(render_explanations(explained) + "\n")
        counted = f"ok: {len(loaded.slos)} SLOs, {len(loaded.exclusions)} exclusions"
        typer.echo(counted + (f", {len(boards)} dashboards" if boards else ""))


def _refuse(
    issues: Sequence[SpecIssue], warnings: Sequence[SpecIssue], *, as_json: bool
) -> NoReturn:
    """Every issue on stderr (and the report on stdout with ``--json``); exit 2."""
    _warn(warnings)
    ordered = sorted(set(issues), key=lambda i: (i.source, i.line, i.column, i.field))
    if as_json:
        report = ValidationReport(
            valid=False,
            errors=report_issues(ordered),
            warnings=report_issues(warnings),
            slos=[],
        )
        typer.echo(report.model_dump_json())
    for issue in ordered:
        typer.echo(str(issue), err=True)
    raise typer.Exit(EXIT_USAGE)


def load_checked(sources: dict[str, str]) -> SloSet:
    """The SLOs of ``sources``, their ``alerting:`` and ``health_checks:`` sections checked
    too: one SpecError with every problem of both."""
    issues: list[SpecIssue] = []
    warnings: tuple[SpecIssue, ...] = ()
    loaded = None
    try:
        loaded = load(sources)
    except SpecError as exc:
        issues += exc.issues
        warnings = exc.warnings
    try:
        load_alerting(sources)
    except SpecError as exc:
        issues += exc.issues
    if issues or loaded is None:
        ordered = sorted(set(issues), key=lambda i: (i.source, i.line, i.column, i.field))
        raise SpecError(ordered, warnings)
    return loaded


def _warn(warnings: Iterable[SpecIssue]) -> None:
    for warning in warnings:
        where = f"{warning.source}:{warning.line}:{warning.column}"
        field = f"{warning.field}: " if warning.field else ""
        typer.echo(f"{where}: warning: {field}{warning.message}", err=True)


def parse_instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at wants an ISO-8601 instant, got {text!r}") from None
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return check_instant(instant, "the evaluation instant")


@slo_app.command("status")
def status_command(
    ctx: typer.Context,
    *,
    slos: Annotated[
        Path | None, typer.Option("--slos", help="SLO file or directory [settings: slo.slos_dir].")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Evaluate as of this ISO-8601 instant [now].")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document: evaluated_at, slos.")
    ] = False,
    fail_on_breach: Annotated[
        bool, typer.Option("--fail-on-breach", help="Exit 1 when an SLO is breached.")
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Embedded store directory [./sloscope-data].")
    ] = None,
    dsn: Annotated[str | None, typer.Option(help="Store DSN (overrides --data-dir).")] = None,
) -> None:
    """Every SLO's SLI, error budget, burn rates and latency, as a table or JSON."""
    with engine_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        instant = parse_instant(at)
        sources = read_sources([slos or settings.slo.slos_dir])
        server = find_running_server(settings.store)
        if server is not None:
            body = {"files": sources, "at": instant.isoformat()}
            answer = post_json(server.api_url, "/api/slos/status", body, api_token(settings))
            report = StatusReport.model_validate(answer)
        else:
            slo_set = load(sources)
            store = open_store(settings.store.options(), migrate=False)
            try:
                report = status(store, slo_set, instant)
            finally:
                store.close()
        typer.echo(report.model_dump_json(indent=2) if as_json else render_table(report))
        if fail_on_breach and any(s.status == "breached" for s in report.slos):
            raise typer.Exit(EXIT_BREACH)


def _pct(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.3g}{unit}"


def render_table(report: StatusReport) -> str:
    header = ["SLO", "STATUS", "SLI", "OBJECTIVE", "BUDGET LEFT", "BURN 1h", "P99", "NOTES"]
    rows = [header]
    for s in report.slos:
        p99 = s.latency.p99 if s.latency else None
        rows.append(
            [
                s.name,
                s.status,
                _pct(s.sli),
                _pct(s.objective),
                _pct(s.error_budget.remaining, 1),
                _num(s.burn_rates.get("1h")),
                _num(p99, "s"),
                "; ".join(s.notes),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    lines.append(f"evaluated at {report.evaluated_at.isoformat()}")
    return "\n".join(line.rstrip() for line in lines)
