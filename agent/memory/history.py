"""Workout history: logging sets and the queries the coach, the live session and check-ins use.

Every function takes one ``user_id`` and reads or writes only that user's rows. Loads are
kept as the person said them (``load`` + ``unit``) and normalised to ``load_kg`` for
analysis. Estimated 1RM uses Epley, with RPE folded in by the reference's shortcut:
*n* reps at RPE *r* count as about *n* + 10 - *r* reps at RPE 10.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from agent.clock import iso
from agent.memory import aggregates
from agent.memory.aggregates import MAX_E1RM_REPS as MAX_E1RM_REPS
from agent.memory.aggregates import estimate_1rm as estimate_1rm
from agent.memory.aggregates import week_start as week_start
from agent.memory.db import transaction
from agent.memory.exercises import ExerciseIndex, default_index
from agent.memory.kept import PerPerson
from agent.memory.store import active_notes, get_profile

if TYPE_CHECKING:
    import sqlite_utils

LB_TO_KG = 0.45359237
"""Exact definition of the international pound."""


SetType = Literal["normal", "warmup", "drop", "failure"]
_COUNTED = "('normal', 'failure')"
"""Set types that count towards bests and weekly volume (warm-ups and drops do not)."""


class SetInput(BaseModel):
    """One set as the person reports it."""

    reps: int | None = Field(default=None, ge=0, le=500, description="Repetitions done.")
    load: float | None = Field(
        default=None, ge=0, le=1000, description="Load as said, in `unit`; omit for bodyweight."
    )
    unit: Literal["kg", "lb"] | None = Field(
        default=None, description="Unit of `load`: kg or lb. Defaults to the profile's unit."
    )
    rpe: float | None = Field(default=None, ge=1, le=10, description="Effort, RPE 1-10.")
    rir: float | None = Field(default=None, ge=0, le=10, description="Reps in reserve.")
    duration_s: float | None = Field(
        default=None, ge=0, le=86_400, description="Seconds, for timed sets (planks, carries)."
    )
    set_type: SetType = Field(
        default="normal", description="normal | warmup | drop | failure (warm-ups not counted)."
    )
    side: Literal["left", "right", "each"] | None = Field(
        default=None, description="left | right for a one-sided set; each = per side."
    )


class SetView(BaseModel):
    """A stored set."""

    set_number: int = Field(description="Order within the exercise in that workout.")
    reps: int | None = Field(default=None, description="Repetitions.")
    load: float | None = Field(default=None, description="Load as logged.")
    unit: str | None = Field(default=None, description="kg | lb | null (bodyweight).")
    load_kg: float | None = Field(default=None, description="Load in kg.")
    rpe: float | None = Field(default=None, description="RPE if given.")
    rir: float | None = Field(default=None, description="RIR if given.")
    duration_s: float | None = Field(default=None, description="Seconds, for timed sets.")
    set_type: str = Field(default="normal", description="normal | warmup | drop | failure.")
    logged_at: str = Field(description="When it was logged (ISO 8601).")
    e1rm_kg: float | None = Field(default=None, description="Estimated 1RM from this set, kg.")

    def label(self) -> str:
        """Compact text: ``8x60kg@8``, ``12 reps``, ``45s``."""
        if self.load:
            text = f"{self.reps or 0}x{_num(self.load)}{self.unit or 'kg'}"
        elif self.reps:
            text = f"{self.reps} reps"
        elif self.duration_s:
            text = f"{_num(self.duration_s)}s"
        else:
            text = "done"
        if self.rpe is not None:
            text += f"@{_num(self.rpe)}"
        return text


class ExerciseSets(BaseModel):
    """One exercise's sets within a workout."""

    exercise_id: str = Field(description="Catalog id (custom:... if not in the catalog).")
    name: str = Field(description="Exercise name.")
    sets: list[SetView] = Field(description="Sets in order.")

    def summary(self) -> str:
        """``Goblet squat 3x10x16kg`` style text, grouping identical sets."""
        labels = [s.label() for s in self.sets if s.set_type != "warmup"]
        groups: list[tuple[str, int]] = []
        for label in labels:
            if groups and groups[-1][0] == label:
                groups[-1] = (label, groups[-1][1] + 1)
            else:
                groups.append((label, 1))
        parts = [f"{n}x({label})" if n > 1 else label for label, n in groups]
        return f"{self.name} " + ", ".join(parts) if parts else self.name


