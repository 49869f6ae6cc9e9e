"""What a channel is given to send: one group of alerts for one receiver.

The shape follows Alertmanager's notification (a group key, the group's labels, its
alerts), so the webhook renderer is a straight mapping and every receiver sees the same
facts. ``fingerprint`` is Alertmanager's: FNV-1a 64 over the sorted label names and
values, each followed by the byte 0xFF, printed as 16 hex digits, so a sloscope alert and
the same alert pushed through an Alertmanager carry the same identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Status = Literal["firing", "resolved"]

_FNV_OFFSET_64 = 14695981039346656037
_FNV_PRIME_64 = 1099511628211
_SEPARATOR = 0xFF
_MASK_64 = (1 << 64) - 1


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set: 16 lowercase hex digits."""
    value = _FNV_OFFSET_64
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode(), _SEPARATOR):
                value = ((value ^ byte) * _FNV_PRIME_64) & _MASK_64
    return f"{value:016x}"


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """One alert as a notification tells it. ``ends_at`` is set once it resolved."""

    status: Status
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    fingerprint: str
    generator_url: str = ""


@dataclass(frozen=True, slots=True)
class Notification:
    """A group of alerts for one receiver (a channel name). ``status`` is ``firing``
    while any of its alerts fires."""

    receiver: str
    status: Status
    group_key: str
    group_labels: dict[str, str]
    alerts: tuple[AlertNotice, ...]
    external_url: str = ""

    @property
    def firing(self) -> tuple[AlertNotice, ...]:
        return tuple(alert for alert in self.alerts if alert.status == "firing")

    @property
    def resolved(self) -> tuple[AlertNotice, ...]:
        return tuple(alert for alert in self.alerts if alert.status == "resolved")

    @property
    def common_labels(self) -> dict[str, str]:
        """The labels every alert has with the same value."""
        return _common([alert.labels for alert in self.alerts])

    @property
    def common_annotations(self) -> dict[str, str]:
        """The annotations every alert has with the same value."""
        return _common([alert.annotations for alert in self.alerts])


def _common(mappings: list[dict[str, str]]) -> dict[str, str]:
    if not mappings:
        return {}
    first, *rest = mappings
    return {
        key: value
        for key, value in sorted(first.items())
        if all(other.get(key) == value for other in rest)
    }
