"""SQL statements kept in ``processor/sql/*.sql``, loaded once by name."""

from __future__ import annotations

import functools
import string
from pathlib import Path

# How the stage statements read a batch: from a file the embedded engine can open, or
# from the data sent along with the INSERT to a server, whose format closes the
# statement. Fixed texts, never from input.
FILE_SOURCE = "file({path:String}, 'Protobuf', {structure:String})"
INPUT_SOURCE = "input({structure:String})"
_INPUT_FORMAT = "FORMAT Protobuf"
_FOLDER = Path(__file__).parent / "sql"


# Pieces several statements share, kept once: ``${SCOPES}`` (stage_*) and ``${ROUND}``
# (write_*) stand for the text of ``_scopes.sql`` and ``_round.sql``.
_FRAGMENTS = {"SCOPES": "_scopes", "ROUND": "_round"}


@functools.cache
def statement(name: str) -> str:
    """The text of ``processor/sql/<name>.sql``, with its shared fragments in place."""
    text = (_FOLDER / f"{name}.sql").read_text()
    fragments = {key: _fragment(file) for key, file in _FRAGMENTS.items() if f"${{{key}}}" in text}
    return string.Template(text).safe_substitute(fragments)


def _fragment(name: str) -> str:
    lines = (_FOLDER / f"{name}.sql").read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("-- ")).strip()


@functools.cache
def stage_statement(metric_type_value: str, source: str) -> str:
    """``stage_<type>.sql`` with its batch source filled in (and, reading ``input()``,
    the format of the data that follows)."""
    text = string.Template(statement(f"stage_{metric_type_value}")).substitute(SOURCE=source)
    return "\n".join((text, _INPUT_FORMAT)) if source == INPUT_SOURCE else text


def statement_names() -> list[str]:
    """Every statement shipped, by name."""
    return sorted(path.stem for path in _FOLDER.glob("*.sql") if not path.stem.startswith("_"))
