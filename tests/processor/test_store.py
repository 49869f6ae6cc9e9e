from __future__ import annotations

import pytest

from processor.errors import InvalidDsn
from processor.store import METRIC_TABLES, Store, parse_dsn


def test_migrations_create_the_five_contrib_tables(store: Store) -> None:
    rows = store.query("SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name")
    names = {row[0] for row in rows}
    assert set(METRIC_TABLES.values()) <= names


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("chdb://", "needs a data directory"),
        ("http:///x", "needs a host"),
        ("ftp://host/db", "unsupported store DSN scheme"),
    ],
    ids=["chdb-without-path", "http-without-host", "unknown-scheme"],
)
def test_bad_dsn_is_rejected_with_a_reason(dsn: str, message: str) -> None:
    with pytest.raises(InvalidDsn, match=message):
        parse_dsn(dsn)
