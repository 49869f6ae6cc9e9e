"""Models that take exactly one of several optional fields: a channel's target, a
health check's probe."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel


def exactly_one(model: BaseModel, fields: Sequence[str]) -> str:
    """The one field of ``fields`` that ``model`` sets; ``ValueError`` naming what was
    found when it is none or several."""
    found = [name for name in fields if getattr(model, name) is not None]
    if len(found) != 1:
        given = ", ".join(found) or "none"
        raise ValueError(f"give exactly one of {', '.join(fields)} (found: {given})")
    return found[0]
