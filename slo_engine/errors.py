"""Errors the SLO engine raises, grouped by what the caller can do about them.

    SloEngineError
    ├── SpecError          SLO files that do not validate; fix them (exit 2, HTTP 422)
    ├── InvalidRequest     a bad argument: an unknown time zone, a month that does not parse
    └── EvaluationError    the store answered something the engine cannot use

Store failures stay the processor's errors (``QueryFailed``, ``StoreUnavailable``).
Bugs stay ``TypeError``/``RuntimeError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SloEngineError(Exception):
    """Root of every error the SLO engine raises on purpose."""


@dataclass(frozen=True, slots=True)
class SpecIssue:
    """One problem in an SLO file, with where it is."""

    source: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class SpecError(SloEngineError):
    """SLO files with errors; ``issues`` lists every one of them, ``warnings`` what else
    was found (shown with the errors, never a reason to refuse)."""

    def __init__(self, issues: Sequence[SpecIssue], warnings: Sequence[SpecIssue] = ()) -> None:
        self.issues = tuple(issues)
        self.warnings = tuple(warnings)
        first = str(self.issues[0]) if self.issues else "invalid SLO spec"
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        super().__init__(first + more)


class InvalidRequest(SloEngineError):
    """An argument the engine cannot use (a time zone, a month, an instant)."""


class EvaluationError(SloEngineError):
    """The store's answer cannot be turned into SLO results."""
