"""The JSON API on a real store, served by uvicorn on 127.0.0.1 (port 0)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from alerting import AlertEngine
from processor.store import Store
from sloscope.api import ApiContext, HealthCheck, create_app
from sloscope.api._context import UTC_NOW, Clock
from sloscope.config import ApiSettings
from tests.support.servers import serving


@contextlib.contextmanager
def serving_api(
    store: Store,
    settings: ApiSettings | None = None,
    *,
    slos_dir: Path = Path("./slos"),
    health_checks: dict[str, HealthCheck] | None = None,
    alerts: AlertEngine | None = None,
    clock: Clock = UTC_NOW,
) -> Iterator[str]:
    """The API app on its own sessions of ``store``; yields its base URL. ``clock``
    judges the age of ``alerts``' latest evaluation."""
    context = ApiContext.open(
        store,
        settings or ApiSettings(),
        slos_dir=slos_dir,
        health_checks=health_checks,
        alerts=alerts,
        clock=clock,
    )
    try:
        with serving(create_app(context)) as url:
            yield url
    finally:
        context.close()
