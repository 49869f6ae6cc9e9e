"""Every alerting SQL file: its parameters are the ones its header lists, no client-side
formatting, and the fragments expand."""

from __future__ import annotations

import re

import pytest

from alerting._sql import SQL
from slo_engine._sql import placeholders


@pytest.mark.parametrize("name", SQL.names())
def test_placeholders_match_the_header(name: str) -> None:
    text = SQL.sql(name)
    assert "%(" not in text
    assert "${" not in text
    header = " ".join(line[3:] for line in text.splitlines() if line.startswith("-- "))
    listed = re.search(r"Parameters: (.*?)\.(?:\s|$)", header)
    assert listed is not None, name
    declared = {part.strip() for part in listed.group(1).split(",")}
    assert placeholders(text) == declared
