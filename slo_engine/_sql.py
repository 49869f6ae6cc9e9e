"""The engine's SQL files, loaded once by name through importlib.resources.

A file whose name starts with ``_`` is a fragment several queries share: ``${NAME}`` in a
query stands for the text of ``_name.sql`` (its leading comment lines left out).
"""

from __future__ import annotations

import importlib.resources
import re
import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Final

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}")
# The windows queries run with these. The analyzer pass optimize_and_compare_chain walks
# every AND of the expanded quantile and threshold functions for comparisons to derive,
# and finds none: off, planning takes about 20 ms less (docs/slo.md, "Speed"). A
# read-only session sets them before readonly, which refuses a query's own changes.
QUERY_SETTINGS: Final[Mapping[str, int]] = {"optimize_and_compare_chain": 0}
_FRAGMENT = re.compile(r"\$\{([A-Z_]+)\}")


def _text(name: str) -> str:
    return (importlib.resources.files("slo_engine") / "sql" / f"{name}.sql").read_text()


@lru_cache(maxsize=32)
def sql(name: str) -> str:
    """The text of ``slo_engine/sql/<name>.sql``, with its fragments in place."""
    return _expanded(_text(name))


def _expanded(text: str) -> str:
    """``text`` with each ``${NAME}`` replaced by its fragment, itself expanded."""
    fragments = {key: _expanded(_fragment(key)) for key in _FRAGMENT.findall(text)}
    return string.Template(text).substitute(fragments)


def _fragment(key: str) -> str:
    lines = _text(f"_{key.lower()}").splitlines()
    return "\n".join(line for line in lines if not line.startswith("-- ")).strip()


def placeholders(text: str) -> set[str]:
    """The parameter names a SQL text uses."""
    return {match.group(1) for match in PLACEHOLDER.finditer(text)}


def names() -> list[str]:
    """Every query shipped, by name (fragments are not queries)."""
    folder = importlib.resources.files("slo_engine") / "sql"
    return sorted(
        entry.name[:-4]
        for entry in folder.iterdir()
        if entry.name.endswith(".sql") and not entry.name.startswith("_")
    )