class Workout(BaseModel):
    """A workout (done or skipped) with its sets."""

    session_id: int | None = Field(description="workout_sessions id; null for loose sets.")
    date: str = Field(description="ISO date.")
    status: str = Field(description="done | skipped | in_progress | planned.")
    title: str | None = Field(default=None, description="Workout title, if any.")
    skip_reason: str | None = Field(default=None, description="Why it was skipped.")
    exercises: list[ExerciseSets] = Field(default_factory=list, description="What was done.")


class ExerciseProgress(BaseModel):
    """Bests and the estimated-1RM trend of one exercise."""

    exercise_id: str = Field(description="Catalog id.")
    name: str = Field(description="Exercise name.")
    last_date: str = Field(description="Date last done.")
    last_sets: list[SetView] = Field(description="Sets of the last time it was done.")
    best_set: SetView | None = Field(default=None, description="Set with the highest e1RM.")
    heaviest_kg: float | None = Field(default=None, description="Heaviest load lifted, kg.")
    best_e1rm_kg: float | None = Field(default=None, description="Best estimated 1RM, kg.")
    weekly_best: list[tuple[str, float]] = Field(
        default_factory=list, description="(week start, best value) for recent weeks."
    )
    trend_metric: str = Field(description="e1rm_kg for loaded lifts, reps for bodyweight.")
    trend: str = Field(description="up | flat | down (recent half vs earlier half) | new.")
    total_sets: int = Field(description="Counted sets ever logged.")


class MuscleWeek(BaseModel):
    """Hard sets per muscle in one week (primary muscle 1 set, secondary 0.5)."""

    week_start: str = Field(description="Monday of the week.")
    sets: dict[str, float] = Field(description="Muscle -> sets.")
    unmapped_sets: int = Field(description="Sets of exercises whose muscles are unknown.")


class Adherence(BaseModel):
    """How consistently the person trains against their own target."""

    target_per_week: int | None = Field(description="Days per week from the profile.")
    weeks: list[tuple[str, int]] = Field(description="(week start, training days), oldest first.")
    done_last_weeks: int = Field(description="Training days in the full weeks considered.")
    skipped_last_weeks: int = Field(description="Skipped sessions in the same window.")
    rate: float | None = Field(description="Share of the target met over full weeks, 0-1.")
    current_streak_weeks: int = Field(description="Consecutive weeks meeting the target.")
    longest_streak_weeks: int = Field(description="Longest such run ever.")
    days_since_last: int | None = Field(description="Days since the last workout.")
    total_workouts: int = Field(description="Training days ever.")


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}".rstrip("0").rstrip(".")


def to_kg(load: float | None, unit: str | None) -> float | None:
    """A load in kg (bodyweight stays None)."""
    if load is None:
        return None
    return round(load * LB_TO_KG, 3) if unit == "lb" else float(load)


# -- writing -----------------------------------------------------------------------------


def day_session(db: sqlite_utils.Database, user_id: int, now: datetime, source: str = "log") -> int:
    """The workout that sets logged outside a live session belong to: today's, created once."""
    row = db.execute(
        "SELECT id FROM workout_sessions WHERE user_id = ? AND source = ? AND status = 'done' "
        "AND substr(started_at, 1, 10) = ? ORDER BY id DESC LIMIT 1",
        [user_id, source, now.date().isoformat()],
    ).fetchone()
    if row:
        return int(row[0])
    cursor = db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, created_at, "
        "started_at, finished_at) VALUES (?, 'done', ?, ?, ?, ?, ?, ?)",
        [
            user_id,
            now.date().isoformat(),
            json.dumps({"title": "Logged workout"}),
            source,
            iso(now),
            iso(now),
            iso(now),
        ],
    )
    return int(cursor.lastrowid or 0)


