"""History aggregates, kept as sets and workouts are written, so reads cost the same at any size.

A heavy user's context used to read every set ever logged (bests, trends, training days).
These tables hold what only the whole history can answer:

* ``exercise_stats``: per exercise, the all-time figures (sets counted, heaviest load, the
  set with the best estimated 1RM, the last time it was done);
* ``exercise_weeks``: per exercise and week, sets done and the best e1RM and reps (the
  trend points, the recent ranking and weekly sets per muscle read a few weeks of it);
* ``training_days``: one row per day with a finished workout or loose sets (adherence and
  streaks read a window of it, never all of it);
* ``history_marks``: per person, how far the rows above have been folded in (the highest
  ``set_logs`` and ``workout_sessions`` ids seen), the number of training days, and the
  weekly streak figures for the last full week.

Every writer inside memory calls :func:`refresh` in its own transaction; every reader calls
it too, so rows written by anything else (a seed script, an older version of the coach, a
migration from before these tables) are folded in on the next read: new rows are found by
their ids (above the marks), so an up-to-date refresh is two O(1) probes. Deleting a person
deletes these rows with everything else (they carry ``user_id``). :func:`rebuild` recomputes
them from the raw rows; a test compares the two.

The SQL is plain and portable (``ON CONFLICT`` upserts, no triggers), so a PostgreSQL
backend can run it unchanged; there, a refresh must lock the person's ``history_marks``
row first, because ids can commit out of order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from agent.memory.db import transaction

if TYPE_CHECKING:
    import sqlite_utils

MAX_E1RM_REPS = 15
"""Beyond this many (effective) reps, a 1RM estimate says little; none is given."""

COUNTED_SET_TYPES = ("normal", "failure")
"""Set types that count towards bests and weekly volume (warm-ups and drops do not)."""

DERIVED_TABLES = ("exercise_stats", "exercise_weeks", "training_days", "history_marks")
"""Tables computed from the raw history (deleted and exported with the person's rows)."""

SESSION_DAY = "substr(COALESCE(started_at, planned_for, created_at), 1, 10)"
"""The day a workout session counts for; an index on it serves the date-ordered reads."""


def estimate_1rm(load_kg: float | None, reps: int | None, rpe: float | None = None) -> float | None:
    """Estimated one-rep max in kg (Epley, RPE-adjusted), or None when it means nothing.

    Args:
        load_kg: Load lifted in kg.
        reps: Repetitions done.
        rpe: Effort; reps short of RPE 10 are added (the reference's shortcut).
    """
    if not load_kg or not reps or reps <= 0:
        return None
    effective = reps + (10 - min(10.0, max(5.0, rpe))) if rpe is not None else float(reps)
    if effective > MAX_E1RM_REPS:
        return None
    if effective <= 1:
        return round(load_kg, 1)
    return round(load_kg * (1 + effective / 30), 1)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


class ExerciseStats(NamedTuple):
    """All-time figures of one exercise for one person.

    Named tuples (here and :class:`WeekPoint`): a context reads dozens of these rows on
    every turn, and a tuple is built in C where a frozen dataclass sets each field in
    Python.
    """

    exercise_id: str
    all_sets: int
    """Every set logged, warm-ups included (ranks the exercises the person does most)."""
    last_logged_at: str
    counted_sets: int
    """Sets that count (normal and failure)."""
    heaviest_kg: float | None
    best_e1rm_kg: float | None
    best_set_id: int | None
    """``set_logs.id`` of the best-e1RM set; the earliest of equal ones."""
    best_logged_at: str | None


_STATS_COLUMNS = (
    "exercise_id, all_sets, last_logged_at, counted_sets, heaviest_kg, best_e1rm_kg, "
    "best_set_id, best_logged_at"
)


def _stats(row: Sequence[Any]) -> ExerciseStats:
    return ExerciseStats(
        str(row[0]), int(row[1]), str(row[2]), int(row[3]), row[4], row[5], row[6], row[7]
    )


def _fold_set(stats: ExerciseStats, row: Sequence[Any]) -> ExerciseStats:
    """``stats`` with one more set (id, exercise, type, reps, load_kg, rpe, logged_at)."""
    set_id, _, set_type, reps, load_kg, rpe, logged_at = row[:7]
    folded = stats._replace(
        all_sets=stats.all_sets + 1,
        last_logged_at=max(stats.last_logged_at, str(logged_at)),
    )
    if set_type not in COUNTED_SET_TYPES:
        return folded
    heaviest = stats.heaviest_kg
    if load_kg and (heaviest is None or load_kg > heaviest):
        heaviest = float(load_kg)
    folded = folded._replace(counted_sets=stats.counted_sets + 1, heaviest_kg=heaviest)
    e1rm = estimate_1rm(load_kg, reps, rpe)
    if e1rm is None:
        return folded
    # Strictly better (e1RM, then later date) replaces the best: sets are folded in id
    # order, so among equal sets the earliest stays, whatever batches the rows came in.
    best = (stats.best_e1rm_kg, stats.best_logged_at or "")
    if stats.best_e1rm_kg is None or (e1rm, str(logged_at)) > best:
        folded = folded._replace(
            best_e1rm_kg=e1rm, best_set_id=int(set_id), best_logged_at=str(logged_at)
        )
    return folded


class WeekPoint(NamedTuple):
    """One exercise in one week (Monday ``week_start``)."""

    exercise_id: str
    week_start: str
    all_sets: int
    counted_sets: int
    best_e1rm_kg: float | None
    best_reps: int | None


_WEEK_COLUMNS = "exercise_id, week_start, all_sets, counted_sets, best_e1rm_kg, best_reps"


def _week(row: Sequence[Any]) -> WeekPoint:
    return WeekPoint(str(row[0]), str(row[1]), int(row[2]), int(row[3]), row[4], row[5])


def _week_point(db: sqlite_utils.Database, user_id: int, exercise_id: str, week: str) -> WeekPoint:
    row = db.execute(
        f"SELECT {_WEEK_COLUMNS} FROM exercise_weeks WHERE user_id = ? AND week_start = ? "
        "AND exercise_id = ?",
        [user_id, week, exercise_id],
    ).fetchone()
    return _week(row) if row else WeekPoint(exercise_id, week, 0, 0, None, None)


def _fold_week(point: WeekPoint, row: Sequence[Any]) -> WeekPoint:
    _, _, set_type, reps, load_kg, rpe = row[:6]
    if set_type not in COUNTED_SET_TYPES:
        return point._replace(all_sets=point.all_sets + 1)
    e1rm = estimate_1rm(load_kg, reps, rpe)
    best_e1rm = point.best_e1rm_kg
    if e1rm is not None and (best_e1rm is None or e1rm > best_e1rm):
        best_e1rm = e1rm
    best_reps = point.best_reps
    if reps and (best_reps is None or reps > best_reps):
        best_reps = int(reps)
    return point._replace(
        all_sets=point.all_sets + 1,
        counted_sets=point.counted_sets + 1,
        best_e1rm_kg=best_e1rm,
        best_reps=best_reps,
    )


def exercise_weeks(
    db: sqlite_utils.Database, user_id: int, since: date, exercise_id: str | None = None
) -> list[WeekPoint]:
    """Weekly points of one or every exercise for the weeks starting on or after ``since``."""
    refresh(db, user_id)
    sql = f"SELECT {_WEEK_COLUMNS} FROM exercise_weeks WHERE user_id = ? AND week_start >= ?"
    params: list[Any] = [user_id, week_start(since).isoformat()]
    if exercise_id is not None:
        sql += " AND exercise_id = ?"
        params.append(exercise_id)
    return [_week(r) for r in db.execute(sql + " ORDER BY week_start", params).fetchall()]


def sets_per_exercise(db: sqlite_utils.Database, user_id: int, since: date) -> dict[str, int]:
    """Sets logged per exercise (warm-ups included) in the weeks starting on or after ``since``.

    Summed by the database: a ranking over years of weeks reads a few rows, not a row per
    exercise and week.
    """
    refresh(db, user_id)
    rows = db.execute(
        "SELECT exercise_id, SUM(all_sets) FROM exercise_weeks WHERE user_id = ? "
        "AND week_start >= ? GROUP BY exercise_id",
        [user_id, week_start(since).isoformat()],
    ).fetchall()
    return {str(exercise_id): int(total) for exercise_id, total in rows}


def exercise_stats(
    db: sqlite_utils.Database, user_id: int, exercise_id: str | None = None
) -> list[ExerciseStats]:
    """The aggregates of one exercise, or of every exercise the person has logged."""
    refresh(db, user_id)
    sql = f"SELECT {_STATS_COLUMNS} FROM exercise_stats WHERE user_id = ?"
    params: list[Any] = [user_id]
    if exercise_id is not None:
        sql += " AND exercise_id = ?"
        params.append(exercise_id)
    return [_stats(r) for r in db.execute(sql + " ORDER BY exercise_id", params).fetchall()]


def _positions(db: sqlite_utils.Database, user_id: int) -> tuple[int, int, int, int]:
    """The tables' newest ids and this person's marks, in one statement.

    ``MAX(id)`` of a whole table is O(1) (rowid order), whoever wrote the rows.
    """
    row = db.execute(
        "SELECT (SELECT MAX(id) FROM set_logs), (SELECT MAX(id) FROM workout_sessions), "
        "(SELECT set_id FROM history_marks WHERE user_id = ?), "
        "(SELECT session_id FROM history_marks WHERE user_id = ?)",
        [user_id, user_id],
    ).fetchone()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


_FRESH: ContextVar[tuple[int, int] | None] = ContextVar("aggregates_fresh", default=None)
"""The (database, person) whose aggregates :func:`read_once` brought up to date."""


@contextmanager
def read_once(db: sqlite_utils.Database, user_id: int) -> Iterator[None]:
    """Bring the aggregates up to date once for several reads that write no history.

    Building the context reads them through half a dozen functions, each of which would
    check on its own; inside this block they trust the one refresh at its start.
    """
    refresh(db, user_id)
    token = _FRESH.set((id(db), user_id))
    try:
        yield
    finally:
        _FRESH.reset(token)


def refresh(db: sqlite_utils.Database, user_id: int) -> None:
    """Fold the rows written since the last refresh into the aggregates.

    One O(1) statement when no row was written since (no write lock is taken then),
    otherwise it reads the rows written since, by anyone. Idempotent. Nothing inside a
    :func:`read_once` block for the same database and person.
    """
    if _FRESH.get() == (id(db), user_id):
        return
    set_top, session_top, set_mark, session_mark = _positions(db, user_id)
    if set_top <= set_mark and session_top <= session_mark:
        return
    with transaction(db):
        # Re-read under the write lock: another process may have folded them meanwhile.
        set_top, session_top, set_mark, session_mark = _positions(db, user_id)
        if set_top <= set_mark and session_top <= session_mark:
            return
        db.execute(
            "INSERT INTO history_marks (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING",
            [user_id],
        )
        if set_top > set_mark:
            _fold_sets(db, user_id, set_mark, set_top)
        if session_top > session_mark:
            _fold_sessions(db, user_id, session_mark, session_top)
        # The marks move to the tables' tops, not to this person's newest rows, so rows
        # other people write are scanned once, not on every read.
        db.execute(
            "UPDATE history_marks SET set_id = ?, session_id = ? WHERE user_id = ?",
            [set_top, session_top, user_id],
        )


# ``+user_id`` (a no-op in SQLite and PostgreSQL alike) keeps the planner on the id range
# instead of reading all of this person's rows through a user_id index.
def _fold_sets(db: sqlite_utils.Database, user_id: int, mark: int, top: int) -> None:
    rows = db.execute(
        "SELECT id, exercise_id, set_type, reps, load_kg, rpe, logged_at, session_id "
        "FROM set_logs WHERE id > ? AND id <= ? AND +user_id = ? ORDER BY id",
        [mark, top, user_id],
    ).fetchall()
    touched: dict[str, ExerciseStats] = {}
    weeks: dict[tuple[str, str], WeekPoint] = {}
    for row in rows:
        key = (str(row[1]), week_start(date.fromisoformat(str(row[6])[:10])).isoformat())
        point = weeks.get(key) or _week_point(db, user_id, *key)
        weeks[key] = _fold_week(point, row)
        exercise_id = str(row[1])
        stats = touched.get(exercise_id)
        if stats is None:
            found = db.execute(
                f"SELECT {_STATS_COLUMNS} FROM exercise_stats WHERE user_id = ? "
                "AND exercise_id = ?",
                [user_id, exercise_id],
            ).fetchone()
            stats = (
                _stats(found)
                if found
                else ExerciseStats(exercise_id, 0, str(row[6]), 0, None, None, None, None)
            )
        touched[exercise_id] = _fold_set(stats, row)
        if row[7] is None:
            _add_day(db, user_id, str(row[6])[:10])
    for stats in touched.values():
        db.execute(
            f"INSERT INTO exercise_stats (user_id, {_STATS_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (user_id, exercise_id) DO UPDATE SET all_sets = excluded.all_sets, "
            "last_logged_at = excluded.last_logged_at, counted_sets = excluded.counted_sets, "
            "heaviest_kg = excluded.heaviest_kg, best_e1rm_kg = excluded.best_e1rm_kg, "
            "best_set_id = excluded.best_set_id, best_logged_at = excluded.best_logged_at",
            [
                user_id,
                stats.exercise_id,
                stats.all_sets,
                stats.last_logged_at,
                stats.counted_sets,
                stats.heaviest_kg,
                stats.best_e1rm_kg,
                stats.best_set_id,
                stats.best_logged_at,
            ],
        )
    for point in weeks.values():
        db.execute(
            "INSERT INTO exercise_weeks (user_id, week_start, exercise_id, all_sets, "
            "counted_sets, best_e1rm_kg, best_reps) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT (user_id, week_start, exercise_id) DO UPDATE SET "
            "all_sets = excluded.all_sets, counted_sets = excluded.counted_sets, "
            "best_e1rm_kg = excluded.best_e1rm_kg, best_reps = excluded.best_reps",
            [
                user_id,
                point.week_start,
                point.exercise_id,
                point.all_sets,
                point.counted_sets,
                point.best_e1rm_kg,
                point.best_reps,
            ],
        )


def _fold_sessions(db: sqlite_utils.Database, user_id: int, mark: int, top: int) -> None:
    rows = db.execute(
        f"SELECT status, {SESSION_DAY} FROM workout_sessions WHERE id > ? AND id <= ? "
        "AND +user_id = ? ORDER BY id",
        [mark, top, user_id],
    ).fetchall()
    for status, day in rows:
        if status == "done" and day:
            _add_day(db, user_id, str(day))


def _add_day(db: sqlite_utils.Database, user_id: int, day: str) -> None:
    added = db.execute(
        "INSERT INTO training_days (user_id, day) VALUES (?, ?) "
        "ON CONFLICT (user_id, day) DO NOTHING",
        [user_id, day],
    ).rowcount
    if not added:
        return
    # A day inside the weeks the stored streaks cover makes them stale (an import of
    # old history); they are recomputed once on the next read.
    db.execute(
        "UPDATE history_marks SET total_days = total_days + 1, streak_target = CASE "
        "WHEN streak_through IS NOT NULL AND streak_through >= ? THEN NULL "
        "ELSE streak_target END WHERE user_id = ?",
        [week_start(date.fromisoformat(day)).isoformat(), user_id],
    )


def session_finished(db: sqlite_utils.Database, user_id: int, session_id: int) -> None:
    """Count the day of a session that has just been marked done (call in its transaction)."""
    row = db.execute(
        f"SELECT status, {SESSION_DAY} FROM workout_sessions WHERE id = ? AND user_id = ?",
        [session_id, user_id],
    ).fetchone()
    if row and row[0] == "done" and row[1]:
        with transaction(db):
            db.execute(
                "INSERT INTO history_marks (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING",
                [user_id],
            )
            _add_day(db, user_id, str(row[1]))


def rebuild(db: sqlite_utils.Database, user_id: int) -> None:
    """Recompute one person's aggregates from the raw rows."""
    with transaction(db):
        for table in DERIVED_TABLES:
            db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id])
    refresh(db, user_id)


