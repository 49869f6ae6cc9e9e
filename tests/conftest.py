"""Fixtures that hand out real parts: an embedded ClickHouse per test process, a fresh
database per test, and an environment free of SLOSCOPE_* and OTEL_* variables."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from processor.store import Store, StoreOptions, open_store


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
