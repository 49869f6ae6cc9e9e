"""Values clickhouse-connect hands out that no ClickHouse type in the API tests yields
directly, encoded the same way (the rest go through the API in test_api_limits)."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from ipaddress import IPv4Address

import pytest

from sloscope._json_values import json_value


class Color(enum.Enum):
    RED = 1


class Opaque:
    def __str__(self) -> str:
        return "opaque"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"\xffok", "\ufffdok"),
        (bytearray(b"ab"), "ab"),
        (memoryview(b"cd"), "cd"),
        (Color.RED, "RED"),
        (timedelta(minutes=1, milliseconds=500), 60.5),
        (time(12, 30), "12:30:00"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05+00:00"),
        (datetime(2026, 1, 2, tzinfo=UTC), "2026-01-02T00:00:00+00:00"),
        (frozenset({Decimal("1.5")}), ["1.5"]),
        ({IPv4Address("10.0.0.1"): {None: float("nan")}}, {"10.0.0.1": {"null": "nan"}}),
        ({(1, "a"): 1, 2.5: 2, True: 3}, {'[1, "a"]': 1, "2.5": 2, "true": 3}),
        (Opaque(), "opaque"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_values_without_a_json_form_are_encoded(value: object, expected: object) -> None:
    encoded = json_value(value)
    assert encoded == expected
    json.dumps(encoded, allow_nan=False)