# -- training days ------------------------------------------------------------------------


def training_days(db: sqlite_utils.Database, user_id: int, since: date | None = None) -> list[date]:
    """Days with a finished workout or loose sets, oldest first (from ``since`` on)."""
    refresh(db, user_id)
    rows = db.execute(
        "SELECT day FROM training_days WHERE user_id = ? AND day >= ? ORDER BY day",
        [user_id, since.isoformat() if since else ""],
    ).fetchall()
    return [date.fromisoformat(r[0]) for r in rows]


@dataclass(frozen=True)
class DaySummary:
    """The all-time figures adherence needs, read without touching every day."""

    first: date | None
    last: date | None
    total: int


def day_summary(db: sqlite_utils.Database, user_id: int) -> DaySummary:
    """First and last training day and how many there were (index probes, no scan)."""
    refresh(db, user_id)
    # Two queries: SQLite answers a lone MIN or MAX from the index, not both at once.
    first = db.execute(
        "SELECT MIN(day) FROM training_days WHERE user_id = ?", [user_id]
    ).fetchone()[0]
    last = db.execute("SELECT MAX(day) FROM training_days WHERE user_id = ?", [user_id]).fetchone()[
        0
    ]
    row = db.execute("SELECT total_days FROM history_marks WHERE user_id = ?", [user_id]).fetchone()
    return DaySummary(
        first=date.fromisoformat(first) if first else None,
        last=date.fromisoformat(last) if last else None,
        total=int(row[0]) if row else 0,
    )


