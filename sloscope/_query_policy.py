"""What a user's query may be, decided on ClickHouse's own parse of it.

The text is parsed by the engine that will run it (``parseQueryToJSON``: the parser
alone, the SQL passed as a value, so nothing in it runs) and the syntax tree is walked
here. The rules are allowlists wherever the engine lets us write one:

* **Statements**: ``SELECT`` (with ``UNION``/``INTERSECT``/``EXCEPT``), ``EXPLAIN`` of
  such a ``SELECT``, ``SHOW TABLES`` and ``SHOW COLUMNS`` of the store, and ``DESCRIBE``
  of a store table (``describe_target``; its tree has no JSON form, so it is read from
  the engine's canonical one-line rendering). Everything else is refused by kind.
* **Syntax**: only the node types a read needs; one not listed is refused by name,
  so syntax a later ClickHouse adds is refused until it is looked at.
* **Tables**: a name in ``FROM``/``JOIN`` (or on the right of ``IN``) is a table of the
  store's database or a ``WITH`` name of the query. No table functions at all.
* **Functions**: the engine's own catalogue (``system.functions``) sorted by category:
  arithmetic, strings, dates, arrays, aggregates and the like are allowed; the
  categories that reach outside the query (files, dictionaries, introspection, AI,
  server and session state) are not, nor is a function that is not in the catalogue;
  a short list of harmless ones from the "Other" category is allowed by name.
* **Clauses**: no ``INTO OUTFILE``, ``FORMAT`` or ``SETTINGS``, at any depth.

Query parameters are allowed as ``{name:Type}``; one that names a table
(``{db:Identifier}``) is resolved before the table rule is applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from sloscope.errors import QueryRefused

# Categories of system.functions whose functions compute on their arguments alone.
ALLOWED_CATEGORIES: Final = frozenset(
    {
        "Aggregate Functions",
        "Arithmetic",
        "Arrays",
        "Bit",
        "Bitmap",
        "Comparison",
        "Conditional",
        "Dates and Times",
        "Distance",
        "Encoding",
        "Financial",
        "Geo",
        "Geo Polygon",
        "Hash",
        "IP Address",
        "JSON",
        "Logical",
        "Map",
        "Mathematical",
        "Null",
        "NumericIndexedVector",
        "Random Number",
        "Rounding",
        "String",
        "String Replacement",
        "String Search",
        "String Splitting",
        "Time Series",
        "Time Window",
        "Tuple",
        "Type Conversion",
        "URL",
        "UUID",
    }
)
# Harmless functions of the mixed "Other" and "Internal" categories (the rest of them
# read files, settings, the host, other tables or the server's state).
ALLOWED_FUNCTIONS: Final = frozenset(
    {
        "_CAST",
        "bar",
        "blockNumber",
        "blockSize",
        "byteSize",
        "caseWithExpression",
        "countDigits",
        "currentDatabase",
        "defaultValueOfArgumentType",
        "defaultValueOfTypeName",
        "dumpColumnStructure",
        "errorCodeToName",
        "finalizeAggregation",
        "formatReadableDecimalSize",
        "formatReadableQuantity",
        "formatReadableSize",
        "formatReadableTimeDelta",
        "getSizeOfEnumType",
        "getSubcolumn",
        "identity",
        "ignore",
        "indexHint",
        "initializeAggregation",
        "isConstant",
        "isDecimalOverflow",
        "materialize",
        "neighbor",
        "parseReadableSize",
        "parseReadableSizeOrNull",
        "parseReadableSizeOrZero",
        "parseTimeDelta",
        "rowNumberInAllBlocks",
        "rowNumberInBlock",
        "runningAccumulate",
        "runningDifference",
        "runningDifferenceStartingWithFirstValue",
        "sleep",
        "sleepEachRow",
        "throwIf",
        "toColumnTypeName",
        "toTypeName",
        "transform",
        "variantElement",
        "variantType",
        "version",
        "visibleWidth",
    }
)
# Made by the parser from syntax (``x -> x + 1``, ``EXISTS (SELECT ...)``, ``GROUPING``),
# not listed in system.functions.
SYNTAX_FUNCTIONS: Final = frozenset({"exists", "grouping", "lambda"})
# Their right-hand side may name a table: ``x IN db.table``.
IN_FUNCTIONS: Final = frozenset(
    {
        "globalIn",
        "globalNotIn",
        "globalNotNullIn",
        "globalNullIn",
        "in",
        "notIn",
        "notNullIn",
        "nullIn",
    }
)
NODE_TYPES: Final = frozenset(
    {
        "ArrayJoin",
        "Asterisk",
        "ColumnsApplyTransformer",
        "ColumnsExceptTransformer",
        "ColumnsListMatcher",
        "ColumnsRegexpMatcher",
        "ColumnsReplaceTransformer",
        "ColumnsReplaceTransformerReplacement",
        "ColumnsTransformerList",
        "ExpressionList",
        "Function",
        "Identifier",
        "InterpolateElement",
        "Literal",
        "OrderByElement",
        "QualifiedAsterisk",
        "QualifiedColumnsListMatcher",
        "QualifiedColumnsRegexpMatcher",
        "QueryParameter",
        "SampleRatio",
        "SelectQuery",
        "SelectWithUnionQuery",
        "Subquery",
        "TableExpression",
        "TableIdentifier",
        "TableJoin",
        "TablesInSelectQuery",
        "TablesInSelectQueryElement",
        "WindowDefinition",
        "WindowListElement",
        "WithElement",
    }
)
EXPLAIN_KINDS: Final = frozenset(
    {
        "EXPLAIN",
        "EXPLAIN AST",
        "EXPLAIN SYNTAX",
        "EXPLAIN QUERY TREE",
        "EXPLAIN PLAN",
        "EXPLAIN PIPELINE",
        "EXPLAIN ESTIMATE",
    }
)
# Keys a statement may carry, beyond its own clauses; output redirection shows up as
# `out_file`, `format_ast` and `compression`, settings as `settings`/`settings_ast`.
_OUTPUT_FLAGS: Final = frozenset(
    {"type", "is_outfile_append", "is_outfile_truncate", "is_into_outfile_with_stdout"}
)
_SHOW_TABLES_KEYS: Final = _OUTPUT_FLAGS | {
    "from",
    "like",
    "not_like",
    "case_insensitive_like",
    "limit_length",
}
_SHOW_COLUMNS_KEYS: Final = _OUTPUT_FLAGS | {
    "database",
    "table",
    "like",
    "not_like",
    "case_insensitive_like",
    "full",
    "extended",
    "limit_length",
}
_CLAUSES: Final = {
    "out_file": "INTO OUTFILE",
    "format_ast": "FORMAT",
    "compression": "INTO OUTFILE ... COMPRESSION",
    "settings": "SETTINGS",
    "settings_ast": "SETTINGS",
}
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_DESCRIBE = re.compile(
    rf"^DESCRIBE TABLE (?:(?P<database>{_IDENTIFIER}|\{{{_IDENTIFIER}:Identifier\}})\.)?"
    rf"(?P<table>{_IDENTIFIER})$"
)
ALLOWED_STATEMENTS: Final = (
    "SELECT, EXPLAIN SELECT, SHOW TABLES, SHOW COLUMNS and DESCRIBE of the store's tables"
)


@dataclass(frozen=True, slots=True)
class FunctionCatalog:
    """Which function names a query may call, from the engine's own catalogue."""

    allowed: frozenset[str]
    allowed_any_case: frozenset[str]
    aggregates: frozenset[str]
    combinators: tuple[str, ...]

    @classmethod
    def from_rows(
        cls, functions: Iterable[tuple[str, int, int, str, str]], combinators: Iterable[str]
    ) -> FunctionCatalog:
        """From ``system.functions`` rows (name, is_aggregate, case_insensitive,
        alias_to, categories) and ``system.aggregate_function_combinators`` names.
        An alias is judged by the function it stands for."""
        rows = {row[0]: row for row in functions}

        def allowed(row: tuple[str, int, int, str, str]) -> bool:
            target = rows.get(row[3] or row[0], row)
            named = {part.strip() for part in target[4].split(",") if part.strip()}
            return target[0] in ALLOWED_FUNCTIONS or (bool(named) and named <= ALLOWED_CATEGORIES)

        kept = [row for row in rows.values() if allowed(row)]
        return cls(
            allowed=frozenset(row[0] for row in kept),
            allowed_any_case=frozenset(row[0].lower() for row in kept if row[2]),
            aggregates=frozenset(row[0] for row in kept if row[1]),
            combinators=tuple(sorted(combinators, key=len, reverse=True)),
        )

    def allows(self, name: str) -> bool:
        if name in self.allowed or name in SYNTAX_FUNCTIONS:
            return True
        if name.lower() in self.allowed_any_case:
            return True
        return self._combined_aggregate(name)

    def _combined_aggregate(self, name: str) -> bool:
        """``sumIf``, ``quantilesTDigestMergeOrNull``: an allowed aggregate plus suffixes."""
        for suffix in self.combinators:
            base = name.removesuffix(suffix)
            if (
                base != name
                and base
                and (base in self.aggregates or self._combined_aggregate(base))
            ):
                return True
        return False


