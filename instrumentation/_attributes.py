"""Interned attribute dictionaries for observations: one dict object per distinct set."""

from __future__ import annotations

from opentelemetry.util.types import AttributeValue

__all__ = ["AttributeSets"]

_Key = tuple[tuple[str, AttributeValue], ...]


class AttributeSets:
    """``get(("cpu.mode", "user"))`` returns the same dict for the same pairs every time."""

    __slots__ = ("_sets",)

    def __init__(self) -> None:
        self._sets: dict[_Key, dict[str, AttributeValue]] = {}

    def get(self, *pairs: tuple[str, AttributeValue]) -> dict[str, AttributeValue]:
        found = self._sets.get(pairs)
        if found is None:
            found = self._sets[pairs] = dict(pairs)
        return found
