"""CycleCache: one read per cycle, failures logged once and survived."""

from __future__ import annotations

import logging

import pytest

from instrumentation._sampling import CycleCache


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_one_read_serves_a_whole_cycle() -> None:
    reads: list[int] = []
    clock = Clock()

    def read() -> int:
        reads.append(1)
        return len(reads)

    cache = CycleCache("count", read, max_age_s=1.0, clock=clock)
    assert [cache.get(), cache.get(), cache.get()] == [1, 1, 1]
    clock.now_s += 0.999
    assert cache.get() == 1
    clock.now_s += 0.001
    assert cache.get() == 2
    assert len(reads) == 2


def test_a_failed_read_yields_none_and_is_logged_once_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    outcomes: list[OSError | int] = [OSError("gone"), OSError("still gone"), 7]

    def read() -> int:
        outcome = outcomes.pop(0)
        if isinstance(outcome, OSError):
            raise outcome
        return outcome

    cache = CycleCache("flaky", read, max_age_s=1.0, clock=clock)
    with caplog.at_level(logging.DEBUG, logger="instrumentation._sampling"):
        assert cache.get() is None
        clock.now_s += 1
        assert cache.get() is None
        clock.now_s += 1
        assert cache.get() == 7
    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.WARNING, logging.DEBUG]
    assert all(record.reader == "flaky" for record in caplog.records)  # type: ignore[attr-defined]


def test_unexpected_errors_are_not_swallowed() -> None:
    def read() -> int:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        CycleCache("bug", read).get()