@dataclass(frozen=True, slots=True)
class StoreTables:
    """The store's database and the tables in it: all a query may read."""

    database: str
    tables: frozenset[str]


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """A query the policy lets through, and the parameters (name -> type) it uses."""

    parameters: Mapping[str, str] = field(default_factory=dict)


def check_tree(
    tree: Mapping[str, Any],
    store: StoreTables,
    catalog: FunctionCatalog,
    values: Mapping[str, Any],
) -> CheckedQuery:
    """Check a ``parseQueryToJSON`` tree; QueryRefused names what was refused."""
    kind = tree.get("type")
    walker = _Walker(store, catalog, values, _with_names(tree))
    if kind == "SelectWithUnionQuery":
        walker.visit(tree)
    elif kind == "ExplainQuery":
        _check_keys(tree, _OUTPUT_FLAGS | {"kind", "query"}, "EXPLAIN")
        if tree.get("kind") not in EXPLAIN_KINDS:
            raise QueryRefused(f"refused: {tree.get('kind')} (only {ALLOWED_STATEMENTS} run here)")
        inner = tree.get("query", {})
        if inner.get("type") != "SelectWithUnionQuery":
            raise QueryRefused(f"refused: EXPLAIN of anything but a SELECT ({ALLOWED_STATEMENTS})")
        walker.visit(inner)
    elif kind == "ShowTablesQuery":
        _check_keys(tree, _SHOW_TABLES_KEYS, "SHOW")
        source = tree.get("from")
        if source is not None and walker.name_parts(source) != [store.database]:
            raise QueryRefused(f"refused: SHOW TABLES of a database other than {store.database}")
    elif kind == "ShowColumnsQuery":
        _check_keys(tree, _SHOW_COLUMNS_KEYS, "SHOW COLUMNS")
        walker.table([*([tree["database"]] if tree.get("database") else []), tree.get("table", "")])
    else:
        raise QueryRefused(f"refused: {_statement_name(kind)} (only {ALLOWED_STATEMENTS} run here)")
    _check_clauses(tree)
    return CheckedQuery(dict(walker.parameters))


