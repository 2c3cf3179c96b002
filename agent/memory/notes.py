"""Notes: preferences, dislikes, barriers, constraints and substitutions, with a status.

A constraint note's subject is a body area ("knee"); a substitution's subject is the
exercise being replaced and its text says what the person prefers instead. Notes are
never silently overwritten: they are resolved ("my knee is fine again") or forgotten
("forget that I hate lunges"). Forgetting blanks the text, so it truly leaves memory.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from agent.clock import iso
from agent.memory.db import transaction
from agent.memory.exercises import body_area

if TYPE_CHECKING:
    import sqlite_utils

NoteKind = Literal["preference", "dislike", "barrier", "constraint", "substitution", "schedule"]
NOTE_KINDS: tuple[str, ...] = (
    "preference",
    "dislike",
    "barrier",
    "constraint",
    "substitution",
    "schedule",
)
"""A ``schedule`` note is a calendar change (travel, a busy week), usually with an end."""

_CURRENT = "(ends_on IS NULL OR ends_on >= ?)"
"""SQL: a note still applies on the day given (time-bound notes expire by themselves)."""

_DAYS_SUBJECT = re.compile(r"^([1-7]) days? a week$")


def days_subject(days_per_week: int) -> str:
    """The subject of a schedule note that changes the training days for a while."""
    return f"{days_per_week} days a week"


def normalise_subject(subject: str | None, kind: str | None = None) -> str | None:
    """Subjects compare case-insensitively, singular: "Knees " -> "knee".

    A constraint's subject becomes the catalog's area word when it knows the phrase
    ("lower back" -> lower_back), so planning and the safety screen read the same word.
    """
    if subject is None:
        return None
    if kind == "constraint":
        area = body_area(subject)
        if area:
            return area
    text = " ".join(subject.lower().split())
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        text = text[:-1]
    return text or None


def add_note(
    db: sqlite_utils.Database,
    user_id: int,
    *,
    kind: str,
    text: str,
    now: datetime,
    subject: str | None = None,
    ends_on: date | None = None,
) -> int:
    """Remember something about the person; an identical active note is reused.

    ``ends_on`` is the last day a time-bound note applies; from the next day it is no
    longer listed as active.

    Raises:
        ValueError: Unknown kind, or empty text.
    """
    if kind not in NOTE_KINDS:
        raise ValueError(f"unknown note kind {kind!r}; use one of {', '.join(NOTE_KINDS)}")
    text = " ".join(text.split())
    if not text:
        raise ValueError("a note needs some text")
    subject = normalise_subject(subject, kind)
    with transaction(db):
        row = db.execute(
            "SELECT id FROM notes WHERE user_id = ? AND status = 'active' AND kind = ? "
            "AND COALESCE(subject, '') = ? AND text = ?",
            [user_id, kind, subject or "", text],
        ).fetchone()
        if row:
            return int(row[0])
        cursor = db.execute(
            "INSERT INTO notes (user_id, kind, subject, text, status, started_at, created_at, "
            "ends_on) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
            [user_id, kind, subject, text, iso(now), iso(now), ends_on and ends_on.isoformat()],
        )
        return int(cursor.lastrowid or 0)


def _matching(db: sqlite_utils.Database, user_id: int, target: str, kind: str | None) -> list[int]:
    """Active notes by id, else by subject, else whose text contains the words."""
    sql = "SELECT id, subject, text FROM notes WHERE user_id = ? AND status = 'active'"
    params: list[Any] = [user_id]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    rows = db.execute(sql, params).fetchall()
    cleaned = target.strip().lstrip("#")
    if cleaned.isdigit():
        return [r[0] for r in rows if r[0] == int(cleaned)]
    subject = normalise_subject(cleaned, kind)
    by_subject = [r[0] for r in rows if r[1] and r[1] == subject]
    if by_subject:
        return by_subject
    words = [normalise_subject(w) or "" for w in cleaned.lower().split()]
    return [
        r[0]
        for r in rows
        if words and all(w in (r[2] or "").lower() or w in (r[1] or "") for w in words)
    ]


def forget_note(db: sqlite_utils.Database, user_id: int, target: str, now: datetime) -> list[int]:
    """Forget active notes chosen by id ("12"), subject ("lunge") or words of their text.

    Returns:
        The ids forgotten (empty when nothing matched).
    """
    with transaction(db):
        ids = _matching(db, user_id, target, None)
        for note_id in ids:
            db.execute(
                "UPDATE notes SET status = 'forgotten', text = '', subject = NULL, ended_at = ? "
                "WHERE id = ? AND user_id = ?",
                [iso(now), note_id, user_id],
            )
    return ids


def resolve_constraint(
    db: sqlite_utils.Database, user_id: int, area: str, now: datetime
) -> list[int]:
    """Mark the active constraints on ``area`` resolved ("my knee is fine again").

    Returns:
        The ids resolved (empty when no active constraint matched).
    """
    with transaction(db):
        ids = _matching(db, user_id, area, "constraint")
        for note_id in ids:
            db.execute(
                "UPDATE notes SET status = 'resolved', ended_at = ? WHERE id = ? AND user_id = ?",
                [iso(now), note_id, user_id],
            )
    return ids


def notes(
    db: sqlite_utils.Database,
    user_id: int,
    status: str | None = "active",
    limit: int = 200,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The person's notes (newest first), optionally of one status.

    With ``today``, time-bound notes whose last day has passed are left out.
    """
    sql = (
        "SELECT id, kind, subject, text, status, started_at, ended_at, ends_on FROM notes "
        "WHERE user_id = ?"
    )
    params: list[Any] = [user_id]
    if status:
        sql += " AND status = ?"
        params.append(status)
    if today is not None:
        sql += f" AND {_CURRENT}"
        params.append(today.isoformat())
    rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
    keys = ("id", "kind", "subject", "text", "status", "started_at", "ended_at", "ends_on")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def scheduled_days(db: sqlite_utils.Database, user_id: int, day: date) -> tuple[int, date] | None:
    """Training days a week set by a time-bound schedule note on ``day``, and its last day.

    "This week only 2 days" is stored as a ``schedule`` note with subject "2 days a week"
    and an end; while it runs it wins over the profile, and after its end it no longer
    counts. A note without an end is no temporary change and is not read here.
    """
    rows = db.execute(
        "SELECT subject, ends_on FROM notes WHERE user_id = ? AND status = 'active' "
        "AND kind = 'schedule' AND ends_on IS NOT NULL AND ends_on >= ? "
        "AND substr(started_at, 1, 10) <= ? ORDER BY id DESC",
        [user_id, day.isoformat(), day.isoformat()],
    ).fetchall()
    for subject, ends_on in rows:
        found = _DAYS_SUBJECT.match(subject or "")
        if found:
            return int(found.group(1)), date.fromisoformat(ends_on)
    return None
