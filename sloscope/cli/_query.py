"""``sloscope query``: one read of the store's own tables, wherever the store is held.

Through the running server's API when ``sloscope serve`` holds the store, else on a
read-only session of its own; either way the same check (``sloscope._read_query``) and
the same limits (the ``api.query_*`` settings) apply, and the same document comes out.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from pydantic import JsonValue

from processor import open_store
from sloscope._api_client import post_json
from sloscope._local_server import find_running_server
from sloscope._read_query import (
    QueryAnswer,
    QueryLimits,
    load_catalog,
    open_read_session,
    run_read_query,
)
from sloscope.cli._context import api_token, load_settings, user_errors
from sloscope.config import Settings
from sloscope.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("query")(query)


def query(
    ctx: typer.Context,
    *,
    sql: Annotated[
        str,
        typer.Argument(
            help="One SELECT over the store's tables; values as {name:Type} with --param."
        ),
    ],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A query parameter, name=value.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document: columns, types, rows.")
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header line.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="Embedded store directory [./sloscope-data].")
    ] = None,
    dsn: Annotated[str | None, typer.Option(help="Store DSN (overrides --data-dir).")] = None,
) -> None:
    """Run one read-only query. Goes through the API when `sloscope serve` holds the store."""
    with user_errors(ctx):
        if as_json and as_csv:
            raise UsageError("--json and --csv exclude each other")
        parameters = _parameters(param or [])
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        answer = _run(settings, sql, parameters)
        typer.echo(_render(answer, as_json, as_csv), nl=False)


def _run(settings: Settings, sql: str, parameters: dict[str, str]) -> QueryAnswer:
    server = find_running_server(settings.store)
    if server is not None:
        body = {"sql": sql, "parameters": parameters}
        reply = post_json(server.api_url, "/api/query", body, token=api_token(settings))
        return QueryAnswer.model_validate(reply)
    store = open_store(settings.store.options(), migrate=False)
    try:
        session = open_read_session(store, QueryLimits.from_settings(settings.api))
        try:
            return run_read_query(session, load_catalog(session), sql, parameters)
        finally:
            session.close()
    finally:
        store.close()


def _parameters(pairs: list[str]) -> dict[str, str]:
    parameters = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param wants name=value, got {pair!r}")
        parameters[name] = value
    return parameters


def _render(answer: QueryAnswer, as_json: bool, as_csv: bool) -> str:
    if as_json:
        return answer.model_dump_json() + "\n"
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(answer.columns)
        writer.writerows(answer.rows)
        return buffer.getvalue()
    return _table(answer.columns, answer.rows)


def _table(columns: list[str], rows: list[list[JsonValue]]) -> str:
    cells = [columns, *[[_cell(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines) + f"\n({len(rows)} rows)\n"


def _cell(value: JsonValue) -> str:
    return "" if value is None else str(value)
