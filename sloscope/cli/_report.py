"""``sloscope report sla``: the monthly SLA summary, as Markdown, HTML, CSV or JSON."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer

from processor import open_store
from slo_engine import (
    ReportFormat,
    SlaReport,
    load,
    read_sources,
    render_sla,
    sla_period,
    sla_report,
)
from sloscope._api_client import post_json
from sloscope._local_server import find_running_server
from sloscope.cli._context import api_token, echo_stderr, fail, load_settings
from sloscope.cli._slo import engine_errors

report_app = typer.Typer(
    name="report", help="Reports: the monthly SLA summary.", no_args_is_help=True
)

SERVER_TIMEOUT_S = 600.0


def register(app: typer.Typer) -> None:
    app.add_typer(report_app)


Progress = Callable[[int, int], None]


class TerminalProgress:
    """``sla report [#####-----] 3/9`` redrawn in place on a terminal."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self._stream.write(f"\rsla report [{bar}] {done}/{total}")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


@contextlib.contextmanager
def terminal_progress(stream: TextIO) -> Iterator[Progress | None]:
    """A progress callback when ``stream`` is a terminal, else None."""
    if not stream.isatty():
        yield None
        return
    bar = TerminalProgress(stream)
    try:
        yield bar
    finally:
        bar.close()


@report_app.command("sla")
def sla_command(
    ctx: typer.Context,
    *,
    month: Annotated[str, typer.Option("--month", help="The calendar month, YYYY-MM.")],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone of the month.")] = "UTC",
    format_: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
    ] = ReportFormat.MARKDOWN,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report to FILE instead of stdout (- is stdout)."
        ),
    ] = None,
    slos: Annotated[
        Path | None,
        typer.Option("--slos", help="SLO file or directory (default: settings slo.slos_dir)."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Embedded store directory [./sloscope-data].")
    ] = None,
    dsn: Annotated[str | None, typer.Option(help="Store DSN (overrides --data-dir).")] = None,
) -> None:
    """The monthly SLA summary: availability, downtime, incidents, MTTR, SLOs, latency."""
    with engine_errors(ctx):
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        sla_period(month, tz)
        sources = read_sources([slos or settings.slo.slos_dir])
        server = find_running_server(settings.store)
        if server is not None:
            body = {"files": sources, "month": month, "timezone": tz}
            answer = post_json(
                server.api_url,
                "/api/reports/sla",
                body,
                token=api_token(settings),
                timeout_s=SERVER_TIMEOUT_S,
            )
            report = SlaReport.model_validate(answer)
        else:
            slo_set = load(sources)
            store = open_store(settings.store.options(), migrate=False)
            try:
                with terminal_progress(sys.stderr) as progress:
                    report = sla_report(
                        store, slo_set, month, tz, datetime.now(UTC), progress=progress
                    )
            finally:
                store.close()
        rendered = render_sla(report, ReportFormat.JSON if as_json else format_)
        if output is None or str(output) == "-":
            typer.echo(rendered, nl=False)
        else:
            try:
                output.write_text(rendered, encoding="utf-8")
            except OSError as exc:
                raise fail(f"cannot write {output}: {exc.strerror}") from None
            echo_stderr(f"wrote {output}")
