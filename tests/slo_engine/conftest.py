"""SLO tests insert data at fixed past dates, so their store keeps rows forever.

``module_store`` is one migrated database for a whole test module: golden tests insert
their traffic once and evaluate many SLOs against it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from processor.store import Store, StoreOptions, open_store


@pytest.fixture
def store_options(store_options: StoreOptions) -> StoreOptions:
    return dataclasses.replace(store_options, retention_days=0)


@pytest.fixture(scope="module")
def module_store(data_dir: Path) -> Iterator[Store]:
    options = StoreOptions(
        dsn=f"chdb://{data_dir}", database=f"m_{uuid.uuid4().hex[:12]}", retention_days=0
    )
    opened = open_store(options)
    try:
        yield opened
    finally:
        opened.command("DROP DATABASE IF EXISTS {db:Identifier}")
        opened.close()
