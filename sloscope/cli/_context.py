"""What every command shares: global options, settings, and turning errors into exits.

A user's mistake (a bad flag, a bad config or SLO file, an unreachable store) ends with
one ``error: ...`` line on stderr and exit code 2; the traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import click
import pydantic
import typer

from processor.errors import ProcessorError
from sloscope.cli._exit import EXIT_USAGE
from sloscope.config import ConfigFileError, Settings
from sloscope.errors import SloscopeError

# The options every command that opens the store takes.
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Embedded store directory [./sloscope-data].")
]
DsnOption = Annotated[str | None, typer.Option("--dsn", help="Store DSN (overrides --data-dir).")]


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    config_file: Path | None
    debug: bool


def global_options(ctx: typer.Context) -> GlobalOptions:
    options = ctx.find_root().obj
    if not isinstance(options, GlobalOptions):
        return GlobalOptions(config_file=None, debug=False)
    return options


def load_settings(ctx: typer.Context, flags: Mapping[str, Any]) -> Settings:
    """Settings with the flags the user passed (None values are dropped)."""
    return Settings.load(_without_none(flags), global_options(ctx).config_file)


def api_token(settings: Settings) -> str | None:
    """The API token the running server wants, from the same settings it reads."""
    return settings.api.token.get_secret_value() if settings.api.token is not None else None


def _without_none(flags: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in flags.items():
        if isinstance(value, Mapping):
            nested = _without_none(value)
            if nested:
                cleaned[key] = nested
        elif value is not None:
            cleaned[key] = value
    return cleaned


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the returned Exit."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def user_errors(ctx: typer.Context) -> Iterator[None]:
    """Turn the errors a user can cause into one line and exit code 2."""
    try:
        yield
    except (ProcessorError, SloscopeError, ConfigFileError) as exc:
        if global_options(ctx).debug:
            raise
        raise fail(str(exc)) from None
    except pydantic.ValidationError as exc:
        if global_options(ctx).debug:
            raise
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            typer.echo(f"error: {where}: {error['msg']}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def echo_stderr(message: str) -> None:
    click.echo(message, err=True)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
