"""Workout sessions in the database: ``workout_sessions``, ``set_logs`` and ``feedback``.

Live sessions: the state is written after every step (inside the turn's transaction when
there is one), which is what lets a killed process resume at the same set. Planned
sessions: today's plan is stored and read back as the planner's ``Session``, and past
sessions are read as the planner's ``History``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import TypeAdapter, ValidationError

from agent.clock import iso
from agent.live.units import normalise_unit
from agent.memory import aggregates, history, wearables
from agent.memory.db import transaction
from agent.memory.kept import PerPerson
from agent.planning.catalog import load_catalog
from agent.planning.models import History, Session, SessionRecord

if TYPE_CHECKING:
    import sqlite_utils

    from agent.live.state import LiveState


@dataclass
class SessionRow:
    """One workout session and its live state."""

    id: int
    status: str
    state: LiveState
    started_at: str | None
    planned_for: str | None


def _row(raw: Any) -> SessionRow:
    from agent.live.state import LiveState  # see live_states_since

    state = LiveState.from_json(raw[2]) or LiveState()
    return SessionRow(int(raw[0]), str(raw[1]), state, raw[3], raw[4])


_COLUMNS = "id, status, state, started_at, planned_for"


def in_progress(db: sqlite_utils.Database, user_id: int) -> SessionRow | None:
    """The user's unfinished live session, if any (most recent first)."""
    raw = db.execute(
        f"SELECT {_COLUMNS} FROM workout_sessions WHERE user_id = ? AND status = 'in_progress' "
        "ORDER BY id DESC LIMIT 1",
        [user_id],
    ).fetchone()
    return _row(raw) if raw else None


def awaiting_feedback(db: sqlite_utils.Database, user_id: int) -> SessionRow | None:
    """The latest finished session, if it has no feedback yet."""
    raw = db.execute(
        f"SELECT {_COLUMNS} FROM workout_sessions s WHERE user_id = ? AND status = 'done' "
        "AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.session_id = s.id) "
        "ORDER BY id DESC LIMIT 1",
        [user_id],
    ).fetchone()
    return _row(raw) if raw else None


def planned_for(db: sqlite_utils.Database, user_id: int, day: date) -> tuple[int, Any] | None:
    """A session planned for ``day`` (id and its plan JSON), if the planner made one."""
    raw = db.execute(
        "SELECT id, plan FROM workout_sessions WHERE user_id = ? AND status = 'planned' "
        "AND (planned_for = ? OR planned_for IS NULL) ORDER BY id DESC LIMIT 1",
        [user_id, day.isoformat()],
    ).fetchone()
    if not raw:
        return None
    return int(raw[0]), json.loads(raw[1]) if raw[1] else {}


def start(
    db: sqlite_utils.Database,
    user_id: int,
    state: LiveState,
    now: datetime,
    *,
    plan: dict[str, Any],
    session_id: int | None = None,
) -> int:
    """Mark a planned session in progress, or create one; returns its id."""
    with transaction(db):
        if session_id is not None:
            db.execute(
                "UPDATE workout_sessions SET status = 'in_progress', state = ?, started_at = ? "
                "WHERE id = ? AND user_id = ?",
                [state.to_json(), iso(now), session_id, user_id],
            )
            return session_id
        cursor = db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, plan, state, source, "
            "created_at, started_at) VALUES (?, 'in_progress', ?, ?, ?, 'coach', ?, ?)",
            [
                user_id,
                now.date().isoformat(),
                json.dumps(plan, sort_keys=True, default=str),
                state.to_json(),
                iso(now),
                iso(now),
            ],
        )
        return int(cursor.lastrowid or 0)


def save(db: sqlite_utils.Database, user_id: int, session_id: int, state: LiveState) -> None:
    """Persist the state after a step."""
    with transaction(db):
        db.execute(
            "UPDATE workout_sessions SET state = ? WHERE id = ? AND user_id = ?",
            [state.to_json(), session_id, user_id],
        )


def close(
    db: sqlite_utils.Database,
    user_id: int,
    session_id: int,
    state: LiveState,
    now: datetime,
    status: str = "done",
) -> None:
    """Mark the session done (or skipped when nothing was logged)."""
    with transaction(db):
        db.execute(
            "UPDATE workout_sessions SET status = ?, state = ?, finished_at = ? "
            "WHERE id = ? AND user_id = ?",
            [status, state.to_json(), iso(now), session_id, user_id],
        )
        aggregates.session_finished(db, user_id, session_id)


