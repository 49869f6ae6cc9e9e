"""Errors raised by the instrumentation package.

::

    InstrumentationError            root: catch this to catch them all
    ├── InvalidConfiguration        a bad argument or environment variable; the user fixes it
    └── PostgresUnavailable         the PostgreSQL statistics reader cannot connect or query;
                                    retrying later may succeed (collection cycles log it and
                                    carry on)

Bugs stay ``TypeError`` / ``RuntimeError``.
"""

from __future__ import annotations

__all__ = ["InstrumentationError", "InvalidConfiguration", "PostgresUnavailable"]


class InstrumentationError(Exception):
    """The root of every error this package raises on purpose."""


class InvalidConfiguration(InstrumentationError, ValueError):
    """An argument or environment variable has a value we cannot use.

    The message names the setting and the offending value.
    """


class PostgresUnavailable(InstrumentationError):
    """The PostgreSQL server could not be reached or refused a statistics query."""
