"""SLO specs, SLI SQL, error budgets, burn rates and SLA reports.

``load`` reads SLO files (native or OpenSLO v1) into an ``SloSet``; ``status``
evaluates them against a store at an instant and returns the ``StatusReport`` that
``sloscope slo status --json`` prints. ``sla_report`` computes a calendar month's
``SlaReport`` (``sloscope report sla``), which ``render_sla`` writes in each format.
``slo_series`` gives the SLI, budget and burn rates of SLOs at many instants
(``SloSeries``, the dashboard's charts); ``services`` and ``service_series`` the
services' request rate, errors, latency and resources (``ServiceSeries``).
``explain`` says what each loaded SLO computes (``sloscope slo validate --explain``), as
the ``SloExplanation`` records of a ``ValidationReport``.
``QUERY_SETTINGS`` are the settings the engine's queries carry, for a read-only session
to set beforehand.
"""

from slo_engine._bounds import check_instant
from slo_engine._durations import format_duration, parse_duration
from slo_engine._explain import (
    SloExplanation,
    ValidationReport,
    explain,
    render_explanations,
    report_issues,
)
from slo_engine._filters import FilterSpec, to_filter
from slo_engine._loader import load, native_slo, parse_spec, read_sources
from slo_engine._model import Budgeting, SliKind, Slo, SloSet
from slo_engine._params import FilterTable
from slo_engine._plan import nanos
from slo_engine._series import MAX_POINTS, slo_series
from slo_engine._series_model import SloSeries
from slo_engine._services import RESOURCE_METRICS, service_series, services
from slo_engine._services_model import ServiceSeries, ServiceSummary
from slo_engine._spec_issues import pydantic_issues
from slo_engine._sql import QUERY_SETTINGS, SqlFiles
from slo_engine._status import status
from slo_engine._status_model import (
    Alert,
    ErrorBudget,
    Latency,
    SloStatus,
    StatusReport,
    StatusRequest,
)
from slo_engine._yaml_nodes import Document, compose_documents
from slo_engine.errors import (
    EvaluationError,
    InvalidRequest,
    SloEngineError,
    SpecError,
    SpecIssue,
)
from slo_engine.sla import (
    ReportFormat,
    SlaReport,
    SlaRequest,
    render_sla,
    sla_period,
    sla_report,
)

__all__ = [
    "MAX_POINTS",
    "QUERY_SETTINGS",
    "RESOURCE_METRICS",
    "Alert",
    "Budgeting",
    "Document",
    "ErrorBudget",
    "EvaluationError",
    "FilterSpec",
    "FilterTable",
    "InvalidRequest",
    "Latency",
    "ReportFormat",
    "ServiceSeries",
    "ServiceSummary",
    "SlaReport",
    "SlaRequest",
    "SliKind",
    "Slo",
    "SloEngineError",
    "SloExplanation",
    "SloSeries",
    "SloSet",
    "SloStatus",
    "SpecError",
    "SpecIssue",
    "SqlFiles",
    "StatusReport",
    "StatusRequest",
    "ValidationReport",
    "check_instant",
    "compose_documents",
    "explain",
    "format_duration",
    "load",
    "nanos",
    "native_slo",
    "parse_duration",
    "parse_spec",
    "pydantic_issues",
    "read_sources",
    "render_explanations",
    "render_sla",
    "report_issues",
    "service_series",
    "services",
    "sla_period",
    "sla_report",
    "slo_series",
    "status",
    "to_filter",
]
