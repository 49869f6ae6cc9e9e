"""Problems in SLO files, each at its file:line:col: pydantic's errors mapped onto YAML
positions, and ``Where`` an object sits, for the checks that run after pydantic.

An object's errors are reported where the object is written: an SLI referenced by an SLO
in another file is checked once, at its own lines, not at the SLO that names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pydantic

from slo_engine._yaml_nodes import Document, Path, dotted
from slo_engine.errors import SpecIssue


def pydantic_issues(
    document: Document,
    exc: pydantic.ValidationError,
    prefix: Path = (),
    shown: Path = (),
) -> list[SpecIssue]:
    """One issue per error, located by its cleaned ``loc`` under ``prefix``; the field
    named from ``shown`` on; union noise removed."""
    found: dict[Path, str] = {}
    for error in exc.errors():
        path = _clean_loc(document.data, prefix, error["loc"], error["type"])
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        found.setdefault(path, message)
    deepest = [p for p in found if not any(o != p and o[: len(p)] == p for o in found)]
    issues = []
    for path in deepest:
        line, column = document.position((*prefix, *path))
        issues.append(
            SpecIssue(document.source, line, column, dotted((*shown, *path)), found[path])
        )
    return issues


def _clean_loc(data: Any, prefix: Path, loc: Sequence[str | int], kind: str) -> Path:
    """The data path of a pydantic ``loc``: union member tags dropped."""
    current = data
    for part in prefix:
        current = _child(current, part)
    kept: list[str | int] = []
    for position, part in enumerate(loc):
        child = _child(current, part)
        if child is not _ABSENT:
            kept.append(part)
            current = child
        elif position == len(loc) - 1 and kind in ("missing", "extra_forbidden"):
            kept.append(part)
    return tuple(kept)


_ABSENT = object()


def _child(current: Any, part: str | int) -> Any:
    if isinstance(current, dict) and part in current:
        return current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return current[part]
    return _ABSENT


@dataclass(frozen=True, slots=True)
class Where:
    """A part of a document: ``root`` leads to its object (a top-level list's index, not
    shown in messages), ``shown`` from the object to the part (shown)."""

    document: Document
    root: Path = ()
    shown: Path = ()

    def inner(self, *path: str | int) -> Where:
        return Where(self.document, self.root, (*self.shown, *path))

    def issue(self, path: Sequence[str | int], message: str) -> SpecIssue:
        return self.document.issue((*self.shown, *path), message, self.root)

    def pydantic_issues(self, exc: pydantic.ValidationError) -> list[SpecIssue]:
        return pydantic_issues(self.document, exc, (*self.root, *self.shown), self.shown)

    @property
    def line(self) -> int:
        return self.document.position((*self.root, *self.shown))[0]

    @property
    def source(self) -> str:
        return self.document.source


@dataclass
class Findings:
    """Errors refuse the files; warnings are shown and change nothing."""

    issues: list[SpecIssue] = field(default_factory=list)
    warnings: list[SpecIssue] = field(default_factory=list)

    def error(self, where: Where, path: Sequence[str | int], message: str) -> None:
        self.issues.append(where.issue(path, message))

    def warn(self, where: Where, path: Sequence[str | int], message: str) -> None:
        self.warnings.append(where.issue(path, message))
