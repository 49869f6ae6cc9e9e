"""Bodies of the alert API's write routes (pydantic, the trust boundary): bounded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from alerting._matchers import MatchersSpec

Actor = Annotated[str, Field(min_length=1, max_length=256)]
Note = Annotated[str, Field(max_length=4096)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChangeRequest(_In):
    """``POST /api/alerts/{id}/ack`` and ``/resolve``: who, and an optional note."""

    by: Actor
    note: Note = ""


class AnnotationRequest(_In):
    """``POST /api/alerts/{id}/annotations``."""

    by: Actor
    kind: Literal["note", "action", "resolution"] = "note"
    text: Annotated[str, Field(min_length=1, max_length=4096)]


class SilenceRequest(_In):
    """``POST /api/silences``: matchers as in the files, from ``starts_at`` (now) to
    ``ends_at``."""

    matchers: MatchersSpec
    starts_at: datetime | None = None
    ends_at: datetime
    by: Actor
    comment: Note = ""


class ExpireRequest(_In):
    """``DELETE /api/silences/{id}``: who ends the silence (it is kept, ended now)."""

    by: Actor
