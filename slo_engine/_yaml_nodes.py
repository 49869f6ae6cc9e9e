"""YAML documents with the position of every value, for errors that cite file:line:col.

``compose_documents`` builds plain Python data from PyYAML's node graph (SafeLoader's
composer, so no tags beyond the safe ones) and records, for every path of keys and
indexes, where its value starts (and for mapping entries, where the key starts).
Duplicate keys, which PyYAML silently overwrites, are reported as errors.

YAML can be made to cost far more than its size: an alias repeats a whole subtree, so a
few hundred bytes of nested aliases (a "billion laughs") expand to billions of nodes,
and deep nesting exhausts the stack. Each document is therefore held to a budget before
anything is expanded: at most ``MAX_DEPTH`` levels of nesting, counted while composing,
and at most ``MAX_NODES`` nodes with every alias counted as the nodes it repeats,
counted on the composed graph (each node once, so a bomb is refused in milliseconds).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from slo_engine.errors import SpecIssue

Path = tuple[str | int, ...]

MAX_DEPTH = 64
MAX_NODES = 200_000


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document: its data and the (line, column) of every path, 1-based."""

    source: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Sequence[str | int]) -> tuple[int, int]:
        """The position of the longest prefix of ``path`` that has one."""
        parts = tuple(path)
        while parts:
            found = self.positions.get(parts)
            if found is not None:
                return found
            parts = parts[:-1]
        return self.positions.get((), (1, 1))

    def issue(self, path: Sequence[str | int], message: str, prefix: Path = ()) -> SpecIssue:
        line, column = self.position((*prefix, *path))
        return SpecIssue(self.source, line, column, dotted(path), message)


def dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def compose_documents(text: str, source: str) -> tuple[list[Document], list[SpecIssue]]:
    """Every document in ``text`` with positions, or the YAML error as an issue."""
    documents: list[Document] = []
    issues: list[SpecIssue] = []
    try:
        for node in _nodes(text):
            _check_size(node)
            positions: dict[Path, tuple[int, int]] = {}
            data = _convert(node, (), positions, issues, source)
            documents.append(Document(source, data, positions))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        issues.append(SpecIssue(source, line, column, "", f"invalid YAML: {problem}"))
    except yaml.YAMLError as exc:
        issues.append(SpecIssue(source, 1, 1, "", f"invalid YAML: {exc}"))
    return documents, issues


class _BudgetError(yaml.MarkedYAMLError):
    """A document over the depth or node budget (located like any YAML error)."""


class _DepthLimitedLoader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than ``MAX_DEPTH``.

    The composer recurses per level, so a deep document would end in RecursionError;
    and the scanner keeps one pending simple key per open flow collection (``[[[...``),
    checking them all at every token, so the flow depth is capped as it is scanned.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def fetch_more_tokens(self) -> None:
        super().fetch_more_tokens()
        if self.flow_level > MAX_DEPTH:
            mark = self.get_mark()
            raise _BudgetError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _BudgetError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_size(root: yaml.Node) -> None:
    """Refuse a document that expands beyond ``MAX_NODES`` nodes or ``MAX_DEPTH`` levels,
    or that holds itself.

    Aliases are the nodes they name, so the document is a graph: sizes and heights are
    memoised per node, so a node that many aliases repeat is measured once, and a node
    met again while it is being measured is an alias inside its own anchor.
    """
    measured: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()

    def refuse(node: yaml.Node, problem: str) -> _BudgetError:
        return _BudgetError(None, None, problem, node.start_mark)

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        size, height = measured.get(key, (0, 0))
        if key in open_nodes:
            raise refuse(node, "an alias refers to a node that holds it")
        if depth + height > MAX_DEPTH:
            raise refuse(node, f"nested deeper than {MAX_DEPTH} levels once aliases expand")
        if key in measured:
            return size, height
        open_nodes.add(key)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        parts = [measure(child, depth + 1) for child in children]
        open_nodes.discard(key)
        result = (
            min(1 + sum(part[0] for part in parts), MAX_NODES + 1),
            1 + max((part[1] for part in parts), default=0),
        )
        measured[key] = result
        return result

    if measure(root, 0)[0] > MAX_NODES:
        raise refuse(
            root,
            f"the document expands to more than {MAX_NODES:,} nodes "
            "(an alias counts as the nodes it repeats)",
        )


def _nodes(text: str) -> Iterator[yaml.Node]:
    loader = _DepthLimitedLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def _convert(
    node: yaml.Node,
    path: Path,
    positions: dict[Path, tuple[int, int]],
    issues: list[SpecIssue],
    source: str,
) -> Any:
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int | float | bool) or isinstance(key, bool):
                key = str(key)
            child = (*path, key if isinstance(key, str | int) else str(key))
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                issues.append(SpecIssue(source, *where, dotted(child), "duplicate key"))
            positions[child] = where
            result[key] = _convert(value_node, child, positions, issues, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), positions, issues, source)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    return f"<{node.tag}>"
