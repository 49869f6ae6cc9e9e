"""One read per collection cycle, shared by every instrument that needs it.

A collection runs the callbacks of all observable instruments one after the other; a
``CycleCache`` makes the first callback read (``psutil.virtual_memory()``, a query...) and
the others reuse that value while it is younger than ``max_age_s``. A read that fails is
logged (the first failure of each reader as a warning, later ones at debug level) and
yields ``None``, so a collection never dies on one bad source.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final, Generic, TypeVar

__all__ = ["DEFAULT_MAX_AGE_S", "CycleCache"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE_S: Final = 1.0

_T = TypeVar("_T")


class CycleCache(Generic[_T]):
    """Calls ``read`` at most once per ``max_age_s``; thread-safe."""

    __slots__ = (
        "_at",
        "_clock",
        "_errors",
        "_failed",
        "_lock",
        "_max_age_s",
        "_name",
        "_read",
        "_value",
    )

    def __init__(
        self,
        name: str,
        read: Callable[[], _T],
        *,
        errors: tuple[type[BaseException], ...] = (OSError,),
        max_age_s: float = DEFAULT_MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._name = name
        self._read = read
        self._errors = errors
        self._max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._at: float | None = None
        self._value: _T | None = None
        self._failed = False

    def get(self) -> _T | None:
        """The value of this cycle, reading it if it is missing or stale."""
        with self._lock:
            now = self._clock()
            if self._at is not None and now - self._at < self._max_age_s:
                return self._value
            try:
                self._value = self._read()
            except self._errors as exc:
                self._value = None
                level = logging.DEBUG if self._failed else logging.WARNING
                self._failed = True
                logger.log(
                    level,
                    "resource read failed",
                    exc_info=exc,
                    extra={"reader": self._name},
                )
            self._at = now
            return self._value