Side = Literal["left", "right", "each"]
"""The side of a one-sided set ("each" = the same on both sides, "per side")."""


@dataclass(frozen=True)
class LoggedSet:
    """A set as stored."""

    exercise_id: str
    exercise_name: str
    set_number: int
    reps: int | None
    load: float | None
    unit: str | None
    rpe: float | None
    rir: float | None
    source: str = "live"
    """live, or planned_target when no number was given (Enter / Done)."""
    side: Side | None = None
    """The side of a one-sided set, when said."""


def insert_set(
    db: sqlite_utils.Database, user_id: int, session_id: int, logged: LoggedSet, now: datetime
) -> int:
    """Store one set through memory's history (load kept as said, normalised to kg)."""
    item = history.SetInput(
        reps=logged.reps,
        load=logged.load,
        unit=normalise_unit(logged.unit) if logged.load is not None else None,
        rpe=logged.rpe,
        rir=logged.rir,
        side=logged.side,
    )
    ids = history.log_sets(
        db,
        user_id,
        exercise_id=logged.exercise_id,
        exercise_name=logged.exercise_name,
        sets=[item],
        now=now,
        session_id=session_id,
        source=logged.source,
    )
    return ids[0]


def last_side(db: sqlite_utils.Database, session_id: int) -> tuple[str, str | None] | None:
    """The exercise id and side of the newest set logged in a session."""
    row = db.execute(
        "SELECT exercise_id, side FROM set_logs WHERE session_id = ? ORDER BY id DESC LIMIT 1",
        [session_id],
    ).fetchone()
    return (str(row[0]), row[1]) if row else None


def last_load(
    db: sqlite_utils.Database, user_id: int, exercise_id: str
) -> tuple[float, str] | None:
    """The load of the person's most recent loaded set of this exercise."""
    raw = db.execute(
        "SELECT load, unit FROM set_logs WHERE user_id = ? AND exercise_id = ? "
        "AND load IS NOT NULL ORDER BY logged_at DESC, id DESC LIMIT 1",
        [user_id, exercise_id],
    ).fetchone()
    return (float(raw[0]), str(raw[1] or "kg")) if raw else None


def days_since_last(db: sqlite_utils.Database, user_id: int, now: datetime) -> int | None:
    """Whole days since the last finished session, or None for a first session."""
    raw = db.execute(
        "SELECT MAX(COALESCE(finished_at, started_at)) FROM workout_sessions "
        "WHERE user_id = ? AND status = 'done'",
        [user_id],
    ).fetchone()
    if not raw or not raw[0]:
        return None
    last = datetime.fromisoformat(raw[0])
    if last.tzinfo is None and now.tzinfo is not None:
        last = last.replace(tzinfo=now.tzinfo)
    return max(0, (now.date() - last.date()).days)


def last_feedback(db: sqlite_utils.Database, user_id: int) -> str | None:
    """The difficulty given after the most recent session with feedback."""
    raw = db.execute(
        "SELECT difficulty FROM feedback WHERE user_id = ? AND difficulty IS NOT NULL "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        [user_id],
    ).fetchone()
    return str(raw[0]) if raw else None


def session_sets(db: sqlite_utils.Database, user_id: int, session_id: int) -> list[dict[str, Any]]:
    """Every set of a session, in order."""
    rows = db.execute(
        "SELECT exercise_id, exercise_name, set_number, reps, load, unit, load_kg, rpe, rir "
        "FROM set_logs WHERE user_id = ? AND session_id = ? ORDER BY id",
        [user_id, session_id],
    ).fetchall()
    keys = ("exercise_id", "exercise_name", "set_number", "reps", "load", "unit", "load_kg")
    return [dict(zip((*keys, "rpe", "rir"), r, strict=True)) for r in rows]


def best_before(
    db: sqlite_utils.Database, user_id: int, exercise_id: str, session_id: int
) -> tuple[float | None, int | None]:
    """The best load (kg) and best reps for an exercise before this session."""
    raw = db.execute(
        "SELECT MAX(load_kg), MAX(reps) FROM set_logs WHERE user_id = ? AND exercise_id = ? "
        "AND (session_id IS NULL OR session_id != ?)",
        [user_id, exercise_id, session_id],
    ).fetchone()
    return (raw[0], raw[1]) if raw else (None, None)


# -- sessions as the faces show them -------------------------------------------------------


