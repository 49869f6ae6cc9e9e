"""The JSON contract of the SLO series (``GET /api/slos/{name}``, the overview's
sparklines): columns, one entry per instant of ``times``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SloSeries(BaseModel):
    """One SLO (one set of ``per`` values) at each instant of ``times``: its window's
    ``good``/``total`` requests, the SLI, the error budget left (fraction and seconds)
    and the burn rate of each window by label (``5m``, ``1h``, ...). None where a window
    had no request, where a window is shorter than ``grain_seconds`` (the rollup read), or
    for every entry when ``unsupported`` says why the SLO has no series."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    slo: str
    service: str
    objective: float
    step_seconds: int
    grain_seconds: int
    times: list[datetime]
    good: list[float | None]
    total: list[float | None]
    sli: list[float | None]
    budget_remaining: list[float | None]
    budget_remaining_seconds: list[float | None]
    burn_rates: dict[str, list[float | None]]
    unsupported: str | None = None
