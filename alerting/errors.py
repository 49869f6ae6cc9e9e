"""Errors the alerting package raises, grouped by what the caller can do about them.

    AlertingError
    ├── NotFound           no alert or silence by that id (HTTP 404, exit 2)
    └── InvalidAction      a change the state does not allow, or a bad argument: acknowledge
                           a resolved alert, a silence that ends before it starts (HTTP 400,
                           exit 2)

Configuration errors are the SLO engine's ``SpecError`` (the section lives in the SLO
files, and is reported the same way, file:line:col). Store failures stay the processor's
errors. Bugs stay ``TypeError``/``RuntimeError``.
"""

from __future__ import annotations


class AlertingError(Exception):
    """Root of every error the alerting package raises on purpose."""


class NotFound(AlertingError):
    """No alert or silence has that id."""


class InvalidAction(AlertingError):
    """The change asked for does not apply to the alert or silence as it stands."""
