"""The store's DDL as a script, for ``sloscope schema``: what ``open_store`` runs on an
empty store, statement by statement, with the names written in, so that an operator can
read it, review it and run it with ``clickhouse-client --multiquery``."""

from __future__ import annotations

import string

from processor._cluster import Layout, Statement
from processor._migrations import DdlOptions, planned_migrations
from processor.store import MIGRATIONS_TABLE

_RECORD = string.Template("INSERT INTO `${DATABASE}`.`${TABLE}` (Version, Name) VALUES ${ROWS}")


def schema_statements(database: str, options: DdlOptions) -> list[Statement]:
    """The databases, the migrations table and every migration's statements, in order."""
    layout = Layout(database, options.cluster)
    bookkeeping, planned = planned_migrations(database, options)
    statements = [*layout.databases(), *bookkeeping]
    for _, placed in planned:
        statements.extend(placed)
    return statements


def schema_script(database: str, options: DdlOptions) -> str:
    """The script: a header saying what it is for, the statements, the versions record."""
    layout = Layout(database, options.cluster)
    _, planned = planned_migrations(database, options)
    versions = ", ".join(f"({m.version}, '{m.name}')" for m, _ in planned)
    record = _RECORD.substitute(DATABASE=database, TABLE=MIGRATIONS_TABLE, ROWS=versions)
    where = (
        "one server (or the embedded engine)"
        if options.cluster is None
        else f"cluster `{options.cluster}`, "
        + ("replicated" if options.replicated else "not replicated")
        + f", rows in `{layout.storage_database}`, Distributed tables in `{database}`"
    )
    retention = f"{options.retention_days} days" if options.retention_days else "kept forever"
    header = [
        f"-- sloscope schema for {where}",
        f"-- database `{database}`; raw rows and minute rollups: {retention}",
        f"-- migrations {planned[0][0].name} .. {planned[-1][0].name}",
        "-- run: clickhouse-client --multiquery < schema.sql (or: sloscope schema --apply DSN)",
    ]
    statements = schema_statements(database, options)
    databases = len(layout.databases())
    body = [s.printable() for s in statements[:databases]]
    # Views resolve the tables they name without a database in the current one.
    body.append(f"USE `{database}`")
    body.extend(s.printable() for s in statements[databases:])
    body.append(record)
    return "\n".join(header) + "\n\n" + ";\n\n".join(body) + ";\n"
