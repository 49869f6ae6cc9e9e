"""Alerting: rules, alert state and lifecycle, channels and escalation, health probes.

Alerting is configured in the SLO files (``alerting:`` and ``health_checks:``), evaluated
in SQL against the store, kept in the store (migration 0006) and sent through the
channels of ``alerting.channels``. Its subpackages ``alerting.channels`` (where
notifications go, and how they are delivered) and ``alerting.probes`` (health checks
with dependencies) are leaves: they know nothing of rules or alert state.
docs/alerting.md is the user's guide.
"""

from alerting._records import AlertEvent, AlertRecord, Observation, Silence
from alerting.errors import AlertingError, InvalidAction, NotFound

__all__ = [
    "AlertEvent",
    "AlertRecord",
    "AlertingError",
    "InvalidAction",
    "NotFound",
    "Observation",
    "Silence",
]