@dataclass(frozen=True)
class WorkoutRecord:
    """One stored session with its plan, its live state (typed and as stored) and set count."""

    id: int
    status: str
    planned_for: str | None
    started_at: str | None
    finished_at: str | None
    plan: dict[str, Any] | None
    state: dict[str, Any] | None
    """The stored state as JSON data, for clients that read it raw."""
    live: LiveState | None
    """The same state, typed; None when the session has not started."""
    sets_logged: int


_RECORD_COLUMNS = "id, status, planned_for, started_at, finished_at, plan, state"


def _json_object(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    value = json.loads(raw)
    return value if isinstance(value, dict) else {"value": value}


def _workout_record(db: sqlite_utils.Database, user_id: int, raw: Any) -> WorkoutRecord:
    from agent.live.state import LiveState  # see live_states_since

    sets = db.execute(
        "SELECT COUNT(*) FROM set_logs WHERE session_id = ? AND user_id = ?", [raw[0], user_id]
    ).fetchone()[0]
    return WorkoutRecord(
        id=int(raw[0]),
        status=str(raw[1]),
        planned_for=raw[2],
        started_at=raw[3],
        finished_at=raw[4],
        plan=_json_object(raw[5]),
        state=_json_object(raw[6]),
        live=LiveState.from_json(raw[6]),
        sets_logged=int(sets),
    )


def live_record(db: sqlite_utils.Database, user_id: int) -> WorkoutRecord | None:
    """The user's session in progress, if any."""
    raw = db.execute(
        f"SELECT {_RECORD_COLUMNS} FROM workout_sessions WHERE user_id = ? "
        "AND status = 'in_progress' ORDER BY id DESC LIMIT 1",
        [user_id],
    ).fetchone()
    return _workout_record(db, user_id, raw) if raw else None


def today_record(db: sqlite_utils.Database, user_id: int, day: date) -> WorkoutRecord | None:
    """The coach-planned session of ``day`` (planned, in progress or done), newest first."""
    raw = db.execute(
        f"SELECT {_RECORD_COLUMNS} FROM workout_sessions WHERE user_id = ? "
        "AND plan IS NOT NULL AND source != 'log' AND status != 'skipped' "
        "AND (planned_for = ? OR status = 'in_progress') ORDER BY id DESC LIMIT 1",
        [user_id, day.isoformat()],
    ).fetchone()
    return _workout_record(db, user_id, raw) if raw else None


def shown_read(user_id: int, day: date) -> tuple[str, list[Any]]:
    """The read behind :func:`shown_records` (SQL and values), for a store to send ahead."""
    return (
        f"SELECT {_RECORD_COLUMNS}, source FROM workout_sessions WHERE user_id = ? "
        "AND (status = 'in_progress' OR (plan IS NOT NULL AND source != 'log' "
        "AND status != 'skipped' AND planned_for = ?)) ORDER BY id DESC",
        [user_id, day.isoformat()],
    )


def shown_records(
    db: sqlite_utils.Database, user_id: int, day: date
) -> tuple[WorkoutRecord | None, WorkoutRecord | None]:
    """:func:`live_record` and :func:`today_record` of ``day``, from one read.

    A chat answer shows both; on a database server that is one round trip instead of two.
    The rows of either kind come newest first and each answer is the first row of its
    kind, as the two queries would pick.
    """
    rows = db.execute(*shown_read(user_id, day)).fetchall()
    live = next((raw for raw in rows if raw[1] == "in_progress"), None)
    today = next(
        (
            raw
            for raw in rows
            if raw[5] is not None
            and raw[7] is not None
            and raw[7] != "log"
            and raw[1] != "skipped"
            and (raw[2] == day.isoformat() or raw[1] == "in_progress")
        ),
        None,
    )
    shown_live = _workout_record(db, user_id, live) if live is not None else None
    if today is None:
        return shown_live, None
    if shown_live is not None and live is today:
        return shown_live, shown_live
    return shown_live, _workout_record(db, user_id, today)


def record_by_id(db: sqlite_utils.Database, user_id: int, session_id: int) -> WorkoutRecord | None:
    """The user's session ``session_id``; None when it is not theirs or does not exist."""
    raw = db.execute(
        f"SELECT {_RECORD_COLUMNS} FROM workout_sessions WHERE id = ? AND user_id = ?",
        [session_id, user_id],
    ).fetchone()
    return _workout_record(db, user_id, raw) if raw else None


def latest_set_id(db: sqlite_utils.Database, user_id: int) -> int:
    """The id of the user's most recently stored set."""
    raw = db.execute("SELECT MAX(id) FROM set_logs WHERE user_id = ?", [user_id]).fetchone()
    return int(raw[0] or 0)


# -- sessions as the planner reads them ----------------------------------------------------

HISTORY_DAYS = 70
"""How far back history is read: enough for gaps (>28 days), stalls and the week."""


def read_history(db: sqlite_utils.Database, user_id: int, today: date) -> History:
    """Done and skipped sessions of the last :data:`HISTORY_DAYS` days, as the planner reads them.

    Working sets only (warm-ups and drop sets are left out). The planned rep range and
    effort are taken from the stored plan when it came from the planner. Sets logged
    outside any session are grouped by day.

    A session read before is not read again while it is unchanged (see :data:`_KEPT`):
    a turn reads its sets only for sessions that are new or changed since the last read.
    """
    since = (today - timedelta(days=HISTORY_DAYS)).isoformat()
    # The session's day as the aggregates and their expression index read it (the same
    # day for our ISO timestamps as COALESCE of each column's first ten characters), so
    # the window is read through the index, not through every session the person has.
    # Each session comes with how many sets it has and its newest set's id: two probes of
    # the session index, which change whenever a set is added to or removed from it.
    rows = db.execute(
        f"SELECT id, status, {aggregates.SESSION_DAY} AS day, plan, "
        "(SELECT COUNT(*) FROM set_logs WHERE session_id = workout_sessions.id), "
        "(SELECT MAX(id) FROM set_logs WHERE session_id = workout_sessions.id) "
        "FROM workout_sessions WHERE user_id = ? AND status IN ('done', 'skipped') "
        f"AND {aggregates.SESSION_DAY} >= ? ORDER BY day, id",
        [user_id, since],
    ).fetchall()
    catalog = load_catalog()
    read_with, kept = _KEPT.get(db, user_id) or (catalog, {})
    if read_with is not catalog:
        kept = {}
    stale = [row for row in rows if (found := kept.get(row[0])) is None or found[0] != tuple(row)]
    by_session = _working_sets(db, user_id, [int(row[0]) for row in stale])
    # Plain data, validated in one pass of pydantic's core (a model built per set made
    # a 70-day window of a few hundred sets most of a plan turn's cost and its garbage).
    read = _SESSIONS.validate_python(
        [
            _session_data(str(day), status, by_session.get(int(session_id), []), _targets(plan))
            for session_id, status, day, plan, *_ in stale
        ]
    )
    fresh = {row[0]: (tuple(row), record) for row, record in zip(stale, read, strict=True)}
    window = {row[0]: fresh.get(row[0]) or kept[row[0]] for row in rows}
    _KEPT.put(db, user_id, (catalog, window))
    records = [window[row[0]][1] for row in rows]
    loose = db.execute(
        "SELECT substr(logged_at, 1, 10), exercise_id, reps, load_kg, rir, rpe, duration_s "
        # logged_at >= the day (not substr(...) >= it: the same rows for ISO timestamps,
        # and the (user, time) index bounds the read to the window, not the whole history)
        "FROM set_logs WHERE user_id = ? AND session_id IS NULL AND logged_at >= ? "
        "AND COALESCE(set_type, 'normal') IN ('normal', 'failure') ORDER BY logged_at, id",
        [user_id, since],
    ).fetchall()
    by_day: dict[str, list[Any]] = {}
    for row in loose:
        by_day.setdefault(str(row[0]), []).append(row[1:])
    records.extend(
        _SESSIONS.validate_python(
            [_session_data(day, "done", day_sets, {}) for day, day_sets in sorted(by_day.items())]
        )
    )
    imported = wearables.planner_activities(db, user_id, today, HISTORY_DAYS)
    return History(sessions=records, activities=imported)


_SESSIONS: TypeAdapter[list[SessionRecord]] = TypeAdapter(list[SessionRecord])

_IN_LIST_CHUNK = 500
"""Session ids per ``IN (...)`` list (far below SQLite's and PostgreSQL's parameter limits)."""


def _working_sets(
    db: sqlite_utils.Database, user_id: int, session_ids: list[int]
) -> dict[int, list[Any]]:
    """The working sets of these sessions, per session, each in logged order.

    One statement for a window's sessions (one per session made a turn's cost grow with
    the sessions in the window). The unary + keeps SQLite on the session index: by the
    person alone it walks every set.
    """
    by_session: dict[int, list[Any]] = {}
    for start in range(0, len(session_ids), _IN_LIST_CHUNK):
        chunk = session_ids[start : start + _IN_LIST_CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in db.execute(
            "SELECT session_id, exercise_id, reps, load_kg, rir, rpe, duration_s FROM set_logs "
            f"WHERE +user_id = ? AND session_id IN ({marks}) "
            "AND COALESCE(set_type, 'normal') IN ('normal', 'failure') ORDER BY session_id, id",
            [user_id, *chunk],
        ).fetchall():
            by_session.setdefault(int(row[0]), []).append(row[1:])
    return by_session


_Window = dict[Any, tuple[tuple[Any, ...], SessionRecord]]
"""Session id -> (its row as read, with its set count and newest set id; its record)."""

_KEPT: PerPerson[tuple[object, _Window]] = PerPerson()
"""Past sessions already read as the planner's records, with the catalog they were read with.

A plan turn reads the same 70 days of sessions as the turn before, and between two turns
they rarely change, so a session's record is kept with the row it was read from: status,
day, stored plan, the number of its sets and its newest set's id. A record is used again
only while that row reads the same. Sets are only ever added to a session (the aggregates
rely on it too; they are removed only with their session or person), so any change to a
session's sets changes its count or newest id; status and plan are compared as stored. A
record's aerobic minutes come from the catalog, so records read with another catalog are
not used.
"""


def _targets(plan: str | None) -> dict[str, dict[str, Any]]:
    if not plan:
        return {}
    try:
        data = json.loads(plan)
    except ValueError:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for item in data.get("exercises") or [] if isinstance(data, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            out[item["id"]] = item
    return out


def _session_data(
    day: str, status: str, sets: list[Any], targets: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """One session's :class:`~agent.planning.models.SessionRecord` fields as plain data.

    ``sets`` are (exercise_id, reps, load_kg, rir, rpe, duration_s) rows; a value that is
    not a number in its field's range is read as unknown (None). The caller validates.
    """
    catalog = load_catalog()
    by_exercise: dict[str, list[dict[str, Any]]] = {}
    exercises: list[dict[str, Any]] = []
    minutes = {"moderate": 0.0, "vigorous": 0.0}
    timed: dict[str, str | None] = {}  # conditioning exercises' intensity, per exercise
    for exercise_id, reps, load_kg, rir, rpe, seconds in sets:
        record = by_exercise.get(exercise_id)
        if record is None:  # one per exercise, not one per set
            exercise = catalog.find(exercise_id)
            conditioning = exercise is not None and exercise.pattern == "conditioning"
            timed[exercise_id] = (
                ("vigorous" if exercise.intensity == "vigorous" else "moderate")
                if exercise is not None and conditioning
                else None
            )
            target = targets.get(exercise_id, {})
            record = by_exercise[exercise_id] = []
            exercises.append(
                {
                    "exercise_id": exercise_id,
                    "sets": record,
                    "rep_low": _int(target.get("rep_low")),
                    "rep_high": _int(target.get("rep_high")),
                    "target_rir": _int(target.get("target_rir")),
                }
            )
        kind = timed[exercise_id]
        if kind is not None and seconds:
            minutes[kind] += seconds / 60
        record.append(
            {
                "reps": int(reps) if isinstance(reps, _NUMBER) and reps >= 0 else None,
                "load_kg": float(load_kg)
                if isinstance(load_kg, _NUMBER) and load_kg >= 0
                else None,
                "rir": float(rir) if isinstance(rir, _NUMBER) and 0 <= rir <= 10 else None,
                "rpe": float(rpe) if isinstance(rpe, _NUMBER) and 1 <= rpe <= 10 else None,
                "seconds": float(seconds)
                if isinstance(seconds, _NUMBER) and seconds >= 0
                else None,
            }
        )
    return {
        "day": date.fromisoformat(day),
        "status": "done" if status == "done" else "skipped",
        "exercises": exercises,
        "aerobic_minutes": round(minutes["moderate"], 1),
        "vigorous_minutes": round(minutes["vigorous"], 1),
    }


_NUMBER = (int, float)
"""What a stored number may be (a tuple: ``isinstance`` checks it faster than a union)."""


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, _NUMBER) and value >= 0 else None


def planned_session(
    db: sqlite_utils.Database, user_id: int, today: date
) -> tuple[int, Session] | None:
    """Today's planned session (row id and session), if the planner made one."""
    rows = db.execute(
        "SELECT id, plan FROM workout_sessions WHERE user_id = ? AND status = 'planned' "
        "AND planned_for = ? ORDER BY id DESC",
        [user_id, today.isoformat()],
    ).fetchall()
    for row_id, plan in rows:
        if not plan:
            continue
        try:
            return int(row_id), Session.model_validate_json(plan)
        except ValidationError:
            continue  # a plan from something else (an import, an older format)
    return None


def save_planned(db: sqlite_utils.Database, user_id: int, session: Session, now: datetime) -> int:
    """Store the session as today's plan (replacing today's earlier plan); returns its id."""
    today = now.date().isoformat()
    plan = session.model_dump_json()
    with transaction(db):
        row = db.execute(
            "SELECT id FROM workout_sessions WHERE user_id = ? AND status = 'planned' "
            "AND planned_for = ? ORDER BY id DESC LIMIT 1",
            [user_id, today],
        ).fetchone()
        if row:
            db.execute(
                "UPDATE workout_sessions SET plan = ? WHERE id = ? AND user_id = ?",
                [plan, row[0], user_id],
            )
            return int(row[0])
        cursor = db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, "
            "created_at) VALUES (?, 'planned', ?, ?, 'coach', ?)",
            [user_id, today, plan, iso(now)],
        )
        return int(cursor.lastrowid or 0)


# -- the week as the check-in reads it -------------------------------------------------------


def live_states_since(db: sqlite_utils.Database, user_id: int, first: date) -> list[LiveState]:
    """The live states of sessions started (or created) on or after ``first``."""
    # The live workout's models are imported by what reads a live session, not by every
    # turn that plans or logs through this module (a sixtieth of a chat's start).
    from agent.live.state import LiveState

    rows = db.execute(
        "SELECT state FROM workout_sessions WHERE user_id = ? AND state IS NOT NULL "
        "AND substr(COALESCE(started_at, created_at), 1, 10) >= ?",
        [user_id, first.isoformat()],
    ).fetchall()
    states = [LiveState.from_json(r[0]) for r in rows]
    return [s for s in states if s is not None]


def working_sets_since(db: sqlite_utils.Database, user_id: int, first: date) -> dict[str, int]:
    """Working sets (normal and to failure) per exercise id logged on or after ``first``."""
    rows = db.execute(
        "SELECT exercise_id, COUNT(*) FROM set_logs WHERE user_id = ? "
        "AND set_type IN ('normal', 'failure') AND logged_at >= ? "
        "GROUP BY exercise_id",
        [user_id, first.isoformat()],
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def status_counts_since(db: sqlite_utils.Database, user_id: int, first: date) -> dict[str, int]:
    """Sessions per status (planned, done, skipped...) dated on or after ``first``."""
    rows = db.execute(
        "SELECT status, COUNT(*) FROM workout_sessions WHERE user_id = ? "
        "AND COALESCE(planned_for, substr(started_at, 1, 10)) >= ? GROUP BY status",
        [user_id, first.isoformat()],
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def timed_cardio_minutes_since(db: sqlite_utils.Database, user_id: int, first: date) -> float:
    """Minutes of timed cardio logged (sets with a duration and no load) since ``first``."""
    raw = db.execute(
        "SELECT COALESCE(SUM(duration_s), 0) FROM set_logs WHERE user_id = ? "
        "AND duration_s IS NOT NULL AND load IS NULL AND reps IS NULL "
        "AND logged_at >= ?",
        [user_id, first.isoformat()],
    ).fetchone()
    return round(float(raw[0]) / 60, 1)


def mark_missed(db: sqlite_utils.Database, user_id: int, today: date) -> None:
    """Planned sessions whose day has passed are recorded as missed, not silently kept."""
    db.execute(
        "UPDATE workout_sessions SET status = 'skipped', skip_reason = 'missed' "
        "WHERE user_id = ? AND status = 'planned' AND planned_for < ?",
        [user_id, today.isoformat()],
    )


def logged_exercise_counts(db: sqlite_utils.Database, user_id: int) -> list[tuple[str, str, int]]:
    """Every (exercise id, name, sets logged) of the user, the most logged first."""
    rows = db.execute(
        "SELECT exercise_id, exercise_name, COUNT(*) AS n FROM set_logs WHERE user_id = ? "
        "GROUP BY exercise_id, exercise_name ORDER BY n DESC, exercise_id",
        [user_id],
    ).fetchall()
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


def logged_exercises(db: sqlite_utils.Database, user_id: int) -> list[tuple[str, str]]:
    """Every (exercise id, name) the user has logged a set of."""
    rows = db.execute(
        "SELECT DISTINCT exercise_id, exercise_name FROM set_logs WHERE user_id = ?", [user_id]
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]
