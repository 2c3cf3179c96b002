"""``workouts.shown_records``: one read answering as ``live_record`` and ``today_record`` do."""

from __future__ import annotations

from datetime import date, datetime

import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.memory import store
from agent.memory.db import connect
from agent.memory.workouts import WorkoutRecord, live_record, shown_records, today_record

DAY = date(2026, 11, 18)

_Row = tuple[str, str | None, bool, str]
"""A stored session: status, planned_for, whether it has a plan, source."""

STATUSES = ["planned", "in_progress", "done", "skipped"]
DAYS = [DAY.isoformat(), "2026-11-17", "2026-11-19", None]
SOURCES = ["coach", "log", "import", "api"]


def _store(db: sqlite_utils.Database, user_id: int, rows: list[_Row]) -> None:
    for status, planned_for, planned, source in rows:
        db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [user_id, status, planned_for, '{"blocks": []}' if planned else None, source, "t"],
        )


def _ids(pair: tuple[WorkoutRecord | None, ...]) -> tuple[int | None, ...]:
    return tuple(record.id if record is not None else None for record in pair)


def _assert_same_as_the_two_reads(db: sqlite_utils.Database, user_id: int) -> None:
    shown = shown_records(db, user_id, DAY)
    apart = (live_record(db, user_id), today_record(db, user_id, DAY))
    assert _ids(shown) == _ids(apart)
    for one, other in zip(shown, apart, strict=True):
        if one is not None and other is not None:
            assert (one.status, one.planned_for, one.plan, one.state, one.sets_logged) == (
                other.status,
                other.planned_for,
                other.plan,
                other.state,
                other.sets_logged,
            )


def test_the_sessions_shown_with_a_chat_answer_are_those_the_two_reads_give(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id = store.ensure_user(db, "ann", now)
    other = store.ensure_user(db, "bob", now)
    assert shown_records(db, user_id, DAY) == (None, None)
    _store(
        db,
        user_id,
        [
            ("done", DAY.isoformat(), True, "coach"),
            ("planned", DAY.isoformat(), True, "log"),  # logged by hand: not the coach's plan
            ("in_progress", "2026-11-17", False, "coach"),  # live, but not a plan to show
            ("skipped", DAY.isoformat(), True, "coach"),
            ("planned", "2026-11-19", True, "coach"),
        ],
    )
    _store(db, other, [("in_progress", DAY.isoformat(), True, "coach")])
    live, today = shown_records(db, user_id, DAY)
    assert live is not None and live.status == "in_progress" and live.plan is None
    assert today is not None and today.status == "done"
    _assert_same_as_the_two_reads(db, user_id)
    # A live coach-planned session is both answers, as the two reads say.
    _store(db, user_id, [("in_progress", "2026-11-16", True, "coach")])
    live, today = shown_records(db, user_id, DAY)
    assert live is not None and today is not None and live.id == today.id
    _assert_same_as_the_two_reads(db, user_id)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STATUSES),
            st.sampled_from(DAYS),
            st.booleans(),
            st.sampled_from(SOURCES),
        ),
        max_size=8,
    )
)
def test_for_any_stored_sessions_one_read_answers_as_the_two(rows: list[_Row]) -> None:
    db = connect(":memory:")
    user_id = store.ensure_user(db, "ann", datetime(2026, 11, 18, 7, 0))
    _store(db, user_id, rows)
    assert _ids(shown_records(db, user_id, DAY)) == _ids(
        (live_record(db, user_id), today_record(db, user_id, DAY))
    )
    db.close()
