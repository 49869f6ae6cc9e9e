"""The SLA report as JSON, Markdown (for a pull request) and CSV; HTML is ``_html``.

Every value that came from a user (service, SLO and exclusion names, reasons) is
escaped for its format: Markdown backslash-escapes every ASCII punctuation character
that can start markup (CommonMark allows escaping any of them) and turns line breaks
into spaces, so no name can open a link, an image, a tag, an entity, a table cell, code,
emphasis, math or a mention (only ``, . ; : % ' " - / = ?`` stay as they are). CSV is
quoted by the ``csv`` module, and a text cell that a spreadsheet would run as a formula
(``= + - @``, tab, carriage return) is prefixed with ``'``.

CSV is one table with a ``record`` column: a ``service`` row per service, an
``incident`` row per incident (after its service), and a last ``summary`` row.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import string
from collections.abc import Sequence

from slo_engine.sla import _text as text
from slo_engine.sla._html import render_html
from slo_engine.sla._model import SlaReport, SlaService


class ReportFormat(enum.StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    CSV = "csv"


def render_sla(report: SlaReport, format_: ReportFormat) -> str:
    """``report`` in ``format_``, ending with a newline."""
    if format_ is ReportFormat.JSON:
        return json.dumps(report.model_dump(mode="json"), indent=2) + "\n"
    if format_ is ReportFormat.MARKDOWN:
        return render_markdown(report)
    if format_ is ReportFormat.HTML:
        return render_html(report)
    return render_csv(report)


_MARKDOWN_PLAIN = ",.;:%'\"-/=?"
_MARKDOWN_SPECIAL = {ord(c): "\\" + c for c in string.punctuation if c not in _MARKDOWN_PLAIN}
_MARKDOWN_SPECIAL |= {ord("\n"): " ", ord("\r"): " ", ord("\t"): " "}


def md(value: str) -> str:
    """``value`` as literal Markdown text, safe inside a table cell."""
    return value.translate(_MARKDOWN_SPECIAL)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _title(report: SlaReport) -> str:
    period = report.period
    return f"{period.start:%B %Y} ({md(period.timezone)})"


def render_markdown(report: SlaReport) -> str:
    period = report.period
    summary = report.summary
    lines = [f"# SLA report: {_title(report)}", ""]
    lines.append(
        f"Period: {period.start.isoformat()} to {period.end.isoformat()} "
        f"({text.duration(period.seconds)}, {period.seconds:,.0f} s)."
    )
    if not period.complete:
        lines.append(
            f"The month is not over: evaluated until {period.evaluated_until.isoformat()}."
        )
    lines += ["", "## Summary", ""]
    lines += _table(
        ["Overall availability", "Downtime", "Incidents", "MTTR", "Met", "Breached"],
        [
            [
                text.availability(summary.overall_availability),
                text.duration(summary.total_downtime_seconds),
                str(summary.incidents),
                text.duration(summary.mttr_seconds),
                str(summary.services_met),
                str(summary.services_breached),
            ]
        ],
    )
    lines += ["", f"{summary.mttr_definition}.", "", "## Services", ""]
    lines += _table(
        text.SERVICE_COLUMNS,
        [
            [
                md(s.name),
                text.availability(s.availability),
                text.percent(s.objective),
                text.met(s.met),
                text.duration(s.downtime_seconds),
                text.duration(s.excluded_seconds),
                str(len(s.incidents)),
                text.duration(s.mttr_seconds),
                text.latency(s.latency.p95),
                text.latency(s.latency.p99),
            ]
            for s in report.services
        ],
    )
    for service in report.services:
        lines += ["", *_service_markdown(service)]
    return "\n".join(lines) + "\n"


def _service_markdown(service: SlaService) -> list[str]:
    lines = [
        f"## {md(service.name)}",
        "",
        text.policy_sentence(service),
        "",
        text.budget_sentence(service),
    ]
    lines.append("")
    lines.append(
        f"{service.requests:,} requests, {service.failed_requests:,} failed; "
        f"{service.silent_minutes:,} minutes without requests, "
        f"{service.low_traffic_minutes:,} with too little traffic to judge."
    )
    if service.incidents:
        lines += ["", "### Incidents", ""]
        lines += _table(
            ["ID", "Start", "End", "Duration", "Severity", "Description"],
            [
                [
                    md(i.id),
                    i.start.isoformat(),
                    i.end.isoformat(),
                    text.duration(i.duration_seconds),
                    i.severity,
                    md(i.description),
                ]
                for i in service.incidents
            ],
        )
    if service.slos:
        lines += ["", "### SLOs over the month", ""]
        lines += _table(
            ["SLO", "Objective", "SLI", "Met", "Budget consumed", "Notes"],
            [
                [
                    md(s.name),
                    text.percent(s.objective),
                    text.availability(s.sli),
                    text.met(s.met),
                    text.percent(s.error_budget_consumed),
                    md("; ".join(s.notes)),
                ]
                for s in service.slos
            ],
        )
    if service.excluded:
        lines += ["", "### Excluded time", ""]
        lines += _table(
            ["Name", "Kind", "Start", "End", "Reason"],
            [
                [md(e.name), e.kind, e.start.isoformat(), e.end.isoformat(), md(e.reason)]
                for e in service.excluded
            ],
        )
    return lines


CSV_COLUMNS = (
    "record",
    "service",
    "availability",
    "objective",
    "met",
    "uptime_seconds",
    "downtime_seconds",
    "excluded_seconds",
    "incidents",
    "mttr_seconds",
    "requests",
    "failed_requests",
    "p95_seconds",
    "p99_seconds",
    "incident_id",
    "start",
    "end",
    "duration_seconds",
    "severity",
    "description",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def render_csv(report: SlaReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    for s in report.services:
        row: dict[str, object] = {
            "record": "service",
            "service": s.name,
            "availability": s.availability,
            "objective": s.objective,
            "met": s.met,
            "uptime_seconds": s.uptime_seconds,
            "downtime_seconds": s.downtime_seconds,
            "excluded_seconds": s.excluded_seconds,
            "incidents": len(s.incidents),
            "mttr_seconds": s.mttr_seconds,
            "requests": s.requests,
            "failed_requests": s.failed_requests,
            "p95_seconds": s.latency.p95,
            "p99_seconds": s.latency.p99,
        }
        writer.writerow({k: _cell(v) for k, v in row.items()})
        for i in s.incidents:
            incident: dict[str, object] = {
                "record": "incident",
                "service": s.name,
                "incident_id": i.id,
                "start": i.start.isoformat(),
                "end": i.end.isoformat(),
                "duration_seconds": i.duration_seconds,
                "severity": i.severity,
                "description": i.description,
            }
            writer.writerow({k: _cell(v) for k, v in incident.items()})
    summary = report.summary
    last: dict[str, object] = {
        "record": "summary",
        "availability": summary.overall_availability,
        "downtime_seconds": summary.total_downtime_seconds,
        "incidents": summary.incidents,
        "mttr_seconds": summary.mttr_seconds,
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "description": summary.mttr_definition,
    }
    writer.writerow({k: _cell(v) for k, v in last.items()})
    return out.getvalue()