def log_sets(
    db: sqlite_utils.Database,
    user_id: int,
    *,
    exercise_id: str,
    exercise_name: str,
    sets: Sequence[SetInput],
    now: datetime,
    session_id: int | None = None,
    source: str = "coach",
    default_unit: str | None = None,
) -> list[int]:
    """Store sets of one exercise; returns the new row ids.

    Args:
        db: The database.
        user_id: Whose sets.
        exercise_id: Catalog id (or ``custom:...``).
        exercise_name: Display name.
        sets: The sets, in order.
        now: When they were done.
        session_id: The live session they belong to; None attaches them to today's
            logged workout (created if needed).
        source: coach | import | api | live.
        default_unit: Unit for loads given without one (the profile's, if None).

    Raises:
        ValueError: ``session_id`` is not one of this user's sessions.
    """
    unit_default = default_unit or get_profile(db, user_id).units
    ids: list[int] = []
    with transaction(db):
        if session_id is None:
            session_id = day_session(db, user_id, now)
        else:
            owner = db.execute(
                "SELECT 1 FROM workout_sessions WHERE id = ? AND user_id = ?",
                [session_id, user_id],
            ).fetchone()
            if not owner:
                raise ValueError(f"session {session_id} is not one of this person's workouts")
        previous = db.execute(
            "SELECT COALESCE(MAX(set_number), 0) FROM set_logs WHERE session_id = ? "
            "AND user_id = ? AND exercise_id = ?",
            [session_id, user_id, exercise_id],
        ).fetchone()[0]
        for offset, item in enumerate(sets, start=1):
            unit = (item.unit or unit_default) if item.load is not None else None
            cursor = db.execute(
                "INSERT INTO set_logs (user_id, session_id, exercise_id, exercise_name, "
                "set_number, reps, load, unit, load_kg, rpe, rir, duration_s, logged_at, "
                "source, set_type, side) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    user_id,
                    session_id,
                    exercise_id,
                    exercise_name,
                    int(previous) + offset,
                    item.reps,
                    item.load,
                    unit,
                    to_kg(item.load, unit),
                    item.rpe,
                    item.rir if item.rir is not None or item.rpe is None else 10 - item.rpe,
                    item.duration_s,
                    iso(now),
                    source,
                    item.set_type,
                    item.side,
                ],
            )
            ids.append(int(cursor.lastrowid or 0))
        aggregates.refresh(db, user_id)
    return ids


def record_feedback(
    db: sqlite_utils.Database,
    user_id: int,
    *,
    now: datetime,
    session_id: int | None = None,
    difficulty: str | None = None,
    enjoyment: int | None = None,
    note: str | None = None,
) -> int:
    """Store how a workout felt; defaults to the latest done workout. Returns the id.

    Raises:
        ValueError: ``session_id`` is not one of this user's sessions.
    """
    with transaction(db):
        if session_id is None:
            row = db.execute(
                "SELECT id FROM workout_sessions WHERE user_id = ? AND status = 'done' "
                "ORDER BY started_at DESC, id DESC LIMIT 1",
                [user_id],
            ).fetchone()
            session_id = int(row[0]) if row else None
        elif not db.execute(
            "SELECT 1 FROM workout_sessions WHERE id = ? AND user_id = ?", [session_id, user_id]
        ).fetchone():
            raise ValueError(f"session {session_id} is not one of this person's workouts")
        cursor = db.execute(
            "INSERT INTO feedback (user_id, session_id, difficulty, enjoyment, note, created_at) "
            "VALUES (?,?,?,?,?,?)",
            [user_id, session_id, difficulty, enjoyment, note, iso(now)],
        )
        return int(cursor.lastrowid or 0)


