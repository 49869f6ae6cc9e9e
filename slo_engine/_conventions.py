"""Names in one place: metrics, attributes and the SLO engine's tables."""

from __future__ import annotations

from typing import Final

LATENCY_METRIC: Final = "http.server.request.duration"
HEALTH_CHECK_METRIC: Final = "sloscope.health_check.up"

ROUTE: Final = "http.route"
METHOD: Final = "http.request.method"
STATUS_CODE: Final = "http.response.status_code"
HEALTH_CHECK_NAME: Final = "check.name"

BURN_RATE_WINDOWS: Final = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
QUANTILES: Final = (0.5, 0.95, 0.99)
