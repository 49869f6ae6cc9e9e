"""OpenSLO objects as read from every file given, found by kind and name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slo_engine._openslo import Metadata
from slo_engine._spec_issues import Findings, Where


@dataclass(frozen=True, slots=True)
class OpenSloObject:
    """One top-level object: its kind, metadata, validated ``spec`` model and place."""

    kind: str
    metadata: Metadata
    spec: Any
    where: Where

    @property
    def name(self) -> str:
        return self.metadata.name


class Catalog:
    """Top-level objects by (kind, name) across all files; a second object of the same
    kind and name is an error (references would be ambiguous)."""

    def __init__(self, objects: Sequence[OpenSloObject], findings: Findings) -> None:
        self._objects: dict[tuple[str, str], OpenSloObject] = {}
        for obj in objects:
            first = self._objects.setdefault((obj.kind, obj.name), obj)
            if first is not obj:
                findings.error(
                    obj.where,
                    ("metadata", "name"),
                    f"a second {obj.kind} named {obj.name!r} "
                    f"(the first is at {first.where.source}:{first.where.line})",
                )

    def find(self, kind: str, name: str) -> OpenSloObject | None:
        return self._objects.get((kind, name))

    def of_kind(self, kind: str) -> list[OpenSloObject]:
        return [obj for (found, _), obj in self._objects.items() if found == kind]