def skip_session(
    db: sqlite_utils.Database, user_id: int, *, now: datetime, reason: str | None
) -> int:
    """Record a skipped workout for today with its reason; returns the session id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, skip_reason, source, "
            "created_at, started_at) VALUES (?, 'skipped', ?, ?, 'coach', ?, ?)",
            [user_id, now.date().isoformat(), reason, iso(now), iso(now)],
        )
        return int(cursor.lastrowid or 0)


# -- reading -----------------------------------------------------------------------------

_SET_COLUMNS = (
    "set_number, reps, load, unit, load_kg, rpe, rir, set_type, logged_at, exercise_id, "
    "exercise_name, session_id, duration_s"
)


_SET_FIELDS = frozenset(SetView.model_fields)


def _set_view(row: Sequence[Any]) -> SetView:
    # Rows come from our own table, already validated when written, so the view is built
    # as ``model_construct`` builds it (the same ``__dict__``, in field order, and the same
    # fields set; a test compares the two) without its per-field alias and default
    # lookups: a context shows up to ~60 sets, and that loop was most of their cost.
    view = SetView.__new__(SetView)
    _set_attribute(
        view,
        "__dict__",
        {
            "set_number": row[0],
            "reps": row[1],
            "load": row[2],
            "unit": row[3],
            "load_kg": row[4],
            "rpe": row[5],
            "rir": row[6],
            "duration_s": row[12],
            "set_type": row[7],
            "logged_at": row[8],
            "e1rm_kg": estimate_1rm(row[4], row[1], row[5]) if row[7] != "warmup" else None,
        },
    )
    _set_attribute(view, "__pydantic_fields_set__", set(_SET_FIELDS))
    _set_attribute(view, "__pydantic_extra__", None)
    _set_attribute(view, "__pydantic_private__", None)
    return view


_set_attribute = object.__setattr__


def _group_exercises(rows: Sequence[Sequence[Any]]) -> list[ExerciseSets]:
    grouped: dict[str, ExerciseSets] = {}
    for row in rows:
        entry = grouped.get(row[9])
        if entry is None:  # built once per exercise, not once per set
            entry = grouped[row[9]] = ExerciseSets(exercise_id=row[9], name=row[10], sets=[])
        entry.sets.append(_set_view(row))
    return list(grouped.values())


_SESSION_DATE = aggregates.SESSION_DAY


def _workouts(
    db: sqlite_utils.Database,
    user_id: int,
    where: str,
    params: list[Any],
    limit: int,
    with_sets: int | None = None,
) -> list[Workout]:
    """The newest ``limit`` sessions matching ``where``, newest first.

    Only the first ``with_sets`` come with their sets (all when None); the others have
    no exercises.
    """
    sessions = db.execute(
        f"SELECT id, {_SESSION_DATE} AS day, status, plan, skip_reason FROM workout_sessions "
        f"WHERE user_id = ? AND {where} ORDER BY day DESC, id DESC LIMIT ?",
        [user_id, *params, limit],
    ).fetchall()
    # The sets of all these workouts in one statement (``+user_id`` keeps SQLite on the
    # session index), each workout's in logged order as its own read gave them.
    by_session: dict[int, list[Any]] = defaultdict(list)
    ids = [row[0] for row in sessions][:with_sets]
    if ids:
        marks = ", ".join("?" * len(ids))
        for row in db.execute(
            f"SELECT {_SET_COLUMNS} FROM set_logs WHERE session_id IN ({marks}) "
            "AND +user_id = ? ORDER BY id",
            [*ids, user_id],
        ).fetchall():
            by_session[row[11]].append(row)
    workouts: list[Workout] = []
    for session_id, day, status, plan, skip_reason in sessions:
        title = None
        if plan:
            try:
                title = json.loads(plan).get("title")
            except (ValueError, AttributeError):
                title = None
        workouts.append(
            Workout(
                session_id=session_id,
                date=day,
                status=status,
                title=title,
                skip_reason=skip_reason,
                exercises=_group_exercises(by_session.get(session_id, [])),
            )
        )
    return workouts


def recent_workouts(
    db: sqlite_utils.Database, user_id: int, limit: int = 3, *, with_sets: int | None = None
) -> list[Workout]:
    """The last ``limit`` workouts done or skipped, newest first.

    ``with_sets``: read the sets of only this many of the newest (the others come with no
    exercises); all of them when None.
    """
    return _workouts(db, user_id, "status IN ('done', 'skipped')", [], limit, with_sets)


def workouts_between(
    db: sqlite_utils.Database, user_id: int, start: date, end: date, limit: int = 50
) -> list[Workout]:
    """Workouts (done, skipped, in progress) dated from ``start`` to ``end`` inclusive."""
    loose = db.execute(
        f"SELECT {_SET_COLUMNS} FROM set_logs WHERE user_id = ? AND session_id IS NULL "
        "AND substr(logged_at, 1, 10) BETWEEN ? AND ? ORDER BY id",
        [user_id, start.isoformat(), end.isoformat()],
    ).fetchall()
    workouts = _workouts(
        db,
        user_id,
        f"status != 'planned' AND {_SESSION_DATE} BETWEEN ? AND ?",
        [start.isoformat(), end.isoformat()],
        limit,
    )
    by_day: dict[str, list[Any]] = defaultdict(list)
    for row in loose:
        by_day[row[8][:10]].append(row)
    for day, rows in by_day.items():
        workouts.append(
            Workout(session_id=None, date=day, status="done", exercises=_group_exercises(rows))
        )
    workouts.sort(key=lambda w: (w.date, w.session_id or 0), reverse=True)
    return workouts


def last_performance(
    db: sqlite_utils.Database, user_id: int, exercise_id: str, *, before: str | None = None
) -> ExerciseSets | None:
    """The sets of the last workout in which the person did this exercise.

    ``before``: an ISO date; only workouts logged before that day count (the previous
    time, not sets logged earlier today).
    """
    return _last_performances(db, user_id, [exercise_id], before=before).get(exercise_id)


def _last_performances(
    db: sqlite_utils.Database,
    user_id: int,
    exercise_ids: Sequence[str],
    *,
    before: str | None = None,
) -> dict[str, ExerciseSets]:
    """The last workout's sets of each exercise, in two statements whatever their number.

    Per exercise: an index probe for its newest set, then that workout's sets of it (loose
    sets: that day's). Each is one branch of a ``UNION ALL``, so the context's six
    exercises cost two round trips, not twelve.
    """
    if not exercise_ids:
        return {}
    newest = " UNION ALL ".join(
        f"SELECT * FROM (SELECT exercise_id, session_id, substr(logged_at, 1, 10) "
        f"FROM set_logs WHERE user_id = ? AND exercise_id = ? AND logged_at < ? "
        f"ORDER BY logged_at DESC, id DESC LIMIT 1) AS newest{i}"
        for i in range(len(exercise_ids))
    )
    params: list[Any] = [
        v for exercise_id in exercise_ids for v in (user_id, exercise_id, before or "9999")
    ]
    branches: list[str] = []
    set_params: list[Any] = []
    for exercise_id, session_id, day in db.execute(newest, params).fetchall():
        if session_id is not None:
            where, param = "session_id = ?", session_id
        else:
            where, param = "session_id IS NULL AND substr(logged_at, 1, 10) = ?", day
        branches.append(
            f"SELECT {_SET_COLUMNS}, id FROM set_logs "
            f"WHERE user_id = ? AND exercise_id = ? AND {where}"
        )
        set_params.extend((user_id, exercise_id, param))
    if not branches:
        return {}
    rows = db.execute(" UNION ALL ".join(branches), set_params).fetchall()
    rows.sort(key=lambda row: row[-1])
    return {group.exercise_id: group for group in _group_exercises(rows)}


def _trend(weekly: list[tuple[str, float]]) -> str:
    if len(weekly) < 2:
        return "new"
    values = [v for _, v in weekly]
    half = len(values) // 2
    recent, earlier = max(values[half:]), max(values[:half])
    if recent > earlier * 1.025:
        return "up"
    if recent < earlier * 0.975:
        return "down"
    return "flat"


def exercise_progress(
    db: sqlite_utils.Database, user_id: int, exercise_id: str, now: datetime, weeks: int = 12
) -> ExerciseProgress | None:
    """Bests ever and the weekly best-e1RM trend over the last ``weeks`` weeks.

    Read from the aggregates (all-time figures and one point per week), never from every
    set the person logged.
    """
    found = aggregates.exercise_stats(db, user_id, exercise_id)
    if not found:
        return None
    since = week_start(now.date()) - timedelta(weeks=weeks - 1)
    points = aggregates.exercise_weeks(db, user_id, since, exercise_id)
    return _progress(db, user_id, found[0], points)


def _progress(
    db: sqlite_utils.Database,
    user_id: int,
    stats: aggregates.ExerciseStats,
    points: Sequence[aggregates.WeekPoint],
) -> ExerciseProgress | None:
    return _progresses(db, user_id, [(stats, points)])[0]


def _progresses(
    db: sqlite_utils.Database,
    user_id: int,
    wanted: Sequence[tuple[aggregates.ExerciseStats, Sequence[aggregates.WeekPoint]]],
) -> list[ExerciseProgress | None]:
    """Progress of each exercise in ``wanted``: three statements whatever their number."""
    lasts = _last_performances(db, user_id, [stats.exercise_id for stats, _ in wanted])
    best_ids = [stats.best_set_id for stats, _ in wanted if stats.best_set_id is not None]
    bests: dict[int, SetView] = {}
    if best_ids:
        marks = ", ".join("?" * len(best_ids))
        # ``+user_id``: with several ids SQLite would otherwise walk all of this person's
        # sets through the (user, time) index instead of probing the ids.
        for row in db.execute(
            f"SELECT {_SET_COLUMNS}, id FROM set_logs WHERE id IN ({marks}) AND +user_id = ?",
            [*best_ids, user_id],
        ).fetchall():
            bests[row[-1]] = _set_view(row)
    found: list[ExerciseProgress | None] = []
    for stats, points in wanted:
        last = lasts.get(stats.exercise_id)
        if last is None:
            found.append(None)
            continue
        best = bests.get(stats.best_set_id) if stats.best_set_id is not None else None
        # Loaded lifts trend by estimated 1RM; bodyweight ones by their best reps.
        scored = stats.best_e1rm_kg is not None
        weekly = [
            (p.week_start, float(value))
            for p in points
            if (value := (p.best_e1rm_kg if scored else p.best_reps))
        ]
        found.append(
            ExerciseProgress(
                exercise_id=stats.exercise_id,
                name=last.name,
                last_date=last.sets[-1].logged_at[:10],
                last_sets=last.sets,
                best_set=best,
                heaviest_kg=stats.heaviest_kg,
                best_e1rm_kg=best.e1rm_kg if best else None,
                weekly_best=weekly,
                trend_metric="e1rm_kg" if scored else "reps",
                trend=_trend(weekly),
                total_sets=stats.counted_sets,
            )
        )
    return found


def top_exercises(
    db: sqlite_utils.Database, user_id: int, now: datetime, limit: int = 6, weeks: int = 8
) -> list[ExerciseProgress]:
    """Progress of the exercises the person does most lately.

    "Lately" is the weeks from the Monday ``weeks`` weeks ago to now; ties go to the one
    done last, then to the one with more sets ever. Reads the aggregates only. An
    exercise's progress is built again only when its all-time figures changed since the
    last read (see :data:`_KEPT_PROGRESS`).
    """
    recent_from = week_start((now - timedelta(weeks=weeks)).date())
    trend_from = week_start(now.date()) - timedelta(weeks=11)
    recent = aggregates.sets_per_exercise(db, user_id, recent_from)
    ranked = sorted(
        aggregates.exercise_stats(db, user_id),
        key=lambda s: (recent.get(s.exercise_id, 0), s.last_logged_at, s.all_sets),
        reverse=True,
    )[:limit]
    kept = _KEPT_PROGRESS.get(db, user_id) or {}
    stale = [
        s for s in ranked if (hit := kept.get(s.exercise_id)) is None or hit[0] != (s, trend_from)
    ]
    fresh: dict[str, _KeptProgress] = {}
    if stale:
        by_exercise: dict[str, list[aggregates.WeekPoint]] = defaultdict(list)
        wanted = {s.exercise_id for s in stale}
        for point in aggregates.exercise_weeks(db, user_id, trend_from):
            if point.exercise_id in wanted:
                by_exercise[point.exercise_id].append(point)
        built = _progresses(db, user_id, [(s, by_exercise[s.exercise_id]) for s in stale])
        fresh = {s.exercise_id: ((s, trend_from), p) for s, p in zip(stale, built, strict=True)}
        keep = {**kept, **fresh}
        if len(keep) > _KEPT_EXERCISES:
            keep = {s.exercise_id: keep[s.exercise_id] for s in ranked}
        _KEPT_PROGRESS.put(db, user_id, keep)
    read = [(fresh.get(s.exercise_id) or kept[s.exercise_id])[1] for s in ranked]
    return [p for p in read if p is not None]


_KEPT_EXERCISES = 64
"""Exercises whose progress is kept per person (any one read shows at most a few)."""

_KeptProgress = tuple[tuple[aggregates.ExerciseStats, date], ExerciseProgress | None]

_KEPT_PROGRESS: PerPerson[dict[str, _KeptProgress]] = PerPerson()
"""Per exercise: its all-time figures as read and the trend's first week; the progress.

