"""History aggregates: kept right on every write path, equal to a rebuild from raw rows."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.live.state import LiveState
from agent.memory import aggregates, context, history, intake, portability, store, workouts
from agent.memory.db import connect
from agent.memory.history import SetInput, estimate_1rm, week_start
from agent.planning.models import SessionRecord
from tests.factories import make_user

DATA = Path(__file__).parent / "data" / "import"


def _snapshot(db: sqlite_utils.Database, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    snap: dict[str, list[tuple[Any, ...]]] = {}
    for table in aggregates.DERIVED_TABLES:
        rows = db.execute(f"SELECT * FROM {table} WHERE user_id = ?", [user_id]).fetchall()
        snap[table] = sorted(tuple(r) for r in rows)
    return snap


def _assert_matches_rebuild(db: sqlite_utils.Database, user_id: int, now: datetime) -> None:
    # Reads first (they fold and move the stored streaks), then compare with a rebuild
    # that is read the same way.
    before_adherence = history.adherence(db, user_id, now)
    before = _snapshot(db, user_id)
    aggregates.rebuild(db, user_id)
    after_adherence = history.adherence(db, user_id, now)
    assert _snapshot(db, user_id) == before
    assert after_adherence == before_adherence


def _raw_training_days(db: sqlite_utils.Database, user_id: int) -> list[date]:
    rows = db.execute(
        f"SELECT DISTINCT {aggregates.SESSION_DAY} FROM workout_sessions WHERE user_id = ? "
        "AND status = 'done' UNION SELECT DISTINCT substr(logged_at, 1, 10) FROM set_logs "
        "WHERE user_id = ? AND session_id IS NULL",
        [user_id, user_id],
    ).fetchall()
    return sorted({date.fromisoformat(r[0]) for r in rows if r[0]})


def _raw_streaks(days: list[date], target: int, this_week: date) -> tuple[int, int]:
    per_week: dict[date, int] = defaultdict(int)
    for day in days:
        per_week[week_start(day)] += 1
    if not per_week:
        return 0, 0
    longest = run = 0
    cursor = min(per_week)
    while cursor <= this_week:
        if per_week.get(cursor, 0) >= target:
            run += 1
            longest = max(longest, run)
        elif cursor != this_week:
            run = 0
        cursor += timedelta(weeks=1)
    return run, longest


def _assert_matches_raw(db: sqlite_utils.Database, user_id: int, now: datetime) -> None:
    """Every aggregate read equals the same figure computed from every raw row."""
    sets = db.execute(
        "SELECT id, exercise_id, set_type, reps, load_kg, rpe, logged_at FROM set_logs "
        "WHERE user_id = ? ORDER BY id",
        [user_id],
    ).fetchall()
    by_exercise: dict[str, list[Any]] = defaultdict(list)
    for row in sets:
        by_exercise[row[1]].append(row)
    for exercise_id, rows in by_exercise.items():
        progress = history.exercise_progress(db, user_id, exercise_id, now)
        assert progress is not None
        counted = [r for r in rows if r[2] in ("normal", "failure")]
        assert progress.total_sets == len(counted)
        assert progress.heaviest_kg == max((r[4] for r in counted if r[4]), default=None)
        e1rms = [estimate_1rm(r[4], r[3], r[5]) for r in counted]
        assert progress.best_e1rm_kg == max((e for e in e1rms if e is not None), default=None)
        since = week_start(now.date()) - timedelta(weeks=11)
        weekly: dict[str, float] = {}
        for row, e1rm in zip(counted, e1rms, strict=True):
            value = e1rm if progress.best_e1rm_kg is not None else float(row[3] or 0)
            day = date.fromisoformat(row[6][:10])
            if day >= since and value:
                key = week_start(day).isoformat()
                weekly[key] = max(weekly.get(key, 0.0), value)
        assert progress.weekly_best == sorted(weekly.items())
    days = _raw_training_days(db, user_id)
    assert history.training_days(db, user_id) == days
    found = history.adherence(db, user_id, now)
    target = store.get_profile(db, user_id).days_per_week or 1
    assert (found.current_streak_weeks, found.longest_streak_weeks) == _raw_streaks(
        days, target, week_start(now.date())
    )
    assert found.total_workouts == len(days)
    assert found.days_since_last == ((now.date() - days[-1]).days if days else None)


_SETS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20),
        st.one_of(st.none(), st.sampled_from([0.0, 10.0, 20.0, 22.5, 60.0, 100.0])),
        st.one_of(st.none(), st.sampled_from([6.0, 8.0, 10.0])),
        st.sampled_from(["normal", "warmup", "drop", "failure"]),
    ),
    min_size=1,
    max_size=4,
)
_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["log", "log", "live", "skip", "read", "target"]),
        st.integers(min_value=0, max_value=300),  # days before "now"
        st.sampled_from(["back_squat", "push_up", "custom:sled"]),
        _SETS,
        st.integers(min_value=1, max_value=5),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS)
def test_aggregates_equal_a_rebuild_and_the_raw_rows_after_any_writes(
    steps: list[tuple[str, int, str, list[tuple[int, float | None, float | None, str]], int]],
) -> None:
    db = connect(":memory:")
    now = datetime.fromisoformat("2026-11-16T18:00:00+00:00")
    user_id, _ = make_user(db, now)
    for kind, back, exercise_id, sets, days_per_week in steps:
        when = now - timedelta(days=back)
        inputs = [
            SetInput(reps=r, load=w or None, unit="kg" if w else None, rpe=p, set_type=t)
            for r, w, p, t in sets
        ]
        if kind == "log":
            history.log_sets(
                db, user_id, exercise_id=exercise_id, exercise_name="X", sets=inputs, now=when
            )
        elif kind == "live":
            session_id = workouts.start(db, user_id, LiveState(), when, plan={"title": "t"})
            history.log_sets(
                db,
                user_id,
                exercise_id=exercise_id,
                exercise_name="X",
                sets=inputs,
                now=when,
                session_id=session_id,
            )
            workouts.close(db, user_id, session_id, LiveState(), when)
        elif kind == "skip":
            history.skip_session(db, user_id, now=when, reason="busy")
        elif kind == "target":
            intake.update_profile(db, user_id, {"days_per_week": days_per_week}, now)
        else:
            # A read at a past "now" moves the stored streaks; later writes must still land.
            history.adherence(db, user_id, when)
    _assert_matches_raw(db, user_id, now)
    _assert_matches_rebuild(db, user_id, now)
    db.close()


def test_rows_written_outside_memory_are_folded_in_on_the_next_read(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    history.log_sets(
        db, user_id, exercise_id="back_squat", exercise_name="Back squat",
        sets=[SetInput(reps=5, load=100, unit="kg")], now=now - timedelta(days=3),
    )  # fmt: skip
    assert history.adherence(db, user_id, now).total_workouts == 1
    # A seed script or an older coach writing straight into the tables.
    session_id = db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, created_at, "
        "started_at) VALUES (?, 'done', '2026-11-10', ?, ?, ?)",
        [user_id, json.dumps({"title": "t"}), "2026-11-10T08:00:00", "2026-11-10T08:00:00"],
    ).lastrowid
    db.execute(
        "INSERT INTO set_logs (user_id, session_id, exercise_id, exercise_name, set_number, "
        "reps, load, unit, load_kg, logged_at) VALUES (?, ?, 'back_squat', 'Back squat', 1, "
        "3, 140, 'kg', 140, '2026-11-10T08:00:00')",
        [user_id, session_id],
    )
    db.conn.commit()
    progress = history.exercise_progress(db, user_id, "back_squat", now)
    assert progress is not None and progress.heaviest_kg == 140
    assert history.adherence(db, user_id, now).total_workouts == 2
    _assert_matches_raw(db, user_id, now)


def test_import_of_old_history_keeps_bests_days_and_streaks_right(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    intake.update_profile(db, user_id, {"days_per_week": 1}, now)
    history.log_sets(
        db, user_id, exercise_id="push_up", exercise_name="Push-up",
        sets=[SetInput(reps=12)], now=now - timedelta(days=1),
    )  # fmt: skip
    before = history.adherence(db, user_id, now)  # stores the streaks up to last week
    portability.import_history(db, user_id, (DATA / "hevy_sample.csv").read_text(), now)
    after = history.adherence(db, user_id, now)
    assert after.total_workouts > before.total_workouts
    _assert_matches_raw(db, user_id, now)
    _assert_matches_rebuild(db, user_id, now)


def test_deleting_a_person_deletes_their_aggregates_and_no_one_elses(
    db: sqlite_utils.Database, now: datetime
) -> None:
    gone, _ = make_user(db, now, "Gone")
    kept, _ = make_user(db, now, "Kept")
    for user_id in (gone, kept):
        history.log_sets(
            db, user_id, exercise_id="back_squat", exercise_name="Back squat",
            sets=[SetInput(reps=5, load=80, unit="kg")], now=now,
        )  # fmt: skip
    portability.delete_user(db, gone, now)
    for table in aggregates.DERIVED_TABLES:
        assert not db.execute(f"SELECT 1 FROM {table} WHERE user_id = ?", [gone]).fetchone()
    assert _snapshot(db, kept)["exercise_stats"]
    _assert_matches_rebuild(db, kept, now)


def test_the_context_reads_every_exercise_as_a_single_read_would(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    for days_ago, exercise, load in [
        (9, "back_squat", 100.0),
        (9, "bench_press", 60.0),
        (5, "back_squat", 105.0),
        (5, "pull_up", 0.0),
        (2, "bench_press", 62.5),
        (1, "goblet_squat", 20.0),
    ]:
        history.log_sets(
            db, user_id, exercise_id=exercise, exercise_name=exercise.replace("_", " "),
            sets=[SetInput(reps=5, load=load, unit="kg"), SetInput(reps=4, load=load, unit="kg")],
            now=now - timedelta(days=days_ago),
        )  # fmt: skip
    # Loose sets (no session) of one more exercise, logged straight into the table.
    db.execute(
        "INSERT INTO set_logs (user_id, exercise_id, exercise_name, set_number, reps, load, "
        "unit, load_kg, logged_at) VALUES (?, 'dip', 'Dip', 1, 8, 0, 'kg', 0, ?)",
        [user_id, (now - timedelta(days=3)).isoformat()],
    )
    db.conn.commit()
    together = history.top_exercises(db, user_id, now, limit=10)
    assert {p.exercise_id for p in together} == {
        "back_squat", "bench_press", "pull_up", "goblet_squat", "dip",
    }  # fmt: skip
    for progress in together:
        alone = history.exercise_progress(db, user_id, progress.exercise_id, now)
        assert alone is not None
        assert progress.model_dump() == alone.model_dump()
        last = history.last_performance(db, user_id, progress.exercise_id)
        assert last is not None and last.sets == progress.last_sets


@pytest.mark.sqlite_only  # counts statements with sqlite3's trace callback
def test_reads_inside_read_once_trust_its_refresh_and_later_reads_fold_new_rows(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    history.log_sets(
        db, user_id, exercise_id="back_squat", exercise_name="Back squat",
        sets=[SetInput(reps=5, load=100, unit="kg")], now=now - timedelta(days=3),
    )  # fmt: skip
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    with aggregates.read_once(db, user_id):
        refreshed = len(statements)
        history.top_exercises(db, user_id, now)
        history.adherence(db, user_id, now)
    db.conn.set_trace_callback(None)
    assert refreshed == 1
    assert not [s for s in statements[refreshed:] if "MAX(id) FROM set_logs" in s]
    db.execute(
        "INSERT INTO set_logs (user_id, exercise_id, exercise_name, set_number, reps, load, "
        "unit, load_kg, logged_at) VALUES (?, 'back_squat', 'Back squat', 1, 2, 150, 'kg', "
        "150, ?)",
        [user_id, (now - timedelta(days=1)).isoformat()],
    )
    db.conn.commit()
    progress = history.exercise_progress(db, user_id, "back_squat", now)
    assert progress is not None and progress.heaviest_kg == 150


@pytest.mark.sqlite_only  # EXPLAIN QUERY PLAN is SQLite's
def test_no_context_read_walks_all_of_a_persons_sets(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    exercises = ["back_squat", "bench_press", "pull_up", "dip", "goblet_squat", "push_up", "row"]
    for day in range(12):
        history.log_sets(
            db, user_id, exercise_id=exercises[day % 7], exercise_name=exercises[day % 7],
            sets=[SetInput(reps=5, load=40 + day, unit="kg")] * 3,
            now=now - timedelta(days=30 - day),
        )  # fmt: skip
    context.build_context(db, user_id, now)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    context.build_context(db, user_id, now)
    db.conn.set_trace_callback(None)
    plans = [
        row[3]
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
        for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    ]
    on_sets = [p for p in plans if "set_logs" in p]
    assert on_sets
    # A set read is bounded by an exercise, a session, a time window or ids, never by
    # the person alone (that is every set they ever logged).
    assert not [p for p in on_sets if p.startswith("SCAN set_logs") or p.endswith("(user_id=?)")]


@pytest.mark.sqlite_only  # EXPLAIN QUERY PLAN is SQLite's
def test_the_planners_history_window_reads_no_older_sets(
    db: sqlite_utils.Database, now: datetime
) -> None:
    # The loose-set read compared substr(logged_at, 1, 10) with the window's first day,
    # which no index can bound: every turn that planned walked the whole history.
    user_id, _ = make_user(db, now)
    for day in range(0, 200, 10):
        history.log_sets(
            db, user_id, exercise_id="back_squat", exercise_name="back_squat",
            sets=[SetInput(reps=5, load=60, unit="kg")] * 2, now=now - timedelta(days=day),
        )  # fmt: skip
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    read = workouts.read_history(db, user_id, now.date())
    db.conn.set_trace_callback(None)
    plans = [
        row[3]
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT") and "set_logs" in sql
        for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    ]
    assert plans
    assert not [p for p in plans if p.startswith("SCAN set_logs") or p.endswith("(user_id=?)")]
    # The window still holds the days inside it, and only those (its first day included:
    # 0, 10, ... 70 days ago).
    assert len(read.sessions) == 8


def _history_one_session_at_a_time(
    db: sqlite_utils.Database, user_id: int, today: date
) -> list[Any]:
    # read_history's sessions as it read them before: one statement per session.
    since = (today - timedelta(days=workouts.HISTORY_DAYS)).isoformat()
    day_sql = "COALESCE(substr(started_at, 1, 10), planned_for, substr(created_at, 1, 10))"
    rows = db.execute(
        f"SELECT id, status, {day_sql}, plan FROM workout_sessions WHERE user_id = ? "
        f"AND status IN ('done', 'skipped') AND {day_sql} >= ? ORDER BY {day_sql}, id",
        [user_id, since],
    ).fetchall()
    records = []
    for session_id, status, day, plan in rows:
        sets = db.execute(
            "SELECT exercise_id, reps, load_kg, rir, rpe, duration_s FROM set_logs "
            "WHERE user_id = ? AND session_id = ? AND COALESCE(set_type, 'normal') "
            "IN ('normal', 'failure') ORDER BY id",
            [user_id, session_id],
        ).fetchall()
        data = workouts._session_data(str(day), status, sets, workouts._targets(plan))
        records.append(SessionRecord.model_validate(data))
    return records


def test_the_planners_history_reads_its_window_in_a_fixed_number_of_statements(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)

    def add_sessions(days: range) -> None:
        for day in days:
            when = now - timedelta(days=day * 3 + 1)
            session_id = history.day_session(db, user_id, when)
            history.log_sets(
                db, user_id, exercise_id="back_squat", exercise_name="back_squat",
                sets=[SetInput(reps=5, load=60 + day, unit="kg"),
                      SetInput(reps=8, load=40, unit="kg", set_type="warmup")],
                now=when, session_id=session_id,
            )  # fmt: skip
            history.log_sets(
                db, user_id, exercise_id="dip", exercise_name="dip",
                sets=[SetInput(reps=10 + day % 3)], now=when, session_id=session_id,
            )  # fmt: skip

    def selects() -> int | None:
        if not hasattr(db.conn, "set_trace_callback"):
            return None  # PostgreSQL: its round trips are counted in test_memory_postgres
        seen: list[str] = []
        db.conn.set_trace_callback(seen.append)
        workouts.read_history(db, user_id, now.date())
        db.conn.set_trace_callback(None)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    add_sessions(range(1))
    few = selects()
    add_sessions(range(1, 40))  # 23 sessions in the 70-day window, the rest older
    history.skip_session(db, user_id, now=now - timedelta(days=2), reason="busy")
    if few is not None:
        assert selects() == few
    read = workouts.read_history(db, user_id, now.date())
    assert len(read.sessions) > 20
    assert read.sessions == _history_one_session_at_a_time(db, user_id, now.date())
