"""Alerting: rules, alert state and lifecycle, channels and escalation, health probes.

Alerting is configured in the SLO files (``alerting:`` and ``health_checks:``), evaluated
in SQL against the store, kept in the store (migration 0006) and sent through the
channels of ``alerting.channels``. Its subpackages ``alerting.channels`` (where
notifications go, and how they are delivered) and ``alerting.probes`` (health checks
with dependencies) are leaves: they know nothing of rules or alert state.
docs/alerting.md is the user's guide.
"""

from alerting._config import AlertingConfig
from alerting._engine import AlertEngine, Evaluated
from alerting._evaluate import HOURLY_WINDOW, Findings, hourly_burn
from alerting._load import load_alerting
from alerting._records import AlertEvent, AlertRecord, Observation, Silence
from alerting._views import (
    AlertDetail,
    AlertList,
    AlertView,
    EvaluationView,
    EventView,
    SilenceView,
)
from alerting.errors import AlertingError, InvalidAction, NotFound

__all__ = [
    "HOURLY_WINDOW",
    "AlertDetail",
    "AlertEngine",
    "AlertEvent",
    "AlertList",
    "AlertRecord",
    "AlertView",
    "AlertingConfig",
    "AlertingError",
    "Evaluated",
    "EvaluationView",
    "EventView",
    "Findings",
    "InvalidAction",
    "NotFound",
    "Observation",
    "Silence",
    "SilenceView",
    "hourly_burn",
    "load_alerting",
]
