"""The health checks of the server's SLO files, for ``GET /api/health`` when no probe
loop feeds a board: read on request, and a new board only when the files changed, so
the board's in-flight sharing and minimum age hold across requests."""

from __future__ import annotations

import threading
from pathlib import Path

from alerting.probes import HealthBoard, load_health_checks
from slo_engine import read_sources


class HealthFiles:
    """The board of the checks in ``slos_dir``, rebuilt when its files change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, str] | None = None
        self._board = HealthBoard(())

    def board(self, slos_dir: Path) -> HealthBoard:
        """Reads files: call it off the event loop. ``SpecError`` when they are wrong."""
        sources = read_sources([slos_dir], missing_ok=True)
        with self._lock:
            if sources != self._sources:
                self._board = HealthBoard(load_health_checks(sources))
                self._sources = sources
            return self._board
