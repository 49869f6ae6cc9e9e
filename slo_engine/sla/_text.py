"""How the SLA report writes numbers and durations, the same way in every format."""

from __future__ import annotations

import math

from slo_engine.sla._model import SlaService

SERVICE_COLUMNS = (
    "Service",
    "Availability",
    "Objective",
    "SLA",
    "Downtime",
    "Excluded",
    "Incidents",
    "MTTR",
    "p95",
    "p99",
)


def availability(ratio: float | None) -> str:
    """``0.99984`` -> ``99.9843%``: four decimals, rounded down so it never overstates."""
    if ratio is None:
        return "-"
    scaled = math.floor(round(ratio * 1_000_000, 3))
    return f"{scaled / 10_000:.4f}%"


def percent(ratio: float | None) -> str:
    """``0.125`` -> ``12.5%``: three significant digits, never a false 100%."""
    if ratio is None:
        return "-"
    value = ratio * 100
    text = ""
    for digits in range(3, 10):
        text = f"{value:.{digits}g}"
        if float(text) < 100 or value >= 100:
            break
    return text + "%"


def duration(seconds: float | None) -> str:
    """``3725`` -> ``1h 2m 5s``; ``0`` -> ``0s``; negative durations keep their sign."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    left = round(abs(seconds))
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + (" ".join(parts) or "0s")


def latency(seconds: float | None) -> str:
    """``0.0895`` -> ``89.5 ms``."""
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.3g} ms"


def met(value: bool | None) -> str:
    return "-" if value is None else ("met" if value else "breached")


def policy_sentence(service: SlaService) -> str:
    policy = service.policy
    silence = (
        "a minute without any request is down"
        if policy.silence_is_down
        else "a minute without any request is up"
    )
    return (
        f"A minute is down when more than {percent(policy.error_ratio_threshold)} of "
        f"its requests fail and it has at least {policy.min_requests} requests; {silence}. "
        f"Down minutes at most {duration(policy.incident_gap_seconds)} apart are one "
        "incident."
    )


def budget_sentence(service: SlaService) -> str:
    total = service.error_budget_seconds
    left = service.error_budget_remaining_seconds
    share = percent(left / total) if total > 0 else "-"
    return (
        f"Error budget at {percent(service.objective)}: {duration(total)}; "
        f"downtime used {duration(service.downtime_seconds)}, "
        f"{duration(left)} left ({share})."
    )
