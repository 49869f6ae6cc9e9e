from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slo_engine._exclusions import excluded
from slo_engine._model import Exclusion, Recurrence
from slo_engine._windows import Range


def test_weekly_maintenance_stays_at_local_time_across_dst():
    weekly = Exclusion(
        name="db",
        start=datetime(2026, 3, 3, 1, 0, tzinfo=UTC),  # Tuesday 02:00 in Berlin (CET)
        duration=timedelta(hours=2),
        recurrence=Recurrence("FREQ=WEEKLY;BYDAY=TU", "Europe/Berlin"),
    )
    found = excluded(
        [weekly], Range(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 8, tzinfo=UTC))
    )
    assert [r.start for r in found] == [
        datetime(2026, 3, 3, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 17, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 24, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 0, 0, tzinfo=UTC),  # CEST: 02:00 local is 00:00 UTC
        datetime(2026, 4, 7, 0, 0, tzinfo=UTC),
    ]
    assert all(r.seconds == 7200 for r in found)


def test_one_off_exclusions_merge_widen_and_clip():
    first = Exclusion("a", datetime(2026, 1, 1, 10, 0, 30, tzinfo=UTC), timedelta(minutes=10))
    second = Exclusion("b", datetime(2026, 1, 1, 10, 5, tzinfo=UTC), timedelta(minutes=20))
    span = Range(datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 1, 10, 20, tzinfo=UTC))
    assert excluded([first, second], span) == [span]
