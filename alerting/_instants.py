"""Instants at the store's boundary: the store reads and returns DateTime64 as UTC wall
time without a zone; the package holds tz-aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime


def naive_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def maybe_naive(instant: datetime | None) -> datetime | None:
    return None if instant is None else naive_utc(instant)


def utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def maybe_utc(instant: datetime | None) -> datetime | None:
    return None if instant is None else utc(instant)
