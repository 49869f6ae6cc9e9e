"""What the API's routes share, and the dependency that hands it to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request

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


def api_context(request: Request) -> ApiContext:
    """The app's context, for ``Depends``: routes never reach for globals."""
    context = request.app.state.context
    if not isinstance(context, ApiContext):
        raise TypeError("the app was built without an ApiContext")
    return context
