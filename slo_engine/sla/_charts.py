"""The geometry of the SLA report's two inline SVG charts per service.

Python computes where every mark goes; ``templates/charts.html`` only writes them out,
so the markup stays in a template (autoescaped like the rest of the page) and the
arithmetic stays testable here. Daily availability is a bar per local day against the
objective; the error-budget burn-down is the downtime budget left at the end of each day
against an even burn to zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from slo_engine.sla import _text as text
from slo_engine.sla._model import SlaService


@dataclass(frozen=True)
class Box:
    """The SVG's size and the margins around its plot area, in pixels."""

    width: float = 720
    height: float = 220
    left: float = 56
    right: float = 16
    top: float = 16
    bottom: float = 36

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


BOX: Final = Box()


@dataclass(frozen=True)
class Mark:
    """A bar (``width`` and ``height``) or a dot (``width`` is its radius) with a tooltip."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    tip: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    dashed: bool = False
    title: str | None = None


@dataclass(frozen=True)
class Tick:
    """An axis label at ``(x, y)``; on the y axis it also draws a tick mark."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    label: str
    caption: str
    bars: list[Mark] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    path: list[tuple[float, float]] = field(default_factory=list)
    dots: list[Mark] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)


def _y(value: float, low: float, high: float) -> float:
    span = high - low if high > low else 1.0
    return BOX.top + BOX.plot_height * (high - value) / span


def _x(day: float, days: int) -> float:
    return BOX.left + BOX.plot_width * day / max(days, 1)


def _x_ticks(days: int, service: SlaService) -> list[Tick]:
    first = service.daily[0].date if service.daily else None
    return [
        Tick(
            _x(day + 0.5, days),
            BOX.height - BOX.bottom + 14,
            str((first + timedelta(days=day)).day) if first else str(day + 1),
        )
        for day in range(0, days, 5)
    ]


def availability_chart(service: SlaService, month_days: int) -> Chart:
    """Bars of daily availability (grey when the whole day was excluded), the objective
    as a dashed line."""
    values = [d.availability for d in service.daily if d.availability is not None]
    lowest = min([*values, service.objective])
    low = max(0.0, 1 - (1 - lowest) * 1.25) if lowest < 1 else 0.99
    width = BOX.plot_width / max(month_days, 1) - 2
    bars = []
    for number, day in enumerate(service.daily):
        x = _x(number, month_days) + 1
        tip = f"{day.date.isoformat()}: {text.availability(day.availability)}"
        if day.availability is None:
            bars.append(Mark(x, _y(1.0, low, 1.0), width, 2, "#8c959f", f"{tip} (all excluded)"))
            continue
        y = _y(max(day.availability, low), low, 1.0)
        colour = "#2da44e" if day.availability >= service.objective else "#cf222e"
        bars.append(Mark(x, y, width, max(_y(low, low, 1.0) - y, 1.0), colour, tip))
    target = _y(service.objective, low, 1.0)
    return Chart(
        label=f"Daily availability of {service.name}",
        caption="daily availability (bars), objective (dashed)",
        bars=bars,
        lines=[Line(BOX.left, target, BOX.width - BOX.right, target, "#1d232a", True, "objective")],
        y_ticks=[
            Tick(BOX.left, _y(v, low, 1.0), text.percent(v))
            for v in sorted({low, service.objective, 1.0})
        ],
        x_ticks=_x_ticks(month_days, service),
    )


def burndown_chart(service: SlaService, month_days: int) -> Chart:
    """Error budget left at the end of each day, against an even burn to zero."""
    values = [d.budget_remaining_ratio for d in service.daily]
    known = [v for v in values if v is not None]
    low = min(0.0, *known) if known else 0.0
    high = 1.0
    zero = _y(0.0, low, high)
    path = [(_x(0, month_days), _y(1.0, low, high))]
    dots = []
    for number, (day, value) in enumerate(zip(service.daily, values, strict=True), start=1):
        if value is None:
            continue
        x, y = _x(number, month_days), _y(value, low, high)
        path.append((x, y))
        tip = f"{day.date.isoformat()}: {text.percent(value)} of the budget left"
        dots.append(Mark(x, y, 2.5, 2.5, "#0969da", tip))
    return Chart(
        label=f"Error budget burn-down of {service.name}",
        caption="error budget left (line), even burn (dashed)",
        lines=[
            Line(BOX.left, zero, BOX.width - BOX.right, zero, "#8c959f"),
            Line(
                path[0][0],
                path[0][1],
                _x(month_days, month_days),
                zero,
                "#8c959f",
                True,
                "even burn",
            ),
        ],
        path=path,
        dots=dots,
        y_ticks=[
            Tick(BOX.left, _y(v, low, high), text.percent(v) if v else "0%")
            for v in sorted({low, 0.0, 1.0})
        ],
        x_ticks=_x_ticks(month_days, service),
    )
