"""What the API's routes share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.responses import JSONResponse

from processor.store import Store
from sloscope.config import ApiSettings


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The store (a read-only connection for user queries), settings and health probes."""

    store: Store
    query_store: Store
    settings: ApiSettings
    slos_dir: Path = Path("./slos")
    health_checks: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
