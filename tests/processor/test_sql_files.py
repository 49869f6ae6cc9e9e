"""Every processor SQL file loads, binds exactly the parameters the pipeline passes, and
produces the columns of the table it inserts into, in order (the INSERTs are positional)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from processor import _sql
from processor._pipeline import RECENT_POINTS, Limits, Pipeline, sink_table, staging_table
from processor._structures import structure_for
from processor._types import MetricType
from processor.store import SERIES_COUNTS_TABLE, SERIES_STATE_TABLE, Store

PLACEHOLDER = re.compile(r"\{(\w+):[^}]+\}")
NAMES = _sql.statement_names()


_FIXED_PARAMETERS = {
    "rejections": {"staging", "raw_oldest_unix_nano"},
    "rounds": {"staging"},
    "overflowing": {"db", "counts"},
    "copy_minutes": {"db", "t", "start", "end"},
    "copy_rollup_minutes": {"db", "t", "start", "end"},
    "copy_chunk": {"db", "t", "start", "end"},
    "copy_columns": {"db", "t"},
    "copy_counts": {"db", "counts"},
    "copy_state": {"db", "state"},
}


def _parameters(name: str) -> set[str]:
    kind = name.split("_", 1)[-1]
    if name.startswith("stage_"):
        return {
            "staging",
            "path",
            "structure",
            "schema",
            "max_attributes",
            "max_attribute_bytes",
            "oldest_unix_nano",
            "newest_unix_nano",
        }
    if name.startswith("write_"):
        return {
            "db",
            "staging",
            "sink",
            "state",
            "counts",
            "series_limit",
            "round",
            "recent_points",
        }
    if name in _FIXED_PARAMETERS:
        return _FIXED_PARAMETERS[name]
    assert name.startswith("function_"), f"no parameters known for {name} ({kind})"
    return set()


@pytest.mark.parametrize("name", NAMES)
def test_placeholders_match_the_parameters_passed(name: str) -> None:
    text = _sql.statement(name)
    assert "%(" not in text
    assert text.startswith("-- "), "every statement opens with a comment saying what it does"
    source = _sql.FILE_SOURCE if name.startswith("stage_") else ""
    assert set(PLACEHOLDER.findall(text + source)) == _parameters(name)


def _columns(store: Store, sql: str, parameters: dict[str, object]) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in store.query(f"DESCRIBE ({sql})", parameters)]


def _table_columns(store: Store, table: str) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in store.query("DESCRIBE TABLE {db:Identifier}.{t:Identifier}", {"t": table})
    ]


@pytest.mark.parametrize("metric_type", list(MetricType), ids=lambda t: t.value)
def test_stage_selects_the_staging_columns_in_order(
    store: Store, metric_type: MetricType, tmp_path: Path
) -> None:
    Pipeline(store, Limits(), tmp_path).prepare()
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    text = _sql.stage_statement(metric_type.value, _sql.FILE_SOURCE)
    select = text[text.index("\nSELECT\n") + 1 :]
    produced = _columns(
        store,
        select,
        {
            "path": str(empty),
            "structure": structure_for(metric_type),
            "schema": f"{tmp_path / 'otlp.proto'}:Envelope",
            "max_attributes": 1,
            "max_attribute_bytes": 1,
            "oldest_unix_nano": 0,
            "newest_unix_nano": 1,
        },
    )
    expected = _table_columns(store, staging_table(metric_type))
    assert [name for name, _ in produced] == [name for name, _ in expected]


@pytest.mark.parametrize("metric_type", list(MetricType), ids=lambda t: t.value)
def test_write_selects_the_sink_columns_in_order(
    store: Store, metric_type: MetricType, tmp_path: Path
) -> None:
    Pipeline(store, Limits(), tmp_path).prepare()
    text = _sql.statement(f"write_{metric_type.value}")
    select = text[text.index("\nWITH\n") + 1 :]
    produced = _columns(
        store,
        select,
        {
            "staging": staging_table(metric_type),
            "state": SERIES_STATE_TABLE,
            "counts": SERIES_COUNTS_TABLE,
            "series_limit": 10,
            "round": 1,
            "recent_points": RECENT_POINTS,
        },
    )
    expected = _table_columns(store, sink_table(metric_type))
    assert [name.removeprefix("Stored") for name, _ in produced] == [name for name, _ in expected]
