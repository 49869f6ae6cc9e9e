"""sloscope's own metrics: the processor's, and the API's requests and dashboard views.

Everything is counted in the processor's ``SelfMetrics``, so it is written to the store
by the same writer as the processor's self-metrics (``service.name = sloscope``, every
``processor.self_metrics_interval_s``) and served by ``GET /metrics`` as Prometheus text:

* ``monitoring.metrics.collected`` (the product spec's name): the data points the
  processor collected, the same count as ``sloscope.processor.points.accepted``.
* ``monitoring.dashboard.views`` (the product spec's name), attribute ``page`` (the
  route's template, e.g. ``/slos/{name}``): the HTML pages served (a GET answered 200
  with ``text/html``). ``api._metrics.RequestMetrics`` counts them for every page,
  present and future, without the page doing anything.
* ``sloscope.api.requests``, attributes ``http.route``, ``http.request.method`` and
  ``http.response.status_code``: every request that passed the request gate.

A process that does not ingest (``serve --role engine``) keeps its counts for
``/metrics`` only: it has no writer to store them with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from processor import SelfMetrics
from sloscope._prometheus import exposition

API_SCOPE: Final = "sloscope.api"
VIEWS_METRIC: Final = "monitoring.dashboard.views"
REQUESTS_METRIC: Final = "sloscope.api.requests"
KNOWN_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE: Final = "unmatched"

QueueSize = Callable[[], tuple[int, int]]
"""The receiver's queue: (points queued, capacity)."""


def _no_queue() -> tuple[int, int]:
    return (0, 0)


class Monitoring:
    """The process's own counters, and their Prometheus text."""

    def __init__(self, metrics: SelfMetrics | None = None, queue: QueueSize = _no_queue) -> None:
        self.metrics = metrics if metrics is not None else SelfMetrics()
        self._queue = queue

    def record_view(self, page: str) -> None:
        """One view of the dashboard page ``page`` (a route template, never a raw path:
        the attribute's values stay few)."""
        self.metrics.count(API_SCOPE, VIEWS_METRIC, "{view}", {"page": page})

    def record_request(self, route: str, method: str, status: int) -> None:
        self.metrics.count(
            API_SCOPE,
            REQUESTS_METRIC,
            "{request}",
            {
                "http.route": route,
                "http.request.method": method if method in KNOWN_METHODS else "_OTHER",
                "http.response.status_code": str(status),
            },
        )

    def prometheus_text(self) -> str:
        """Every total since the start, in the text exposition format."""
        return exposition(self.metrics.cumulative(*self._queue()))
