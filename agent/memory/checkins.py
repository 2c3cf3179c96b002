"""Check-in drafts and their changes, the approved plan adjustments, program templates.

A proposed change never touches the plan. Only :func:`add_adjustment`, called when a
trainer approves a change, writes what the planner reads (:func:`adjustments_on`), and
every adjustment carries the trainer's name so the client sees who decided it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from agent.memory.db import transaction
from agent.memory.store import iso

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class ProposedChange:
    """A change as computed, before it is stored."""

    kind: str
    detail: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class ChangeRow:
    """A stored change of a check-in draft and its decision."""

    id: int
    draft_id: int
    user_id: int
    kind: str
    detail: dict[str, Any]
    reason: str
    status: str
    edited: bool
    decided_by: str | None
    decided_at: str | None


@dataclass(frozen=True)
class DraftRow:
    """A check-in draft: the week's facts and the proposed changes."""

    id: int
    trainer_id: int
    user_id: int
    week_start: date
    summary: dict[str, Any]
    created_at: str
    changes: list[ChangeRow]


@dataclass(frozen=True)
class AdjustmentRow:
    """An approved change in force over a date range."""

    id: int
    change_id: int | None
    kind: str
    detail: dict[str, Any]
    reason: str
    trainer: str
    starts_on: date
    ends_on: date | None
    created_at: str


def save_draft(
    db: sqlite_utils.Database,
    trainer_id: int,
    user_id: int,
    week_start: date,
    summary: dict[str, Any],
    changes: list[ProposedChange],
    now: datetime,
) -> int:
    """Store a draft and its proposed changes; returns the draft id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO checkin_drafts (trainer_id, user_id, week_start, summary, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [trainer_id, user_id, week_start.isoformat(), json.dumps(summary), iso(now)],
        )
        draft_id = int(cursor.lastrowid or 0)
        for change in changes:
            db.execute(
                "INSERT INTO checkin_changes (draft_id, user_id, kind, detail, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                [draft_id, user_id, change.kind, json.dumps(change.detail), change.reason],
            )
    return draft_id


_CHANGE_COLUMNS = (
    "id, draft_id, user_id, kind, detail, reason, status, edited, decided_by, decided_at"
)


def _change(row: Any) -> ChangeRow:
    return ChangeRow(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        str(row[3]),
        json.loads(row[4]),
        str(row[5]),
        str(row[6]),
        bool(row[7]),
        row[8],
        row[9],
    )


def draft(db: sqlite_utils.Database, user_id: int, draft_id: int) -> DraftRow | None:
    """One of the client's drafts with its changes, or None."""
    row = db.execute(
        "SELECT id, trainer_id, user_id, week_start, summary, created_at FROM checkin_drafts "
        "WHERE id = ? AND user_id = ?",
        [draft_id, user_id],
    ).fetchone()
    if row is None:
        return None
    changes = db.execute(
        f"SELECT {_CHANGE_COLUMNS} FROM checkin_changes WHERE draft_id = ? ORDER BY id",
        [draft_id],
    ).fetchall()
    return DraftRow(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        date.fromisoformat(str(row[3])),
        json.loads(row[4]),
        str(row[5]),
        [_change(c) for c in changes],
    )


def latest_draft_id(db: sqlite_utils.Database, user_id: int) -> int | None:
    """The client's newest draft, or None."""
    row = db.execute("SELECT MAX(id) FROM checkin_drafts WHERE user_id = ?", [user_id]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def change(db: sqlite_utils.Database, user_id: int, change_id: int) -> ChangeRow | None:
    """One of the client's proposed changes, or None."""
    row = db.execute(
        f"SELECT {_CHANGE_COLUMNS} FROM checkin_changes WHERE id = ? AND user_id = ?",
        [change_id, user_id],
    ).fetchone()
    return _change(row) if row else None


def decide(
    db: sqlite_utils.Database,
    change_id: int,
    status: str,
    decided_by: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record the decision on a change (with its edited parameters, if edited)."""
    with transaction(db):
        if detail is not None:
            db.execute(
                "UPDATE checkin_changes SET detail = ?, edited = 1 WHERE id = ?",
                [json.dumps(detail), change_id],
            )
        db.execute(
            "UPDATE checkin_changes SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            [status, decided_by, iso(now), change_id],
        )


def add_adjustment(
    db: sqlite_utils.Database,
    user_id: int,
    change_id: int | None,
    proposed: ProposedChange,
    trainer: str,
    starts_on: date,
    ends_on: date | None,
    now: datetime,
) -> int:
    """Put an approved change in force from ``starts_on`` (to ``ends_on``, inclusive)."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO plan_adjustments (user_id, change_id, kind, detail, reason, trainer, "
            "starts_on, ends_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                change_id,
                proposed.kind,
                json.dumps(proposed.detail),
                proposed.reason,
                trainer,
                starts_on.isoformat(),
                ends_on.isoformat() if ends_on else None,
                iso(now),
            ],
        )
        return int(cursor.lastrowid or 0)