Every set of an exercise changes its figures (``all_sets`` counts each one, and the
weekly points the trend reads change only when a set is folded in), and a set is never
changed in place, so progress built from equal figures is the same progress: the last
performance, the best set and the trend points are not read again. The trend's twelve
weeks end in the current week, so a new week builds progress again.
"""


def weekly_sets_per_muscle(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    weeks: int = 1,
    index: ExerciseIndex | None = None,
) -> list[MuscleWeek]:
    """Counted sets per muscle for each of the last ``weeks`` weeks (this week last).

    Primary muscles count a whole set, secondary ones half. Exercises the catalog does
    not know are counted in ``unmapped_sets``.
    """
    catalog = index if index is not None else default_index()
    first = week_start(now.date()) - timedelta(weeks=weeks - 1)
    rows = [
        (p.exercise_id, p.week_start, p.counted_sets)
        for p in aggregates.exercise_weeks(db, user_id, first)
        if p.counted_sets
    ]
    result = {
        (first + timedelta(weeks=i)).isoformat(): MuscleWeek(
            week_start=(first + timedelta(weeks=i)).isoformat(), sets={}, unmapped_sets=0
        )
        for i in range(weeks)
    }
    for exercise_id, key, count in rows:
        bucket = result.get(key)
        if bucket is None:
            continue
        entry = catalog.get(exercise_id)
        if entry is None or not (entry.muscles or entry.secondary):
            bucket.unmapped_sets += count
            continue
        for muscle in entry.muscles:
            bucket.sets[muscle] = bucket.sets.get(muscle, 0.0) + count
        for muscle in entry.secondary:
            bucket.sets[muscle] = bucket.sets.get(muscle, 0.0) + count * 0.5
    return list(result.values())


def training_days(db: sqlite_utils.Database, user_id: int, since: date | None = None) -> list[date]:
    """Distinct days with a done workout or logged sets, oldest first (from ``since`` on)."""
    return aggregates.training_days(db, user_id, since)


def adherence(db: sqlite_utils.Database, user_id: int, now: datetime, weeks: int = 4) -> Adherence:
    """Training days per week against the profile's target, streaks and recency.

    A week "meets the target" with at least ``days_per_week`` training days (1 when the
    target is unknown). The rate looks at the last ``weeks`` full weeks. Reads the window
    and the stored all-time figures, never the whole history.
    """
    target = get_profile(db, user_id).days_per_week
    summary = aggregates.day_summary(db, user_id)
    this_week = week_start(now.date())
    window = [this_week - timedelta(weeks=i) for i in range(weeks, -1, -1)]
    per_week = aggregates.weeks_between(db, user_id, window[0], this_week + timedelta(weeks=1))
    full = window[:-1]
    done = sum(per_week.get(w, 0) for w in full)
    skipped = db.execute(
        f"SELECT COUNT(*) FROM workout_sessions WHERE user_id = ? AND status = 'skipped' "
        f"AND {_SESSION_DATE} >= ? AND {_SESSION_DATE} < ?",
        [user_id, full[0].isoformat(), this_week.isoformat()],
    ).fetchone()[0]
    rate = None
    if target and summary.first is not None:
        first_week = week_start(summary.first)
        met = [min(1.0, per_week.get(w, 0) / target) for w in full if w >= first_week]
        rate = round(sum(met) / len(met), 2) if met else None
    current, longest = aggregates.streaks(db, user_id, target or 1, this_week)
    return Adherence(
        target_per_week=target,
        weeks=[(w.isoformat(), per_week.get(w, 0)) for w in window],
        done_last_weeks=done,
        skipped_last_weeks=int(skipped),
        rate=rate,
        current_streak_weeks=current,
        longest_streak_weeks=longest,
        days_since_last=(now.date() - summary.last).days if summary.last else None,
        total_workouts=summary.total,
    )


def skipped_sessions(
    db: sqlite_utils.Database, user_id: int, limit: int = 10, *, with_sets: int | None = None
) -> list[Workout]:
    """The latest skipped workouts with their reasons, newest first.

    ``with_sets``: read the sets of only this many of the newest (0: none); all when None.
    """
    return _workouts(db, user_id, "status = 'skipped'", [], limit, with_sets)


def preferred_substitutions(db: sqlite_utils.Database, user_id: int) -> list[dict[str, Any]]:
    """Swaps the person prefers (active ``substitution`` notes: subject = replaced exercise)."""
    return active_notes(db, user_id, "substitution")


def recent_feedback(
    db: sqlite_utils.Database, user_id: int, limit: int = 3
) -> list[dict[str, Any]]:
    """The latest workout feedback, newest first."""
    rows = db.execute(
        "SELECT id, session_id, difficulty, enjoyment, note, created_at FROM feedback "
        "WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        [user_id, limit],
    ).fetchall()
    keys = ("id", "session_id", "difficulty", "enjoyment", "note", "created_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]
