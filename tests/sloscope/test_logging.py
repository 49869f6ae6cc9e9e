from __future__ import annotations

import json
import logging

from sloscope._logging import JsonFormatter


def test_one_json_object_per_event_with_its_fields() -> None:
    record = logging.LogRecord(
        "processor._batcher", logging.WARNING, __file__, 1, "batch failed", None, None
    )
    record.points = 1000
    record.color_message = "uvicorn's coloured copy"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "warning"
    assert entry["logger"] == "processor._batcher"
    assert entry["message"] == "batch failed"
    assert entry["points"] == 1000
    assert "color_message" not in entry
    assert entry["time"].endswith("Z")


def test_exceptions_are_kept_on_the_same_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]
