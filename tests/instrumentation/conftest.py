"""Real SDK parts for the instrumentation tests: an in-memory reader behind a real
MeterProvider, a PostgreSQL cluster per session, a running processor per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from processor.store import Store
from tests.support.postgres import PostgresServer, find_bin_dir, running_postgres
from tests.support.processor import running_processor


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    yield provider
    provider.shutdown()


@pytest.fixture
def endpoint(store: Store) -> Iterator[str]:
    """``127.0.0.1:PORT`` of a processor writing into this test's database."""
    with running_processor(store) as running:
        yield running.endpoint


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries are not installed (.ci/run installs them)")
    with running_postgres() as server:
        with psycopg.connect(server.dsn("template1"), autocommit=True) as conn:
            if server.pg_stat_statements:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        yield server


@pytest.fixture
def database(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database (pg_stat_statements installed when available); its DSN."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres.dsn(name)
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
