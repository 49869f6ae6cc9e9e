"""The SLA report as one self-contained HTML page: inline CSS and inline SVG charts.

Nothing is fetched: no script, no font, no image, no link to another page, so the file
opens offline and can be mailed or archived as it is. The markup lives in Jinja2
templates (``templates/report.html``, the charts in ``templates/charts.html``) with
autoescaping on, so every name from the SLO files (services, SLOs, exclusions, reasons)
is escaped where it is written, with nothing to forget; ``_charts`` computes the charts'
geometry. Undefined names fail loudly rather than rendering as empty text.
"""

from __future__ import annotations

from typing import Final

import jinja2

from slo_engine.sla import _text as text
from slo_engine.sla._charts import BOX, availability_chart, burndown_chart
from slo_engine.sla._model import SlaReport

_TEMPLATES: Final = jinja2.Environment(
    loader=jinja2.PackageLoader("slo_engine.sla", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.globals.update(
    text=text, box=BOX, availability_chart=availability_chart, burndown_chart=burndown_chart
)


def render_html(report: SlaReport) -> str:
    """``report`` as an HTML page, ending with a newline."""
    period = report.period
    month_days = (period.end.date() - period.start.date()).days
    return _TEMPLATES.get_template("report.html").render(report=report, month_days=month_days)
