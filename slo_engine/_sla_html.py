"""The SLA report as one self-contained HTML page: inline CSS and inline SVG charts.

Nothing is fetched: no script, no font, no image, no link to another page, so the file
opens offline and can be mailed or archived as it is. Each service has two charts:
daily availability (a bar per local day against the objective) and its error-budget
burn-down (downtime budget left at the end of each day against an even burn). Every
text goes through ``html.escape``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import timedelta

from slo_engine import _sla_text as text
from slo_engine._sla_model import SlaReport, SlaService

WIDTH = 720
HEIGHT = 220
LEFT = 56
RIGHT = 16
TOP = 16
BOTTOM = 36

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d232a; margin: 2rem auto;
  max-width: 64rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: .75rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #1a7f37; font-weight: 600; } .breached { color: #cf222e; font-weight: 600; }
.note { color: #57606a; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem 1rem; }
.card b { display: block; font-size: 1.3rem; }
svg { display: block; margin: .5rem 0 1rem; }
svg text { font: 11px system-ui, sans-serif; fill: #57606a; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _met(value: bool | None) -> str:
    word = text.met(value)
    css = {"met": "met", "breached": "breached"}.get(word, "note")
    return f'<span class="{css}">{e(word)}</span>'


def render_html(report: SlaReport) -> str:
    period = report.period
    summary = report.summary
    title = f"SLA report: {period.start:%B %Y} ({period.timezone})"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>Period: {e(period.start.isoformat())} to {e(period.end.isoformat())} "
        f"({e(text.duration(period.seconds))}, {e(f'{period.seconds:,.0f}')} s).</p>",
    ]
    if not period.complete:
        parts.append(
            f'<p class="note">The month is not over: evaluated until '
            f"{e(period.evaluated_until.isoformat())}.</p>"
        )
    cards = [
        ("Overall availability", text.availability(summary.overall_availability)),
        ("Downtime", text.duration(summary.total_downtime_seconds)),
        ("Incidents", str(summary.incidents)),
        ("MTTR", text.duration(summary.mttr_seconds)),
        ("SLAs met", f"{summary.services_met} of {len(report.services)}"),
    ]
    parts.append(
        '<div class="cards">'
        + "".join(f'<div class="card">{e(k)}<b>{e(v)}</b></div>' for k, v in cards)
        + "</div>"
    )
    parts.append(f'<p class="note">{e(summary.mttr_definition)}.</p>')
    parts.append("<h2>Services</h2>")
    parts.append(
        _table(
            text.SERVICE_COLUMNS,
            [
                [
                    f'<a href="#service-{i}">{e(s.name)}</a>',
                    e(text.availability(s.availability)),
                    e(text.percent(s.objective)),
                    _met(s.met),
                    e(text.duration(s.downtime_seconds)),
                    e(text.duration(s.excluded_seconds)),
                    e(len(s.incidents)),
                    e(text.duration(s.mttr_seconds)),
                    e(text.latency(s.latency.p95)),
                    e(text.latency(s.latency.p99)),
                ]
                for i, s in enumerate(report.services, start=1)
            ],
            numeric={1, 2, 4, 5, 6, 7, 8, 9},
        )
    )
    month_days = (period.end.date() - period.start.date()).days
    for index, service in enumerate(report.services, start=1):
        parts.append(_service(index, service, month_days))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _service(index: int, service: SlaService, month_days: int) -> str:
    parts = [
        f'<section id="service-{index}"><h2>{e(service.name)}</h2>',
        f"<p>{e(text.policy_sentence(service))}</p>",
        f"<p>{e(text.budget_sentence(service))}</p>",
        f'<p class="note">{e(f"{service.requests:,}")} requests, '
        f"{e(f'{service.failed_requests:,}')} failed; "
        f"{e(f'{service.silent_minutes:,}')} minutes without requests, "
        f"{e(f'{service.low_traffic_minutes:,}')} with too little traffic to judge.</p>",
        '<div class="charts">',
        availability_chart(service, month_days),
        burndown_chart(service, month_days),
        "</div>",
    ]
    if service.incidents:
        parts.append("<h3>Incidents</h3>")
        parts.append(
            _table(
                ["ID", "Start", "End", "Duration", "Severity", "Description"],
                [
                    [
                        e(i.id),
                        e(i.start.isoformat()),
                        e(i.end.isoformat()),
                        e(text.duration(i.duration_seconds)),
                        e(i.severity),
                        e(i.description),
                    ]
                    for i in service.incidents
                ],
                numeric={3},
            )
        )
    if service.slos:
        parts.append("<h3>SLOs over the month</h3>")
        parts.append(
            _table(
                ["SLO", "Objective", "SLI", "Met", "Budget consumed", "Notes"],
                [
                    [
                        e(s.name),
                        e(text.percent(s.objective)),
                        e(text.availability(s.sli)),
                        _met(s.met),
                        e(text.percent(s.error_budget_consumed)),
                        e("; ".join(s.notes)),
                    ]
                    for s in service.slos
                ],
                numeric={1, 2, 4},
            )
        )
    if service.excluded:
        parts.append("<h3>Excluded time</h3>")
        parts.append(
            _table(
                ["Name", "Kind", "Start", "End", "Reason"],
                [
                    [
                        e(x.name),
                        e(x.kind),
                        e(x.start.isoformat()),
                        e(x.end.isoformat()),
                        e(x.reason),
                    ]
                    for x in service.excluded
                ],
                numeric=set(),
            )
        )
    parts.append("</section>")
    return "\n".join(parts)


def _frame(label: str) -> list[str]:
    return [
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{e(label)}">',
        f"<title>{e(label)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}" fill="#ffffff" stroke="#d0d7de"/>',
    ]


def _y(value: float, low: float, high: float) -> float:
    span = high - low if high > low else 1.0
    return TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / span


def _x(day: float, days: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * day / max(days, 1)


def _y_label(value: float, low: float, high: float, label: str) -> str:
    y = _y(value, low, high)
    return (
        f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#57606a"/>'
        f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{e(label)}</text>'
    )


def _x_labels(days: int, service: SlaService) -> list[str]:
    first = service.daily[0].date if service.daily else None
    labels = []
    for day in range(0, days, 5):
        name = str((first + timedelta(days=day)).day) if first else str(day + 1)
        x = _x(day + 0.5, days)
        labels.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{e(name)}</text>'
        )
    return labels


def availability_chart(service: SlaService, month_days: int) -> str:
    """Bars of daily availability, the objective as a dashed line."""
    label = f"Daily availability of {service.name}"
    values = [d.availability for d in service.daily if d.availability is not None]
    lowest = min([*values, service.objective])
    low = max(0.0, 1 - (1 - lowest) * 1.25) if lowest < 1 else 0.99
    parts = _frame(label)
    width = (WIDTH - LEFT - RIGHT) / max(month_days, 1)
    for number, day in enumerate(service.daily):
        x = _x(number, month_days) + 1
        tip = f"{day.date.isoformat()}: {text.availability(day.availability)}"
        if day.availability is None:
            y = _y(1.0, low, 1.0)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width - 2:.1f}" height="2" '
                f'fill="#8c959f"><title>{e(tip)} (all excluded)</title></rect>'
            )
            continue
        y = _y(max(day.availability, low), low, 1.0)
        colour = "#2da44e" if day.availability >= service.objective else "#cf222e"
        height = max(_y(low, low, 1.0) - y, 1.0)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width - 2:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{e(tip)}</title></rect>'
        )
    target = _y(service.objective, low, 1.0)
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{target:.1f}" y2="{target:.1f}" '
        f'stroke="#1d232a" stroke-dasharray="4 3"><title>{e("objective")}</title></line>'
    )
    for value in sorted({low, service.objective, 1.0}):
        parts.append(_y_label(value, low, 1.0, text.percent(value)))
    parts += _x_labels(month_days, service)
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}">{e("daily availability (bars), objective (dashed)")}'
        "</text></svg>"
    )
    return "".join(parts)


def burndown_chart(service: SlaService, month_days: int) -> str:
    """Error budget left at the end of each day, against an even burn to zero."""
    label = f"Error budget burn-down of {service.name}"
    values = [d.budget_remaining_ratio for d in service.daily]
    known = [v for v in values if v is not None]
    low = min(0.0, *known) if known else 0.0
    high = 1.0
    parts = _frame(label)
    zero = _y(0.0, low, high)
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#8c959f"/>'
    )
    parts.append(
        f'<line x1="{_x(0, month_days):.1f}" y1="{_y(1.0, low, high):.1f}" '
        f'x2="{_x(month_days, month_days):.1f}" y2="{zero:.1f}" stroke="#8c959f" '
        f'stroke-dasharray="4 3"><title>{e("even burn")}</title></line>'
    )
    points = [(_x(0, month_days), _y(1.0, low, high))]
    dots = []
    for number, (day, value) in enumerate(zip(service.daily, values, strict=True), start=1):
        if value is None:
            continue
        x, y = _x(number, month_days), _y(value, low, high)
        points.append((x, y))
        tip = f"{day.date.isoformat()}: {text.percent(value)} of the budget left"
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#0969da"><title>{e(tip)}</title>'
            "</circle>"
        )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#0969da" stroke-width="2"/>')
    parts += dots
    for value in sorted({low, 0.0, 1.0}):
        parts.append(_y_label(value, low, high, text.percent(value) if value else "0%"))
    parts += _x_labels(month_days, service)
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}">{e("error budget left (line), even burn (dashed)")}'
        "</text></svg>"
    )
    return "".join(parts)
