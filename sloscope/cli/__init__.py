"""The ``sloscope`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sloscope.cli._context import GlobalOptions

app = typer.Typer(
    name="sloscope",
    help="OpenTelemetry metrics in, exact SLOs, error budgets, burn rates and SLA reports out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML config file (also SLOSCOPE_CONFIG).", dir_okay=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    ctx.obj = GlobalOptions(config_file=config, debug=debug)


def _register() -> None:
    # Commands live in their own modules; importing them here, after `app` exists,
    # keeps each module free to import from this package.
    from sloscope.cli import (  # noqa: PLC0415
        _alerts,
        _demo,
        _health,
        _query,
        _report,
        _schema,
        _serve,
        _slo,
        _store,
    )

    _serve.register(app)
    _query.register(app)
    _slo.register(app)
    _report.register(app)
    _schema.register(app)
    _store.register(app)
    _alerts.register(app)
    _health.register(app)
    _demo.register(app)


_register()


def main() -> None:
    """The console-script entry point."""
    app()


__all__ = ["app", "main"]
