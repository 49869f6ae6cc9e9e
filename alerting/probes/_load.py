"""The ``health_checks:`` lists of the SLO files, each problem at its file:line:col.

The lists of every file add up to one set of checks (a dependency may name a check of
another file). Pure, as the SLO engine's ``load`` is: the same bounded safe YAML
composer and the same ``SpecError`` listing every problem.
"""

from __future__ import annotations

from collections.abc import Mapping

import pydantic

from alerting.probes._config import HealthCheck, list_problems
from slo_engine import SpecError, SpecIssue
from slo_engine._spec_issues import pydantic_issues
from slo_engine._yaml_nodes import Document, compose_documents

SECTION = "health_checks"
_CHECK = pydantic.TypeAdapter(HealthCheck)


def load_health_checks(sources: Mapping[str, str]) -> tuple[HealthCheck, ...]:
    """Every check in ``sources`` (name -> YAML text); SpecError lists what is wrong."""
    issues: list[SpecIssue] = []
    found: list[tuple[HealthCheck, Document, int]] = []
    for source, text in sources.items():
        documents, yaml_issues = compose_documents(text, source)
        issues += yaml_issues
        for document in documents:
            raw = document.data.get(SECTION) if isinstance(document.data, dict) else None
            if raw is None:
                continue
            if not isinstance(raw, list):
                issues.append(document.issue((SECTION,), "a list of checks is expected"))
                continue
            for index, item in enumerate(raw):
                path = (SECTION, index)
                try:
                    found.append((_CHECK.validate_python(item), document, index))
                except pydantic.ValidationError as exc:
                    issues += pydantic_issues(document, exc, path, path)
    checks = [check for check, _, _ in found]
    _raise_any(issues)  # a check left out would show up again as an unknown dependency
    for position, field, message in list_problems(checks):
        _, document, index = found[position]
        issues.append(document.issue((SECTION, index, field), message))
    _raise_any(issues)
    return tuple(checks)


def _raise_any(issues: list[SpecIssue]) -> None:
    if issues:
        raise SpecError(sorted(set(issues), key=lambda i: (i.source, i.line, i.column)))