def check_describe(canonical: str, store: StoreTables, values: Mapping[str, Any]) -> CheckedQuery:
    """Check a statement without a JSON tree from its canonical one-line form
    (``formatQuerySingleLine``): only ``DESCRIBE TABLE [db.]table`` of the store."""
    match = _DESCRIBE.match(canonical)
    if match is None:
        first = " ".join(canonical.split()[:2]) or "an empty statement"
        if first.startswith("DESCRIBE"):
            raise QueryRefused(
                f"refused: {canonical[:120]}: DESCRIBE reads only the store's tables"
            )
        raise QueryRefused(f"refused: {first} (only {ALLOWED_STATEMENTS} run here)")
    parameters: dict[str, str] = {}
    database = match.group("database")
    if database is not None and database.startswith("{"):
        name = database[1:].split(":")[0]
        parameters[name] = "Identifier"
        database = _identifier_value(name, values)
    check_table([*([database] if database else []), match.group("table")], store, frozenset())
    return CheckedQuery(parameters)


def require_placeholders(sql: str, checked: CheckedQuery) -> None:
    """Each parameter must be written ``{name:Type}`` exactly: the client binds values
    server-side only when it sees that form (and would %-format the text otherwise)."""
    for name, type_name in checked.parameters.items():
        if not re.search(rf"\{{{re.escape(name)}:[^}}]+\}}", sql):
            written = f"{{{name}:{type_name.strip()}}}"
            raise QueryRefused(f"write the parameter {name} as {written}, without spaces")


