"""Every format of the SLA report renders, and hostile names stay harmless in each."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import markupsafe
import pytest

from slo_engine import ReportFormat, SlaReport, load, render_sla, sla_report
from slo_engine.sla._render import CSV_COLUMNS
from tests.support.sla_traffic import Minute, insert, plan, run

START = datetime(2026, 2, 1, tzinfo=UTC)
NOW = START + timedelta(hours=3)

HOSTILE_SERVICE = (
    "=cmd|' /C calc'!A0 <script>alert(1)</script> \"q\" ' OR 1=1; "
    "DROP TABLE otel_metrics_histogram; --"
)
HOSTILE_SLO = '=HYPERLINK("x") | <b>bold</b> *star* [link](x) `code` @team $x$ &amp;'
HOSTILE_EXCLUSION = "<img src=x onerror=alert(1)> | pipe"
HOSTILE_REASON = "\"quoted\", 'single' & <tag>\nnext line | cell"

HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "b",
    "table", "thead", "tbody", "tr", "th", "td", "span", "a", "section", "svg", "rect",
    "line", "text", "polyline", "circle",
}  # fmt: skip


def hostile_files() -> dict[str, str]:
    spec = {
        "sla": {"services": {HOSTILE_SERVICE: {}}},
        "slos": [
            {
                "name": HOSTILE_SLO,
                "service": HOSTILE_SERVICE,
                "objective": 0.9,
                "sli": {"availability": {"route": "/a') OR 1=1 --"}},
            }
        ],
        "maintenance": [
            {
                "name": HOSTILE_EXCLUSION,
                "start": "2026-02-01T02:00:00Z",
                "duration": "10m",
                "reason": HOSTILE_REASON,
            }
        ],
    }
    return {"hostile.yaml": json.dumps(spec)}  # JSON is YAML


@pytest.fixture
def hostile(store) -> SlaReport:
    outage = run(START + timedelta(hours=1), 3, Minute(0, 20))
    insert(store, HOSTILE_SERVICE, plan(START, NOW, overrides=outage))
    return sla_report(store, load(hostile_files()), "2026-02", "UTC", NOW)


def test_hostile_names_reach_the_report_intact_and_the_store_untouched(store, hostile):
    (service,) = hostile.services
    assert service.name == HOSTILE_SERVICE
    assert service.downtime_seconds == 180
    assert service.excluded_seconds == 600
    assert service.requests == (180 - 10) * 20
    assert [s.name for s in service.slos] == [HOSTILE_SLO]
    assert [(e.name, e.reason) for e in service.excluded] == [(HOSTILE_EXCLUSION, HOSTILE_REASON)]
    assert store.query("SELECT count() FROM {db:Identifier}.otel_metrics_histogram")[0][0] > 0
    parsed = SlaReport.model_validate_json(render_sla(hostile, ReportFormat.JSON))
    assert parsed == hostile


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str | None]] = set()
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= set(attrs)

    def handle_data(self, data):
        self.texts.append(data)


def test_html_escapes_every_hostile_value(hostile):
    page = render_sla(hostile, ReportFormat.HTML)
    parser = Tags()
    parser.feed(page)
    assert parser.tags <= HTML_TAGS
    assert not [name for name, _ in parser.attributes if name.startswith("on")]
    assert {v for k, v in parser.attributes if k == "href"} == {"#service-1"}
    for value in (HOSTILE_SERVICE, HOSTILE_SLO, HOSTILE_EXCLUSION, HOSTILE_REASON):
        assert str(markupsafe.escape(value)) in page  # what Jinja2's autoescaping writes
        assert any(value in text for text in parser.texts), value


def test_a_script_in_a_service_or_slo_name_is_text_not_markup(store):
    name = "<script>alert('svc')</script>"
    slo = '"><script>alert(1)</script>'
    spec = {
        "sla": {"services": {name: {}}},
        "slos": [{"name": slo, "service": name, "objective": 0.9, "sli": {"availability": {}}}],
    }
    insert(store, name, plan(START, NOW))
    report = sla_report(store, load({"s.yaml": json.dumps(spec)}), "2026-02", "UTC", NOW)
    page = render_sla(report, ReportFormat.HTML)
    assert "<script" not in page
    # the service's table link and heading, each chart's aria-label and title
    assert page.count("&lt;script&gt;alert(&#39;svc&#39;)&lt;/script&gt;") == 6
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _cells(row: str) -> list[str]:
    """A Markdown table row split on its unescaped pipes."""
    return re.split(r"(?<!\\)\|", row)[1:-1]


def test_markdown_escapes_every_hostile_value(hostile):
    page = render_sla(hostile, ReportFormat.MARKDOWN)
    # no tag, link, image, code, emphasis, math, mention or entity is left unescaped
    assert not re.search(r"(?<!\\)[<>\[\]`*_~$@&]", page)
    width = None
    for line in page.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        assert line.endswith("|"), line
        cells = _cells(line)
        width = width or len(cells)
        assert len(cells) == width, line
    assert "next line" in page
    assert "\\<img src=x onerror=alert\\(1\\)\\> \\| pipe" in page


def test_csv_quotes_values_and_defuses_formulas(hostile):
    rows = list(csv.reader(io.StringIO(render_sla(hostile, ReportFormat.CSV))))
    assert rows[0] == list(CSV_COLUMNS)
    assert {len(row) for row in rows} == {len(CSV_COLUMNS)}
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["record"] for r in records] == ["service", "incident", "summary"]
    assert records[0]["service"] == "'" + HOSTILE_SERVICE
    assert records[1]["incident_id"] == "'" + HOSTILE_SERVICE + "-20260201-0100"
    assert records[1]["duration_seconds"] == "180.0"


@pytest.fixture
def report(store) -> SlaReport:
    outage = run(START + timedelta(hours=1), 4, Minute(5, 15))
    insert(store, "shop", plan(START, NOW, overrides=outage))
    text = "slos:\n  - {name: avail, service: shop, objective: 0.99, sli: {availability: {}}}\n"
    return sla_report(store, load({"s.yaml": text}), "2026-02", "UTC", NOW)


def test_html_is_self_contained_with_inline_svg_charts(report):
    page = render_sla(report, ReportFormat.HTML)
    assert page.startswith("<!doctype html>")
    for outside in ("://", "src=", "<script", "<link", "url(", "@import", "<iframe"):
        assert outside not in page
    assert page.count("<svg ") == 2
    assert "Daily availability of shop" in page
    assert "Error budget burn-down of shop" in page
    assert "<polyline " in page
    assert page.count("<rect ") >= 2 + len(report.services[0].daily)
    assert "MTTR is the mean time to recovery" in page


def test_markdown_reads_as_a_pull_request_comment(report):
    page = render_sla(report, ReportFormat.MARKDOWN)
    lines = page.splitlines()
    assert lines[0] == "# SLA report: February 2026 (UTC)"
    assert "The month is not over: evaluated until 2026-02-01T03:00:00+00:00." in page
    assert "| shop | 97.7777% | 99.9% | breached | 4m | 0s | 1 | 4m | 40 ms | 40 ms |" in lines
    assert "MTTR is the mean time to recovery" in page
    assert "| avail | 99% | 98.3333% | breached | 167% |  |" in lines


def test_csv_has_a_row_per_service_and_incident_and_a_summary(report):
    rows = list(csv.DictReader(io.StringIO(render_sla(report, ReportFormat.CSV))))
    assert [r["record"] for r in rows] == ["service", "incident", "summary"]
    assert rows[0]["downtime_seconds"] == "240.0"
    assert rows[1]["severity"] == "major"
    assert rows[2]["mttr_seconds"] == "240.0"


def test_json_is_the_model_dump(report):
    assert json.loads(render_sla(report, ReportFormat.JSON)) == report.model_dump(mode="json")


def test_a_month_without_services_renders_in_every_format(store):
    empty = sla_report(store, load({"s.yaml": "sla: {objective: 0.99}\n"}), "2026-02", "UTC", NOW)
    assert empty.services == []
    assert empty.summary.overall_availability is None
    assert empty.summary.mttr_seconds is None
    for format_ in ReportFormat:
        assert render_sla(empty, format_).endswith("\n"), format_
