"""Alerting: rules, alert state and lifecycle, channels and escalation, health probes.

Its subpackages ``alerting.channels`` (where notifications go, and how they are
delivered) and ``alerting.probes`` (health checks with dependencies) are leaves: they
know nothing of rules or alert state.
"""

__all__: list[str] = []