class _Walker:
    def __init__(
        self,
        store: StoreTables,
        catalog: FunctionCatalog,
        values: Mapping[str, Any],
        with_names: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.values = values
        self.with_names = with_names
        self.parameters: dict[str, str] = {}

    def visit(self, tree: Any) -> None:
        for node in _nodes(tree):
            self._check(node)

    def _check(self, node: dict[str, Any]) -> None:
        kind = node.get("type")
        if kind is None:  # a literal's value, a SETTINGS change: plain data, no user keys
            return
        if kind not in NODE_TYPES:
            raise QueryRefused(f"refused: {kind} (not part of a read the API runs)")
        _check_clauses(node)
        if kind == "TableExpression" and "table_function" in node:
            name = node["table_function"].get("name", "?")
            raise QueryRefused(f"refused: the table function {name}(): read the store's tables")
        if kind == "TableIdentifier":
            self.table(self.name_parts(node))
        elif kind == "QueryParameter":
            self.parameters[node["name"]] = node["param_type"]
        elif kind == "Function":
            self._function(node.get("name", ""))
            self._in_source(node)
        elif kind == "ColumnsApplyTransformer" and "func_name" in node:
            self._function(node["func_name"])

    def _function(self, name: str) -> None:
        if not self.catalog.allows(name):
            raise QueryRefused(
                f"refused: the function {name}() (it is unknown, or it reaches outside the "
                "query: files, URLs, other servers, dictionaries, the host or its settings)"
            )

    def _in_source(self, node: dict[str, Any]) -> None:
        if node.get("name") not in IN_FUNCTIONS:
            return
        arguments = node.get("arguments", {}).get("children", [])
        if len(arguments) == 2 and arguments[1].get("type") == "Identifier":
            parts = self.name_parts(arguments[1])
            if len(parts) > 1:
                self.table(parts)

    def name_parts(self, node: Mapping[str, Any]) -> list[str]:
        """A name's parts, query parameters (``{db:Identifier}``) resolved to their values."""
        parts = node.get("name_parts") or [node.get("name", "")]
        placeholders = iter(
            child for child in node.get("children", []) if child.get("type") == "QueryParameter"
        )
        resolved: list[str] = []
        for part in parts:
            if part:
                resolved.append(part)
                continue
            placeholder = next(placeholders, None)
            if placeholder is None:
                raise QueryRefused("refused: a name the API cannot resolve")
            self.parameters[placeholder["name"]] = placeholder["param_type"]
            resolved += _identifier_value(placeholder["name"], self.values).split(".")
        return resolved

    def table(self, parts: list[str]) -> None:
        check_table(parts, self.store, self.with_names)


def check_table(parts: list[str], store: StoreTables, with_names: frozenset[str]) -> None:
    """A table of the store (``name`` or ``database.name``) or a WITH name of the query."""
    if len(parts) == 1 and (parts[0] in store.tables or parts[0] in with_names):
        return
    if len(parts) == 2 and parts[0] == store.database and parts[1] in store.tables:
        return
    raise QueryRefused(
        f"refused: the table {'.'.join(parts)} (a query reads only the tables of "
        f"{store.database}, by name or as {{db:Identifier}}.name, and its own WITH names)"
    )


def _identifier_value(name: str, values: Mapping[str, Any]) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value:
        raise QueryRefused(f"the parameter {name} names a table or database: give it a value")
    return value


def _with_names(tree: Any) -> frozenset[str]:
    """The names of every ``WITH name AS (subquery)`` in the tree."""
    return frozenset(
        node["name"]
        for node in _nodes(tree)
        if node.get("type") == "WithElement" and isinstance(node.get("name"), str)
    )


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in the tree, iteratively: a deep tree must not exhaust the stack."""
    pending = [tree]
    while pending:
        current = pending.pop()
        if isinstance(current, list):
            pending.extend(current)
        elif isinstance(current, dict):
            yield current
            pending.extend(value for value in current.values() if isinstance(value, dict | list))


def _check_clauses(node: Mapping[str, Any]) -> None:
    for key, clause in _CLAUSES.items():
        if node.get(key):
            raise QueryRefused(f"refused: the {clause} clause (the API answers in JSON itself)")
    if node.get("type") == "SetQuery":
        raise QueryRefused("refused: the SETTINGS clause (the API answers in JSON itself)")


def _check_keys(node: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    _check_clauses(node)
    extra = sorted(key for key, value in node.items() if key not in allowed and value)
    if extra:
        raise QueryRefused(f"refused: {what} with {', '.join(extra)} ({ALLOWED_STATEMENTS})")


def _statement_name(kind: Any) -> str:
    """``InsertQuery`` -> ``INSERT``: the statement kind as a user writes it."""
    text = str(kind or "an unknown statement").removesuffix("Query")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).upper()
