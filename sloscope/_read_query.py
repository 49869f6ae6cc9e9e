"""One read query over the store's own tables: what ``POST /api/query`` runs, and what
``sloscope query`` runs when it opens the store itself (one implementation for both).

1. The query is parsed by the engine that will run it, the SQL passed as a query
   parameter, so nothing in it runs (``parseQueryToJSON``; a statement without a JSON
   form is read from ``formatQuerySingleLine``). A second statement fails this parse.
2. ``_query_policy`` decides on the tree: tables of the store, allowed functions, no
   table functions, no INTO OUTFILE/FORMAT/SETTINGS.
3. The query runs, as written, on a session whose limits were set before ``readonly = 1``
   (which stops a query from lifting them): rows, result bytes, memory and time. Only
   the parameters the query uses are bound, always server-side; ``db`` is always the
   store's database.
4. Every value is encoded as JSON (``_json_values``).

Never ``EXPLAIN`` with analysis, ``DESC`` or the query tree on a user's SQL: the analyzer
infers a table function's structure by calling it, ``url()`` included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, JsonValue

from processor.errors import QueryFailed
from processor.store import Store
from slo_engine import QUERY_SETTINGS
from sloscope._json_values import json_value
from sloscope._query_policy import (
    CheckedQuery,
    FunctionCatalog,
    StoreTables,
    check_describe,
    check_tree,
    require_placeholders,
)
from sloscope.config import ApiSettings
from sloscope.errors import QueryRefused

# Each answers one row, so that a session's own row limit never cuts them short.
PARSE_SQL: Final = "SELECT parseQueryToJSON({sql:String})"
CANONICAL_SQL: Final = "SELECT formatQuerySingleLine({sql:String})"
TABLES_SQL: Final = "SELECT groupArray(name) FROM system.tables WHERE database = {db:String}"
FUNCTIONS_SQL: Final = (
    "SELECT groupArray((name, is_aggregate, case_insensitive, alias_to, categories)) "
    "FROM system.functions"
)
COMBINATORS_SQL: Final = (
    "SELECT groupArray(name) FROM system.aggregate_function_combinators WHERE NOT is_internal"
)
# parseQueryToJSON's answer for a statement whose tree has no JSON form (DESCRIBE, ...).
NO_JSON_FORM: Final = 36  # BAD_ARGUMENTS
MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """What one query may cost; set on its session before ``readonly``."""

    max_rows: int = 10_000
    timeout_s: float = 10.0
    max_result_bytes: int = 16 * MIB
    max_memory_bytes: int = 512 * MIB

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> QueryLimits:
        return cls(
            max_rows=settings.query_max_rows,
            timeout_s=settings.query_timeout_s,
            max_result_bytes=settings.query_max_result_mib * MIB,
            max_memory_bytes=settings.query_max_memory_mib * MIB,
        )

    def session_settings(self) -> dict[str, Any]:
        """The session's settings, ``readonly`` last (``Store.read_only`` sets it last);
        the SLO engine's query settings too, since readonly refuses a query's own
        ``SETTINGS`` unless the session already holds the same values.

        ``limit`` (one row over ``max_result_rows``) is what makes ClickHouse check the
        result limits on a query without ``FROM`` at all: without it
        ``SELECT arrayJoin(range(10000000))`` or ``SELECT repeat(...)`` pass both.

        Times written as text, and functions of time without a zone, are read in UTC, as
        results are: not in the zone of the machine or of the server."""
        return {
            **QUERY_SETTINGS,
            "session_timezone": "UTC",
            "max_result_rows": self.max_rows,
            "max_result_bytes": self.max_result_bytes,
            "limit": self.max_rows + 1,
            "result_overflow_mode": "throw",
            "max_execution_time": self.timeout_s,
            "max_memory_usage": self.max_memory_bytes,
            "readonly": 1,
        }


class QueryAnswer(BaseModel):
    """``POST /api/query``'s answer and ``sloscope query --json``'s document: column
    names, ClickHouse type names, and the rows as JSON values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[str]
    types: list[str]
    rows: list[list[JsonValue]]


def open_read_session(store: Store, limits: QueryLimits) -> Store:
    """A session of its own for user queries, with ``limits`` and ``readonly = 1``."""
    return store.read_only(limits.session_settings())


def load_catalog(session: Store) -> FunctionCatalog:
    """The engine's functions, sorted into allowed and not (``_query_policy``)."""
    functions = session.query(FUNCTIONS_SQL)[0][0]
    combinators = session.query(COMBINATORS_SQL)[0][0]
    return FunctionCatalog.from_rows(functions, combinators)


def run_read_query(
    session: Store, catalog: FunctionCatalog, sql: str, parameters: Mapping[str, Any]
) -> QueryAnswer:
    """Check ``sql`` and run it on ``session``; QueryRefused says what was refused."""
    if "db" in parameters:
        raise QueryRefused("db is the store's database; it cannot be set as a parameter")
    values = {**parameters, "db": session.database}
    checked = check_query(session, catalog, sql, values)
    require_placeholders(sql, checked)
    bound = {name: values[name] for name in checked.parameters if name in values}
    try:
        names, types, rows = session.query_typed(sql, bound)
    except RecursionError:
        raise QueryRefused("the answer nests too deeply to be sent as JSON") from None
    return QueryAnswer.model_construct(
        columns=list(names), types=list(types), rows=[_row(row) for row in rows]
    )


def check_query(
    session: Store, catalog: FunctionCatalog, sql: str, values: Mapping[str, Any]
) -> CheckedQuery:
    """The query's parameters if the policy lets it through; QueryRefused otherwise."""
    tables = session.query(TABLES_SQL, {"db": session.database})[0][0]
    store = StoreTables(session.database, frozenset(tables))
    try:
        tree_text = session.query(PARSE_SQL, {"sql": sql})[0][0]
    except QueryFailed as exc:
        if exc.code != NO_JSON_FORM:
            raise
        canonical = session.query(CANONICAL_SQL, {"sql": sql})[0][0]
        return check_describe(canonical, store, values)
    try:
        tree = json.loads(tree_text)
    except RecursionError:
        raise QueryRefused("refused: the query nests too deeply to be checked") from None
    return check_tree(tree, store, catalog, values)


def _row(row: Sequence[Any]) -> list[JsonValue]:
    return [json_value(value) for value in row]
