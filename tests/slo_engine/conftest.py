"""SLO tests insert data at fixed past dates, so their store keeps rows forever."""

from __future__ import annotations

import dataclasses

import pytest

from processor.store import StoreOptions


@pytest.fixture
def store_options(store_options: StoreOptions) -> StoreOptions:
    return dataclasses.replace(store_options, retention_days=0)
