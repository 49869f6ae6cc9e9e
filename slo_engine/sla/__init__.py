"""The monthly SLA report: computed from the store, rendered in four formats.

``sla_report`` computes a calendar month's ``SlaReport`` (``_report``: down minutes from
SQL in ``_minutes``, incidents in ``_incidents``, the model in ``_model``);
``render_sla`` writes it as JSON, Markdown, CSV (``_render``) or one self-contained
HTML page (``_html``, on the autoescaping Jinja2 templates in ``templates/``).
``slo_engine`` re-exports these names; import them from there.
"""

from slo_engine.sla._model import SlaReport, SlaRequest
from slo_engine.sla._render import ReportFormat, render_sla
from slo_engine.sla._report import sla_period, sla_report

__all__ = ["ReportFormat", "SlaReport", "SlaRequest", "render_sla", "sla_period", "sla_report"]
