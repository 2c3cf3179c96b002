"""Reading and writing live sessions: ``workout_sessions``, ``set_logs`` and ``feedback``.

The state is written after every step (inside the turn's transaction when there is one),
which is what lets a killed process resume at the same set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlite_utils

from agent.live.state import LiveState
from agent.live.units import normalise_unit
from agent.memory import history
from agent.memory.db import transaction


def iso(moment: datetime) -> str:
    """Timestamps as the rest of the schema stores them."""
    return moment.isoformat(timespec="seconds")


@dataclass
class SessionRow:
    """One workout session and its live state."""

    id: int
    status: str
    state: LiveState
    started_at: str | None
    planned_for: str | None


def _row(raw: Any) -> SessionRow:
    state = LiveState.model_validate_json(raw[2]) if raw[2] else LiveState()
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
