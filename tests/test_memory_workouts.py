"""The planner's history read and what it keeps between reads; ``shown_records`` as two reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.live.state import LiveState
from agent.memory import history, store, workouts
from agent.memory.db import connect
from agent.memory.history import SetInput
from agent.memory.kept import PerPerson
from agent.memory.workouts import WorkoutRecord, live_record, shown_records, today_record
from agent.planning.models import History
from tests.factories import make_user


@contextmanager
def _nothing_kept() -> Iterator[None]:
    kept, workouts._KEPT = workouts._KEPT, PerPerson()
    try:
        yield
    finally:
        workouts._KEPT = kept


def _read_afresh(db: sqlite_utils.Database, user_id: int, today: date) -> History:
    """The history as a first read gives it: every session's sets read from the rows."""
    with _nothing_kept():
        return workouts.read_history(db, user_id, today)


def _log(db: sqlite_utils.Database, user_id: int, when: datetime, reps: int, load: float) -> None:
    history.log_sets(
        db, user_id, exercise_id="back_squat", exercise_name="Back squat",
        sets=[SetInput(reps=reps, load=load, unit="kg", rpe=8)], now=when,
    )  # fmt: skip


def _statements(db: sqlite_utils.Database) -> tuple[list[str], Any]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    return seen, lambda: db.conn.set_trace_callback(None)


def test_an_unchanged_window_is_not_read_again(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    for back in (1, 3, 5):
        _log(db, user_id, now - timedelta(days=back), 5, 100 + back)
    first = workouts.read_history(db, user_id, now.date())
    again = workouts.read_history(db, user_id, now.date())
    assert again == first == _read_afresh(db, user_id, now.date())
    # The same records, not copies: nothing was built again.
    assert all(a is b for a, b in zip(again.sessions, first.sessions, strict=True))
    if hasattr(db.conn, "set_trace_callback"):  # SQLite: what was asked of the database
        seen, stop = _statements(db)
        workouts.read_history(db, user_id, now.date())
        stop()
        assert not [s for s in seen if "reps, load_kg, rir" in s and "session_id IN" in s]


def test_a_change_to_one_session_reads_that_session_only(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    for back in (1, 3, 5):
        _log(db, user_id, now - timedelta(days=back), 5, 100)
    first = workouts.read_history(db, user_id, now.date())
    _log(db, user_id, now - timedelta(days=3), 8, 110)  # one more set in that day's workout
    second = workouts.read_history(db, user_id, now.date())
    assert second == _read_afresh(db, user_id, now.date())
    assert [len(s.exercises[0].sets) for s in second.sessions] == [1, 2, 1]
    assert second.sessions[0] is first.sessions[0] and second.sessions[2] is first.sessions[2]
    assert second.sessions[1] is not first.sessions[1]


def test_a_status_or_plan_written_by_anything_is_read(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    _log(db, user_id, now - timedelta(days=2), 6, 100)
    assert workouts.read_history(db, user_id, now.date()).sessions[0].status == "done"
    session_id = db.execute(
        "SELECT id FROM workout_sessions WHERE user_id = ?", [user_id]
    ).fetchone()[0]
    # A seed script or another process rewriting the row: the planned range of the lift.
    plan = {"title": "t", "exercises": [{"id": "back_squat", "rep_low": 5, "rep_high": 8}]}
    db.execute("UPDATE workout_sessions SET plan = ? WHERE id = ?", [json.dumps(plan), session_id])
    db.conn.commit()
    record = workouts.read_history(db, user_id, now.date()).sessions[0].exercises[0]
    assert (record.rep_low, record.rep_high) == (5, 8)
    db.execute("UPDATE workout_sessions SET status = 'skipped' WHERE id = ?", [session_id])
    db.conn.commit()
    assert workouts.read_history(db, user_id, now.date()).sessions[0].status == "skipped"


def test_records_are_kept_per_database_and_per_person(now: datetime) -> None:
    one, two = connect(":memory:"), connect(":memory:")
    people = []
    for db, load in ((one, 100.0), (two, 60.0)):
        user_id, _ = make_user(db, now)
        _log(db, user_id, now - timedelta(days=1), 5, load)
        people.append(user_id)
    assert people[0] == people[1]  # the same id in both files
    loads = [
        workouts.read_history(db, people[0], now.date()).sessions[0].exercises[0].sets[0].load_kg
        for db in (one, two)
    ]
    assert loads == [100.0, 60.0]
    other, _ = make_user(one, now, "sam")
    assert workouts.read_history(one, other, now.date()).sessions == []
    one.close()
    two.close()


_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["log", "log", "live", "open", "skip", "plan", "outside", "read"]),
        st.integers(min_value=0, max_value=90),  # days before "now"
        st.sampled_from(["back_squat", "push_up", "rower_intervals", "custom:sled"]),
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=20),
                st.one_of(st.none(), st.sampled_from([10.0, 22.5, 60.0])),
                st.sampled_from(["normal", "warmup", "failure"]),
                st.one_of(st.none(), st.sampled_from([30.0, 600.0])),
            ),
            min_size=1,
            max_size=3,
        ),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS)
def test_a_kept_read_equals_a_first_read_after_any_writes(
    steps: list[tuple[str, int, str, list[tuple[int, float | None, str, float | None]]]],
) -> None:
    db = connect(":memory:")
    now = datetime.fromisoformat("2026-11-16T18:00:00+00:00")
    user_id, _ = make_user(db, now)
    open_sessions: list[int] = []
    for (
        kind,
        back,
        exercise_id,
        sets,
    ) in steps:
        when = now - timedelta(days=back)
        inputs = [
            SetInput(reps=r, load=w, unit="kg" if w else None, set_type=t, duration_s=seconds)
            for r, w, t, seconds in sets
        ]
        if kind == "log":  # into that day's logged workout, made on the first log
            history.log_sets(
                db, user_id, exercise_id=exercise_id, exercise_name="X", sets=inputs, now=when
            )
        elif kind in ("live", "open"):  # a live workout, finished or still going
            session_id = workouts.start(db, user_id, LiveState(), when, plan={"title": "t"})
            history.log_sets(
                db, user_id, exercise_id=exercise_id, exercise_name="X", sets=inputs,
                now=when, session_id=session_id,
            )  # fmt: skip
            if kind == "open":
                open_sessions.append(session_id)
            else:
                workouts.close(db, user_id, session_id, LiveState(), when)
        elif kind == "skip":
            history.skip_session(db, user_id, now=when, reason="busy")
        elif kind == "plan" and open_sessions:  # an earlier live workout finished now
            workouts.close(db, user_id, open_sessions.pop(), LiveState(), when)
        elif kind == "outside":  # another writer retargets every session's plan
            plan = {"title": "t", "exercises": [{"id": exercise_id, "rep_low": back % 9}]}
            db.execute(
                "UPDATE workout_sessions SET plan = ? WHERE user_id = ?",
                [json.dumps(plan), user_id],
            )
            db.conn.commit()
        read = workouts.read_history(db, user_id, now.date())
        assert read == _read_afresh(db, user_id, now.date())
    db.close()


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