def _days_per_week(
    db: sqlite_utils.Database, user_id: int, start: date | None, end: date
) -> dict[date, int]:
    rows = db.execute(
        "SELECT day FROM training_days WHERE user_id = ? AND day >= ? AND day < ?",
        [user_id, start.isoformat() if start else "", end.isoformat()],
    ).fetchall()
    counts: dict[date, int] = {}
    for (day,) in rows:
        week = week_start(date.fromisoformat(day))
        counts[week] = counts.get(week, 0) + 1
    return counts


def _run_through(
    per_week: dict[date, int], target: int, start: date, end: date, run: int, longest: int
) -> tuple[int, int]:
    cursor = start
    while cursor <= end:
        if per_week.get(cursor, 0) >= target:
            run += 1
            longest = max(longest, run)
        else:
            run = 0
        cursor += timedelta(weeks=1)
    return run, longest


def streaks(
    db: sqlite_utils.Database, user_id: int, target: int, this_week: date
) -> tuple[int, int]:
    """Current and longest runs of weeks with at least ``target`` training days.

    The current week is not over: it extends a streak when met, never breaks one. The
    figures up to last week are stored and moved forward week by week, so a read costs
    the weeks since the previous read, not the whole history.
    """
    refresh(db, user_id)
    last_full = this_week - timedelta(weeks=1)
    row = db.execute(
        "SELECT streak_target, streak_through, streak_run, streak_longest FROM history_marks "
        "WHERE user_id = ?",
        [user_id],
    ).fetchone()
    stored_target, through, run, longest = row if row else (None, None, 0, 0)
    through_day = date.fromisoformat(through) if through else None
    if stored_target != target or through_day is None or through_day > last_full:
        first = day_summary(db, user_id).first
        run, longest, start = 0, 0, week_start(first) if first else this_week
    else:
        start = through_day + timedelta(weeks=1)
    if start <= last_full:
        per_week = _days_per_week(db, user_id, start, this_week)
        run, longest = _run_through(per_week, target, start, last_full, run, longest)
    if row is not None and (stored_target, through) != (target, last_full.isoformat()):
        with transaction(db):
            db.execute(
                "UPDATE history_marks SET streak_target = ?, streak_through = ?, "
                "streak_run = ?, streak_longest = ? WHERE user_id = ?",
                [target, last_full.isoformat(), run, longest, user_id],
            )
    this = _days_per_week(db, user_id, this_week, this_week + timedelta(weeks=1))
    current = run + 1 if this.get(this_week, 0) >= target else run
    return current, max(longest, current)


def weeks_between(
    db: sqlite_utils.Database, user_id: int, start: date, end: date
) -> dict[date, int]:
    """Training days per week (keyed by Monday) for days from ``start`` up to ``end``."""
    refresh(db, user_id)
    return _days_per_week(db, user_id, start, end)
