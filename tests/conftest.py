"""Fixtures that hand out real parts: an embedded ClickHouse per test process, a fresh
database per test, a ClickHouse server (the chDB stand-in, and a real one when
SLOSCOPE_TEST_CLICKHOUSE_URL names it), and an environment free of SLOSCOPE_* and OTEL_*
variables."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from processor.store import Store, StoreOptions, open_store
from tests.support.clickhouse import (
    NO_REAL_SERVER,
    REAL_SERVER_ENV,
    ClickHouseServer,
    fresh_database,
    running_standin,
)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLOSCOPE_", "OTEL_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one chDB data directory this test process may open."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def store_options(data_dir: Path) -> StoreOptions:
    return StoreOptions(dsn=f"chdb://{data_dir}", database=f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(store_options: StoreOptions) -> Iterator[Store]:
    """A fresh, migrated database in the process's embedded store."""
    opened = open_store(store_options)
    try:
        yield opened
    finally:
        opened.command("DROP DATABASE IF EXISTS {db:Identifier}")
        opened.close()


@pytest.fixture(scope="session")
def clickhouse_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    """The chDB stand-in for a ClickHouse server, one process for the whole run."""
    with running_standin(tmp_path_factory.mktemp("clickhouse-standin")) as server:
        yield server


@pytest.fixture(scope="session")
def real_clickhouse() -> ClickHouseServer | None:
    """The real server of SLOSCOPE_TEST_CLICKHOUSE_URL (read before clean_environ runs)."""
    url = os.environ.get(REAL_SERVER_ENV)
    return ClickHouseServer.from_url(url) if url else None


@pytest.fixture(params=["stand-in", "server"])
def clickhouse(
    request: pytest.FixtureRequest, real_clickhouse: ClickHouseServer | None
) -> ClickHouseServer:
    """A ClickHouse server: the stand-in, and a real one when configured (else skipped)."""
    if request.param == "server":
        if real_clickhouse is None:
            pytest.skip(NO_REAL_SERVER)
        return real_clickhouse
    standin: ClickHouseServer = request.getfixturevalue("clickhouse_standin")
    return standin


@pytest.fixture
def server_dsn(clickhouse: ClickHouseServer) -> Iterator[str]:
    """``http://user:pass@127.0.0.1:P/t_...``: a fresh database on the server, dropped after."""
    with fresh_database(clickhouse) as database:
        yield clickhouse.dsn(database)


@pytest.fixture
def server_store(server_dsn: str) -> Iterator[Store]:
    """A fresh, migrated database on the server."""
    opened = open_store(StoreOptions(dsn=server_dsn))
    try:
        yield opened
    finally:
        opened.close()
