"""The coach's clock and timestamp format, and safety's copy of the format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from agent.clock import iso, utc_now
from safety.storage import timestamp


def test_the_wall_clock_is_utc() -> None:
    assert utc_now().utcoffset() == timedelta(0)


def test_timestamps_are_iso_to_the_second() -> None:
    moment = datetime(2026, 11, 16, 18, 0, 5, 123456, tzinfo=UTC)
    assert iso(moment) == "2026-11-16T18:00:05+00:00"


@given(st.datetimes(timezones=st.just(UTC)))
def test_safety_stores_time_exactly_as_the_coach_does(moment: datetime) -> None:
    # Safety imports nothing from agent, yet both write the same tables' time columns,
    # which SQL compares as text.
    assert timestamp(moment) == iso(moment)