def adjustments(db: sqlite_utils.Database, user_id: int) -> list[AdjustmentRow]:
    """Every adjustment of the client, oldest first."""
    rows = db.execute(
        "SELECT id, change_id, kind, detail, reason, trainer, starts_on, ends_on, created_at "
        "FROM plan_adjustments WHERE user_id = ? ORDER BY starts_on, id",
        [user_id],
    ).fetchall()
    return [
        AdjustmentRow(
            int(r[0]),
            r[1],
            str(r[2]),
            json.loads(r[3]),
            str(r[4]),
            str(r[5]),
            date.fromisoformat(str(r[6])),
            date.fromisoformat(str(r[7])) if r[7] else None,
            str(r[8]),
        )
        for r in rows
    ]


def adjustments_on(db: sqlite_utils.Database, user_id: int, day: date) -> list[AdjustmentRow]:
    """The adjustments in force on ``day``; for each kind only the latest one counts."""
    latest: dict[str, AdjustmentRow] = {}
    for row in adjustments(db, user_id):
        in_force = row.starts_on <= day and (row.ends_on is None or day <= row.ends_on)
        if in_force:
            key = f"{row.kind}:{row.detail.get('replace', '')}" if row.kind == "swap" else row.kind
            latest[key] = row
    return list(latest.values())


# -- program templates -------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateRow:
    """A trainer's program template."""

    id: int
    trainer_id: int
    name: str
    weeks: list[Any]
    updated_at: str


@dataclass(frozen=True)
class AssignmentRow:
    """A template assigned to a client from a start date."""

    id: int
    template_id: int
    template_name: str
    weeks: list[Any]
    starts_on: date
    assigned_by: str


def save_template(
    db: sqlite_utils.Database,
    trainer_id: int,
    name: str,
    weeks: list[Any],
    now: datetime,
    template_id: int | None = None,
) -> int:
    """Create a template, or replace the weeks and name of the trainer's template."""
    with transaction(db):
        if template_id is not None:
            db.execute(
                "UPDATE program_templates SET name = ?, weeks = ?, updated_at = ? "
                "WHERE id = ? AND trainer_id = ?",
                [name, json.dumps(weeks), iso(now), template_id, trainer_id],
            )
            return template_id
        cursor = db.execute(
            "INSERT INTO program_templates (trainer_id, name, weeks, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [trainer_id, name, json.dumps(weeks), iso(now), iso(now)],
        )
        return int(cursor.lastrowid or 0)


def templates(db: sqlite_utils.Database, trainer_id: int) -> list[TemplateRow]:
    """The trainer's templates, newest first."""
    rows = db.execute(
        "SELECT id, trainer_id, name, weeks, updated_at FROM program_templates "
        "WHERE trainer_id = ? ORDER BY id DESC",
        [trainer_id],
    ).fetchall()
    return [TemplateRow(int(r[0]), int(r[1]), str(r[2]), json.loads(r[3]), str(r[4])) for r in rows]


def template(db: sqlite_utils.Database, trainer_id: int, template_id: int) -> TemplateRow | None:
    """One of the trainer's templates, or None (another trainer's is None too)."""
    for row in templates(db, trainer_id):
        if row.id == template_id:
            return row
    return None


def assign(
    db: sqlite_utils.Database,
    user_id: int,
    template_id: int,
    starts_on: date,
    assigned_by: str,
    now: datetime,
) -> int:
    """Assign a template to a client from ``starts_on``."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO program_assignments (user_id, template_id, starts_on, assigned_by, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            [user_id, template_id, starts_on.isoformat(), assigned_by, iso(now)],
        )
        return int(cursor.lastrowid or 0)


def assignment_on(db: sqlite_utils.Database, user_id: int, day: date) -> AssignmentRow | None:
    """The latest assignment started on or before ``day``, or None."""
    row = db.execute(
        "SELECT a.id, a.template_id, t.name, t.weeks, a.starts_on, a.assigned_by "
        "FROM program_assignments a JOIN program_templates t ON t.id = a.template_id "
        "WHERE a.user_id = ? AND a.starts_on <= ? ORDER BY a.starts_on DESC, a.id DESC LIMIT 1",
        [user_id, day.isoformat()],
    ).fetchone()
    if row is None:
        return None
    return AssignmentRow(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        json.loads(row[3]),
        date.fromisoformat(str(row[4])),
        str(row[5]),
    )
