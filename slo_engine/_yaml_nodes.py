"""YAML documents with the position of every value, for errors that cite file:line:col.

``compose_documents`` builds plain Python data from PyYAML's node graph (SafeLoader's
composer, so no tags beyond the safe ones) and records, for every path of keys and
indexes, where its value starts (and for mapping entries, where the key starts).
Duplicate keys, which PyYAML silently overwrites, are reported as errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from slo_engine.errors import SpecIssue

Path = tuple[str | int, ...]


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


def _nodes(text: str) -> Iterator[yaml.Node]:
    loader = yaml.SafeLoader(text)
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
