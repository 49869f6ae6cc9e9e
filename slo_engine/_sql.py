"""SQL files, loaded once by name through importlib.resources.

A file whose name starts with ``_`` is a fragment several queries share: ``${NAME}`` in a
query stands for the text of ``_name.sql`` (its leading comment lines left out).
``SqlFiles`` reads a package's ``sql/`` folder; the engine's own are ``sql``/``names``
here, and the alerting package reads its folder through the same class.
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


class SqlFiles:
    """The ``sql/`` folder of ``package``: queries by name, fragments expanded."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.sql = lru_cache(maxsize=64)(self._sql)

    def _text(self, name: str) -> str:
        return (importlib.resources.files(self.package) / "sql" / f"{name}.sql").read_text()

    def _sql(self, name: str) -> str:
        """The text of ``<package>/sql/<name>.sql``, with its fragments in place."""
        return self._expanded(self._text(name))

    def _expanded(self, text: str) -> str:
        """``text`` with each ``${NAME}`` replaced by its fragment, itself expanded."""
        fragments = {key: self._expanded(self._fragment(key)) for key in _FRAGMENT.findall(text)}
        return string.Template(text).substitute(fragments)

    def _fragment(self, key: str) -> str:
        lines = self._text(f"_{key.lower()}").splitlines()
        return "\n".join(line for line in lines if not line.startswith("-- ")).strip()

    def names(self) -> list[str]:
        """Every query shipped, by name (fragments are not queries)."""
        folder = importlib.resources.files(self.package) / "sql"
        return sorted(
            entry.name[:-4]
            for entry in folder.iterdir()
            if entry.name.endswith(".sql") and not entry.name.startswith("_")
        )


_ENGINE: Final = SqlFiles("slo_engine")
sql = _ENGINE.sql
names = _ENGINE.names


def placeholders(text: str) -> set[str]:
    """The parameter names a SQL text uses."""
    return {match.group(1) for match in PLACEHOLDER.finditer(text)}
