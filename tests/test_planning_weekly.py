"""The weekly program: splits, spacing, volume against landmarks and the health ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent.planning.models import ExerciseRecord, History, SessionRecord, SessionRequest, SetRecord
from agent.planning.weekly import choose_today, weekly_program
from tests.factories import PLAN_TODAY

MONDAY = PLAN_TODAY
WEDNESDAY = MONDAY + timedelta(days=2)
REQUEST = SessionRequest(equipment=["dumbbells", "bench"], minutes=40, today=MONDAY)


def _done(day_offset: int, exercise_id: str = "goblet_squat", **extra: float) -> SessionRecord:
    return SessionRecord(
        day=MONDAY + timedelta(days=day_offset),
        exercises=[ExerciseRecord(exercise_id=exercise_id, sets=[SetRecord(reps=10, rir=2)] * 3)],
        **extra,
    )


@pytest.mark.parametrize(
    ("days", "split"),
    [(2, "full body A/B"), (3, "full body A/B/C"), (4, "upper/lower"), (6, "push/pull/legs")],
)
def test_split_follows_days_per_week(days: int, split: str) -> None:
    week = weekly_program(REQUEST, days)
    assert week.split == split
    planned = [d for d in week.days if d.status != "done"]
    assert len(planned) == days
    dates = [d.day for d in planned]
    assert len(set(dates)) == len(dates)  # never two on one day
    assert week.today.focus == planned[0].focus


def test_sessions_already_done_count_and_the_next_one_is_planned() -> None:
    request = REQUEST.model_copy(update={"today": WEDNESDAY})
    history = History(sessions=[_done(0)])
    week = weekly_program(request, 3, history)
    assert [d.status for d in week.days][:2] == ["done", "today"]
    assert week.today.focus == "full_b"
    assert "session 2 of 3" in week.today.reasons[0]


def test_missed_sessions_are_not_crammed() -> None:
    saturday = MONDAY + timedelta(days=5)
    week = weekly_program(REQUEST.model_copy(update={"today": saturday}), 5, History())
    planned = [d for d in week.days if d.status != "done"]
    assert len(planned) == 2  # Saturday and Sunday only
    assert any("not crammed" in r for r in week.reasons)


def test_recent_muscles_steer_today_to_another_day_of_the_split() -> None:
    tuesday = MONDAY + timedelta(days=1)
    # Upper/lower: Monday counted as the first day, so "lower" is next in order...
    legs_monday = History(sessions=[_done(0, "goblet_squat")])
    focus, count, reasons = choose_today(4, legs_monday, tuesday)
    # ...but legs were trained yesterday, so the upper day comes first.
    assert count == 1 and focus == "upper"
    assert any("48 hours" in r for r in reasons)
    chest_monday = History(sessions=[_done(0, "db_bench_press")])
    focus, _count, reasons = choose_today(4, chest_monday, tuesday)
    assert focus == "lower"
    assert not any("48 hours" in r for r in reasons)


def test_trained_today_or_week_done_is_a_rest_day() -> None:
    assert choose_today(3, History(sessions=[_done(0)]), MONDAY)[0] is None
    full = History(sessions=[_done(0), _done(1), _done(2)])
    focus, count, reasons = choose_today(3, full, MONDAY + timedelta(days=3))
    assert focus is None and count == 3 and "done" in reasons[0]


def test_volume_is_reported_against_landmarks() -> None:
    week = weekly_program(REQUEST, 3)
    names = [v.muscle for v in week.volume]
    assert names == sorted(names) and "quads" in names and "back" in names
    for v in week.volume:
        assert v.total == pytest.approx(v.done + v.planned, abs=0.11)
        assert v.status in {"below_maintenance", "maintenance", "productive", "above_range"}


def test_ledger_counts_strength_days_and_aerobic_minutes() -> None:
    history = History(sessions=[_done(0, aerobic_minutes=30, vigorous_minutes=10)])
    week = weekly_program(REQUEST.model_copy(update={"today": WEDNESDAY}), 1, history)
    ledger = week.ledger
    assert ledger.strength_days_done == 1
    assert ledger.aerobic_minutes_done == 50  # vigorous counts double
    assert ledger.strength_days_target == 2 and not ledger.meets_strength_floor
    assert ledger.aerobic_minutes_target == 150 and not ledger.meets_aerobic_floor
    assert len(ledger.advice) == 2


def test_fat_loss_aims_higher_on_aerobic_minutes() -> None:
    request = REQUEST.model_copy(update={"goal": "fat_loss"})
    assert weekly_program(request, 3).ledger.aerobic_minutes_target == 250


def test_bad_days_per_week() -> None:
    with pytest.raises(ValueError):
        weekly_program(REQUEST, 0)
