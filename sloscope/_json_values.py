"""Any value a ClickHouse result holds, as a JSON value.

clickhouse-connect hands out Python objects JSON has no word for: ``IPv4Address``,
``Decimal``, ``UUID``, datetimes, ``bytes``, ``Map`` as a dict with keys of any type,
``Tuple`` and ``Nested`` as tuples, floats that are NaN or infinite. Each is written the
way ClickHouse's own JSON formats write it, so the answer is always valid JSON and says
the same thing whether ``sloscope query`` goes through the API or not.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import JsonValue


def json_value(value: Any) -> JsonValue:
    """``value`` as JSON: numbers exact (64- to 256-bit integers included), NaN and the
    infinities as ``"nan"``/``"inf"``/``"-inf"``, times in ISO 8601 (naive ones are UTC),
    addresses, decimals and UUIDs as text, bytes as UTF-8 (invalid bytes replaced),
    tuples and arrays as lists, maps as objects whose keys are written as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {_key(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    return _scalar(value)


def _scalar(value: Any) -> JsonValue:
    converted: JsonValue
    if isinstance(value, float):
        converted = value if math.isfinite(value) else str(value)
    elif isinstance(value, datetime):
        converted = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    elif isinstance(value, date | time):
        converted = value.isoformat()
    elif isinstance(value, timedelta):
        converted = value.total_seconds()
    elif isinstance(value, bytes | bytearray | memoryview):
        converted = bytes(value).decode("utf-8", errors="replace")
    elif isinstance(value, enum.Enum):
        converted = value.name
    else:  # Decimal, UUID, IPv4Address, IPv6Address and anything unforeseen
        converted = str(value)
    return converted


def _key(key: Any) -> str:
    encoded = json_value(key)
    return encoded if isinstance(encoded, str) else json.dumps(encoded)
