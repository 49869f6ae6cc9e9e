"""``sloscope query``: one read-only SQL query against the store, wherever it is held."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from processor import open_store
from sloscope._api_client import post_json
from sloscope._local_server import find_running_server
from sloscope.api._query import is_read_statement, read_only_settings
from sloscope.cli._context import load_settings, user_errors
from sloscope.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("query")(query)


def query(
    ctx: typer.Context,
    *,
    sql: Annotated[
        str, typer.Argument(help="A SELECT; values as {name:Type} with --param name=value.")
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
    """Run a read-only query. Goes through the API when `sloscope serve` holds the store."""
    with user_errors(ctx):
        if as_json and as_csv:
            raise UsageError("--json and --csv exclude each other")
        parameters = _parameters(param or [])
        if not is_read_statement(sql):
            raise UsageError("only SELECT queries are allowed")
        settings = load_settings(ctx, {"store": {"data_dir": data_dir, "dsn": dsn}})
        server = find_running_server(settings.store)
        if server is not None:
            answer = post_json(server.api_url, "/api/query", {"sql": sql, "parameters": parameters})
            columns, types, rows = answer["columns"], answer["types"], answer["rows"]
        else:
            store = open_store(settings.store.options(), migrate=False)
            try:
                limits = read_only_settings(
                    settings.api.query_max_rows, settings.api.query_timeout_s
                )
                session = store.read_only(limits)
                names, type_names, result = session.query_typed(sql, parameters)
                session.close()
            finally:
                store.close()
            columns, types, rows = list(names), list(type_names), [list(row) for row in result]
        typer.echo(_render(columns, types, rows, as_json, as_csv), nl=False)


def _parameters(pairs: list[str]) -> dict[str, str]:
    parameters = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param wants name=value, got {pair!r}")
        parameters[name] = value
    return parameters


def _render(
    columns: list[str], types: list[str], rows: list[list[Any]], as_json: bool, as_csv: bool
) -> str:
    if as_json:
        return json.dumps({"columns": columns, "types": types, "rows": rows}, default=str) + "\n"
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue()
    return _table(columns, rows)


def _table(columns: list[str], rows: list[list[Any]]) -> str:
    cells = [columns, *[[_cell(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines) + f"\n({len(rows)} rows)\n"


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
