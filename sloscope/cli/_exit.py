"""Exit codes, named. Only the CLI layer exits; everything below raises."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_BREACH: Final = 1
EXIT_USAGE: Final = 2
