"""Alert rules, alert state and lifecycle, silences, dispatch and health probes.

Alerting is configured in the SLO files (``alerting:`` and ``health_checks:``), evaluated
in SQL against the store, kept in the store (migration 0006) and sent through the
channels of ``alerting.channels``. docs/alerting.md is the user's guide.
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
