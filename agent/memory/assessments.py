"""The consultation record, assessment results and reassessment intervals: all their SQL.

The coaching services (``agent.coaching.consultation`` and ``agent.coaching.assessments``)
decide what the rows mean; this module only stores and reads them, always scoped by the
user's id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent.memory.db import transaction
from agent.memory.store import iso

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class ConsultationRow:
    """The stored consultation: answers by question id, and where it stands."""

    answers: dict[str, dict[str, Any]]
    status: str
    started_at: str
    updated_at: str
    completed_at: str | None


@dataclass(frozen=True)
class AssessmentRow:
    """One stored result."""

    id: int
    test_id: str
    value: float
    unit: str
    taken_at: str
    source: str
    inputs: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


def consultation(db: sqlite_utils.Database, user_id: int) -> ConsultationRow | None:
    """The person's consultation record, or None when none was started."""
    row = db.execute(
        "SELECT answers, status, started_at, updated_at, completed_at FROM consultations "
        "WHERE user_id = ?",
        [user_id],
    ).fetchone()
    if row is None:
        return None
    return ConsultationRow(json.loads(row[0]), str(row[1]), row[2], row[3], row[4])


def save_consultation(
    db: sqlite_utils.Database,
    user_id: int,
    answers: dict[str, dict[str, Any]],
    status: str,
    now: datetime,
) -> ConsultationRow:
    """Create or replace the record's answers and status (one row per person)."""
    stamp = iso(now)
    with transaction(db):
        before = consultation(db, user_id)
        completed = None
        if status == "complete":
            completed = before.completed_at if before and before.completed_at else stamp
        db.execute(
            "INSERT INTO consultations (user_id, answers, status, started_at, updated_at, "
            "completed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET "
            "answers = excluded.answers, status = excluded.status, "
            "updated_at = excluded.updated_at, completed_at = excluded.completed_at",
            [user_id, json.dumps(answers, sort_keys=True), status, stamp, stamp, completed],
        )
    saved = consultation(db, user_id)
    assert saved is not None  # written just above, inside this connection
    return saved


def add_assessment(
    db: sqlite_utils.Database,
    user_id: int,
    *,
    test_id: str,
    value: float,
    unit: str,
    source: str,
    now: datetime,
    inputs: dict[str, Any] | None = None,
    note: str | None = None,
) -> int:
    """Store one result; returns its id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO assessments (user_id, test_id, value, unit, inputs, source, taken_at, "
            "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                test_id,
                float(value),
                unit,
                json.dumps(inputs or {}, sort_keys=True),
                source,
                iso(now),
                note,
            ],
        )
        return int(cursor.lastrowid or 0)


def assessment_rows(
    db: sqlite_utils.Database, user_id: int, test_id: str | None = None
) -> list[AssessmentRow]:
    """The person's results, oldest first (one test's when ``test_id`` is given)."""
    sql = (
        "SELECT id, test_id, value, unit, taken_at, source, inputs, note FROM assessments "
        "WHERE user_id = ?"
    )
    params: list[Any] = [user_id]
    if test_id is not None:
        sql += " AND test_id = ?"
        params.append(test_id)
    rows = db.execute(sql + " ORDER BY taken_at, id", params).fetchall()
    return [
        AssessmentRow(
            int(r[0]),
            str(r[1]),
            float(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            json.loads(r[6]),
            r[7],
        )
        for r in rows
    ]


def intervals(db: sqlite_utils.Database, user_id: int) -> dict[str, int]:
    """Reassessment intervals the person (or their coach) set, by test id."""
    rows = db.execute(
        "SELECT test_id, interval_days FROM assessment_schedule WHERE user_id = ?", [user_id]
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def set_interval(
    db: sqlite_utils.Database, user_id: int, test_id: str, days: int, now: datetime
) -> None:
    """Set how often one test comes due again."""
    with transaction(db):
        db.execute(
            "INSERT INTO assessment_schedule (user_id, test_id, interval_days, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(user_id, test_id) DO UPDATE SET "
            "interval_days = excluded.interval_days, updated_at = excluded.updated_at",
            [user_id, test_id, days, iso(now)],
        )


def standing_flag_count(db: sqlite_utils.Database, user_id: int) -> int:
    """Safety flags (any tier, PAR-Q+ included) not resolved or dismissed by an operator."""
    row = db.execute(
        "SELECT COUNT(*) FROM safety_flags WHERE user_id = ? AND (review_status IS NULL "
        "OR review_status NOT IN ('resolved', 'false_positive'))",
        [user_id],
    ).fetchone()
    return int(row[0])


def first_turn(db: sqlite_utils.Database, user_id: int, conversation_id: int, turn_id: int) -> bool:
    """Whether ``turn_id`` is the first turn of its conversation (the start of a session)."""
    return db.execute(*first_turn_read(user_id, conversation_id, turn_id)).fetchone() is None


def first_turn_read(user_id: int, conversation_id: int, turn_id: int) -> tuple[str, list[Any]]:
    """The read behind :func:`first_turn` (SQL and values), for a store reading ahead."""
    return (
        "SELECT 1 FROM turns WHERE user_id = ? AND conversation_id = ? AND id < ? LIMIT 1",
        [user_id, conversation_id, turn_id],
    )


E1RM_MAX_REPS = 10
"""Only sets of this many reps or fewer estimate a one-rep max (issue 19)."""


def loaded_sets(
    db: sqlite_utils.Database, user_id: int, since: str
) -> list[tuple[str, int, float, float | None]]:
    """Counted sets since ``since`` (ISO date) with a load and 1-10 reps.

    Returns:
        (exercise_id, reps, load_kg, rpe) rows, oldest first.
    """
    rows = db.execute(
        "SELECT exercise_id, reps, load_kg, rpe FROM set_logs WHERE user_id = ? "
        "AND load_kg > 0 AND reps BETWEEN 1 AND ? AND set_type IN ('normal', 'failure') "
        "AND logged_at >= ? ORDER BY logged_at, id",
        [user_id, E1RM_MAX_REPS, since],
    ).fetchall()
    return [(str(r[0]), int(r[1]), float(r[2]), r[3]) for r in rows]
