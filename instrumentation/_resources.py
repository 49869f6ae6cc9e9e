"""``instrument_resources()``: host and process metrics for the service, from psutil."""

from __future__ import annotations

import threading
from pathlib import Path

from opentelemetry.metrics import MeterProvider

from instrumentation._linux import PROC
from instrumentation._process import ProcessMetrics
from instrumentation._sampling import DEFAULT_MAX_AGE_S
from instrumentation._scope import get_meter
from instrumentation._system import SystemMetrics

__all__ = ["ResourceMetrics", "instrument_resources"]


class ResourceMetrics:
    """The registered resource instruments. ``close()`` makes them observe nothing.

    (The OpenTelemetry API cannot unregister an observable instrument.)
    """

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self.system: SystemMetrics | None = None
        self.process: ProcessMetrics | None = None

    def is_open(self) -> bool:
        return self._open.is_set()

    def close(self) -> None:
        """Stop observing; idempotent."""
        self._open.clear()


def instrument_resources(
    meter_provider: MeterProvider | None = None,
    *,
    system: bool = True,
    process: bool = True,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    proc: Path = PROC,
) -> ResourceMetrics:
    """Register the ``system.*`` and/or ``process.*``/``cpython.gc.*`` instruments.

    Values are read when the meter provider collects, each psutil call once per
    collection (a value younger than ``max_age_s`` is reused). ``proc`` is where Linux's
    ``/proc`` is mounted (tests point it elsewhere).
    """
    handle = ResourceMetrics()
    meter = get_meter(meter_provider)
    if system:
        handle.system = SystemMetrics(meter, max_age_s=max_age_s, proc=proc, enabled=handle.is_open)
    if process:
        handle.process = ProcessMetrics(meter, max_age_s=max_age_s, enabled=handle.is_open)
    return handle
