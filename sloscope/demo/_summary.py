"""The demo's one-line summary: each SLO's SLI and budget left, and the traffic sent."""

from __future__ import annotations

from typing import Any

from sloscope.demo._traffic import TrafficCounts

MAX_NAMES = 2


def summary_line(
    elapsed_s: float,
    phase: str,
    report: Any,
    counts: TrafficCounts,
    firing: list[str] | None = None,
) -> str:
    """e.g. ``+0:35 errors | demo-availability SLI 97.21% budget -179.0% | ... | sent 700,
    5xx 19 | alerts firing: 1 (demo-errors)``. ``report`` is the JSON of ``POST /api/slos/status``
    (None before the first); ``firing`` the names of the alerts firing (None: unknown)."""
    minutes, seconds = divmod(int(elapsed_s), 60)
    parts = [f"+{minutes}:{seconds:02d} {phase:<6}"]
    for slo in (report or {}).get("slos", []):
        sli = slo.get("sli")
        remaining = (slo.get("error_budget") or {}).get("remaining")
        sli_text = "no data" if sli is None else f"{100 * sli:.2f}%"
        budget_text = "-" if remaining is None else f"{100 * remaining:.1f}%"
        parts.append(f"{slo['name']} SLI {sli_text} budget {budget_text}")
    parts.append(f"sent {counts.sent}, 5xx {counts.server_errors}")
    if firing is not None:
        names = sorted(set(firing))
        shown = ", ".join(names[:MAX_NAMES]) + (", ..." if len(names) > MAX_NAMES else "")
        parts.append(f"alerts firing: {len(firing)}" + (f" ({shown})" if names else ""))
    return " | ".join(parts)
