"""The oldest ClickHouse server sloscope runs on, and the check made when a store opens.

sloscope's SQL is the one the embedded engine runs (ClickHouse 26.9 in chDB); on a server,
each feature below must be there. The versions are ClickHouse's own record of when each
setting appeared (``system.settings_changes``; a test reads them from the embedded
engine), so the minimum is the newest of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from processor.errors import UnsupportedServer


@dataclass(frozen=True, slots=True)
class Requirement:
    """A setting sloscope uses, the release that brought it, and what needs it."""

    setting: str
    version: tuple[int, int]
    needed_for: str


REQUIREMENTS: Final = (
    Requirement(
        "format_schema_source",
        (25, 6),
        "ingest: the OTLP request bytes reach the server with their .proto schema inline",
    ),
    Requirement(
        "input_format_protobuf_oneof_presence",
        (25, 9),
        "ingest: which OTLP oneof member and optional field was set",
    ),
    Requirement(
        "enable_materialized_cte",
        (26, 3),
        "ingest: the write statements read each series' state once",
    ),
    Requirement(
        "allow_dimensions_outside_sorting_key",
        (26, 7),
        "the schema: the SLO rollup tables",
    ),
)
MINIMUM_VERSION: Final = max(requirement.version for requirement in REQUIREMENTS)
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.|$)")


def check_server_version(version: str) -> None:
    """Raise ``UnsupportedServer`` for a server older than ``MINIMUM_VERSION``, naming
    the minimum and what the server lacks."""
    match = _VERSION.match(version)
    if match is None:
        raise UnsupportedServer(f"cannot read the ClickHouse server's version {version!r}")
    found = (int(match.group(1)), int(match.group(2)))
    if found >= MINIMUM_VERSION:
        return
    missing = "; ".join(
        f"{req.setting} ({_text(req.version)}, {req.needed_for})"
        for req in REQUIREMENTS
        if req.version > found
    )
    raise UnsupportedServer(
        f"ClickHouse server {version} is too old: sloscope needs {_text(MINIMUM_VERSION)} "
        f"or newer (missing: {missing})"
    )


def _text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
