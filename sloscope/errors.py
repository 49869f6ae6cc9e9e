"""Errors of the application shell.

SloscopeError
├── UsageError        a command used wrongly (exit 2)
└── ServerUnreachable a running ``sloscope serve`` did not answer (exit 2)
"""

from __future__ import annotations


class SloscopeError(Exception):
    """Root of the shell's own errors."""


class UsageError(SloscopeError):
    """The command was used wrongly."""


class ServerUnreachable(SloscopeError):
    """``sloscope serve`` holds the store but its API did not answer."""
