"""What the API's routes share, and the dependency that hands it to them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request

from alerting import AlertEngine
from alerting.probes import HealthBoard
from processor.store import Store
from sloscope._monitoring import Monitoring
from sloscope._read_query import QueryLimits
from sloscope.api._health_files import HealthFiles
from sloscope.api._sessions import HEALTH_TIMEOUT_S, HealthProbe, QuerySessions
from sloscope.config import ApiSettings

HealthCheck = Callable[[], dict[str, Any]]
"""A part's own health (the OTLP receiver's counters): cheap, never blocking."""
Clock = Callable[[], datetime]
UTC_NOW: Clock = functools.partial(datetime.now, UTC)


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The sessions the API reads through, its settings, the parts' health checks, and
    the process's own metrics (the receiver's when it runs in this process). ``clock``
    judges the age of the alert engine's latest evaluation (``GET /api/slos``)."""

    sessions: QuerySessions
    health: HealthProbe
    settings: ApiSettings
    slos_dir: Path = Path("./slos")
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    alerts: AlertEngine | None = None
    # The board a probe loop feeds (serve); without one, GET /api/health runs the
    # checks of slos_dir on request.
    health_board: HealthBoard | None = None
    health_files: HealthFiles = field(default_factory=HealthFiles)
    monitoring: Monitoring = field(default_factory=Monitoring)
    clock: Clock = UTC_NOW

    @classmethod
    def open(
        cls,
        store: Store,
        settings: ApiSettings,
        *,
        slos_dir: Path = Path("./slos"),
        health_checks: dict[str, HealthCheck] | None = None,
        alerts: AlertEngine | None = None,
        health_board: HealthBoard | None = None,
        monitoring: Monitoring | None = None,
        clock: Clock = UTC_NOW,
    ) -> ApiContext:
        """Open the API's own sessions on ``store`` (which is left to its other users)."""
        limits = QueryLimits.from_settings(settings)
        probe_settings = {"max_execution_time": HEALTH_TIMEOUT_S, "readonly": 1}
        return cls(
            sessions=QuerySessions.open(store, limits, settings.max_concurrent_queries),
            health=HealthProbe(store.read_only(probe_settings)),
            settings=settings,
            slos_dir=slos_dir,
            health_checks=dict(health_checks or {}),
            alerts=alerts,
            health_board=health_board,
            monitoring=monitoring or Monitoring(),
            clock=clock,
        )

    def close(self) -> None:
        self.sessions.close()
        self.health.close()


def api_context(request: Request) -> ApiContext:
    """The app's context, for ``Depends``: routes never reach for globals."""
    context = request.app.state.context
    if not isinstance(context, ApiContext):
        raise TypeError("the app was built without an ApiContext")
    return context
