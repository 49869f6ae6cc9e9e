"""The engine's SQL files, loaded once by name through importlib.resources."""

from __future__ import annotations

import importlib.resources
import re
from functools import lru_cache

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}")


@lru_cache(maxsize=32)
def sql(name: str) -> str:
    """The text of ``slo_engine/sql/<name>.sql``."""
    return (importlib.resources.files("slo_engine") / "sql" / f"{name}.sql").read_text()


def placeholders(text: str) -> set[str]:
    """The parameter names a SQL text uses."""
    return {match.group(1) for match in PLACEHOLDER.finditer(text)}


def names() -> list[str]:
    folder = importlib.resources.files("slo_engine") / "sql"
    return sorted(entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".sql"))
