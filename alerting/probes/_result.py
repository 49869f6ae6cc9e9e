"""What one run of a check found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One run of the check ``name`` of ``service``. ``detail`` says what was seen (the
    status and size of an HTTP answer, why a connection failed); ``tls_days_left`` is
    set for an HTTPS check."""

    name: str
    service: str
    up: bool
    duration_s: float
    detail: str
    checked_at: datetime
    tls_days_left: float | None = None
