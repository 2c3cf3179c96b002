"""Trainer accounts, their sign-in sessions, client links, statuses, notes and messages.

All SQL for the trainer console lives here and in ``checkins``/``programs``. Access
control has one source of truth, :func:`active_link`: a trainer may read or change a
client's rows only while a link between them has ``status = 'active'``. Every query that
serves a trainer goes through it first, so ending a link removes access at once.
Passwords arrive here already hashed; tokens arrive as their SHA-256.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.errors import UserInputError
from agent.memory.db import transaction
from agent.memory.store import iso

if TYPE_CHECKING:
    import sqlite_utils

CLIENT_STATUSES: tuple[str, ...] = ("active", "injured", "sick", "holiday")
"""What a trainer can say about a client's situation; anything but active changes the plan."""


class TrainerError(UserInputError):
    """A trainer action cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class TrainerRow:
    """A trainer account (never its password hash)."""

    id: int
    name: str
    created_at: str


@dataclass(frozen=True)
class SessionRow:
    """A stored trainer sign-in session."""

    trainer_id: int
    name: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ClientRow:
    """One of a trainer's clients."""

    user_id: int
    name: str
    linked_at: str
    last_viewed_at: str | None


@dataclass(frozen=True)
class InviteRow:
    """An invite not yet accepted."""

    id: int
    created_at: str
    expires_at: str


@dataclass(frozen=True)
class StatusRow:
    """A client status over a date range (``ends_on`` inclusive, None = open)."""

    id: int
    status: str
    starts_on: date
    ends_on: date | None
    set_by: str
    note: str

    def covers(self, day: date) -> bool:
        """Whether the status applies on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class ThreadMessage:
    """A message between trainer and client (drafts included, with their status)."""

    id: int
    author: str
    text: str
    status: str
    created_at: str
    sent_at: str | None
    draft_id: int | None


@dataclass(frozen=True)
class NoteRow:
    """A trainer's private note on a client."""

    id: int
    text: str
    created_at: str


# -- accounts ----------------------------------------------------------------------------
def add_trainer(db: sqlite_utils.Database, name: str, password_hash: str, now: datetime) -> int:
    """Create a trainer account.

    Raises:
        TrainerError: The name is taken.
    """
    with transaction(db):
        if db.execute("SELECT 1 FROM trainers WHERE name = ?", [name]).fetchone():
            raise TrainerError(f"a trainer called {name!r} already exists")
        cursor = db.execute(
            "INSERT INTO trainers (name, password_hash, created_at) VALUES (?, ?, ?)",
            [name, password_hash, iso(now)],
        )
        return int(cursor.lastrowid or 0)


def credentials(db: sqlite_utils.Database, name: str) -> tuple[int, str] | None:
    """The trainer's id and stored password hash, or None for an unknown name."""
    row = db.execute("SELECT id, password_hash FROM trainers WHERE name = ?", [name]).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def find_trainer(db: sqlite_utils.Database, name: str) -> TrainerRow | None:
    """The trainer called ``name``, or None."""
    row = db.execute("SELECT id, name, created_at FROM trainers WHERE name = ?", [name]).fetchone()
    return TrainerRow(int(row[0]), str(row[1]), str(row[2])) if row else None


def get_trainer(db: sqlite_utils.Database, trainer_id: int) -> TrainerRow | None:
    """The trainer with this id, or None."""
    row = db.execute(
        "SELECT id, name, created_at FROM trainers WHERE id = ?", [trainer_id]
    ).fetchone()
    return TrainerRow(int(row[0]), str(row[1]), str(row[2])) if row else None


def list_trainers(db: sqlite_utils.Database) -> list[TrainerRow]:
    """Every trainer, by name."""
    rows = db.execute("SELECT id, name, created_at FROM trainers ORDER BY name").fetchall()
    return [TrainerRow(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def rules_yaml(db: sqlite_utils.Database, trainer_id: int) -> str | None:
    """The trainer's tuned attention rules as stored, or None for the defaults."""
    row = db.execute("SELECT rules_yaml FROM trainers WHERE id = ?", [trainer_id]).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def set_rules_yaml(db: sqlite_utils.Database, trainer_id: int, text: str | None) -> None:
    """Store the trainer's attention rules (None goes back to the defaults)."""
    with transaction(db):
        db.execute("UPDATE trainers SET rules_yaml = ? WHERE id = ?", [text, trainer_id])


# -- sign-in sessions --------------------------------------------------------------------
def save_session(
    db: sqlite_utils.Database,
    trainer_id: int,
    token_hash: str,
    csrf_token: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    """Store a new session; expired ones are swept on the way."""
    with transaction(db):
        db.execute("DELETE FROM trainer_sessions WHERE expires_at <= ?", [now.isoformat()])
        db.execute(
            "INSERT INTO trainer_sessions (token_hash, trainer_id, csrf_token, expires_at) "
            "VALUES (?, ?, ?, ?)",
            [token_hash, trainer_id, csrf_token, expires_at.isoformat()],
        )


def session_by_hash(db: sqlite_utils.Database, token_hash: str) -> SessionRow | None:
    """The stored session with this token hash (expired or not), or None."""
    row = db.execute(
        "SELECT s.trainer_id, t.name, s.csrf_token, s.expires_at FROM trainer_sessions s "
        "JOIN trainers t ON t.id = s.trainer_id WHERE s.token_hash = ?",
        [token_hash],
    ).fetchone()
    if row is None:
        return None
    return SessionRow(int(row[0]), str(row[1]), str(row[2]), datetime.fromisoformat(str(row[3])))


def delete_session(db: sqlite_utils.Database, token_hash: str) -> None:
    """Forget a session: its cookie stops working at once."""
    with transaction(db):
        db.execute("DELETE FROM trainer_sessions WHERE token_hash = ?", [token_hash])


# -- links and invites -------------------------------------------------------------------
def create_invite(
    db: sqlite_utils.Database, trainer_id: int, invite_hash: str, now: datetime, expires: datetime
) -> int:
    """Store an invite (only its hash); returns the link id."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO trainer_links (trainer_id, invite_hash, status, created_at, expires_at) "
            "VALUES (?, ?, 'invited', ?, ?)",
            [trainer_id, invite_hash, iso(now), iso(expires)],
        )
        return int(cursor.lastrowid or 0)


def accept_invite(
    db: sqlite_utils.Database, invite_hash: str, user_id: int, now: datetime
) -> tuple[int, str]:
    """Link the client to the inviting trainer.

    Returns:
        The trainer's id and name.

    Raises:
        TrainerError: Unknown, used or expired invite, or the client already has a trainer.
    """
    with transaction(db):
        row = db.execute(
            "SELECT l.id, l.trainer_id, t.name, l.status, l.expires_at FROM trainer_links l "
            "JOIN trainers t ON t.id = l.trainer_id WHERE l.invite_hash = ?",
            [invite_hash],
        ).fetchone()
        if row is None or str(row[3]) != "invited":
            raise TrainerError("that invite code is not valid (it may have been used already)")
        if datetime.fromisoformat(str(row[4])) <= now:
            raise TrainerError("that invite code has expired; ask your trainer for a new one")
        current = db.execute(
            "SELECT t.name FROM trainer_links l JOIN trainers t ON t.id = l.trainer_id "
            "WHERE l.user_id = ? AND l.status = 'active'",
            [user_id],
        ).fetchone()
        if current is not None:
            raise TrainerError(
                f"you are already coached by {current[0]}; end that link before accepting another"
            )
        # The invite is the trainer's row, not this person's: on PostgreSQL two people's
        # turns may take it at once (each holds only their own write lock), so the UPDATE
        # itself checks it is still unused and only one of them gets it.
        taken = db.execute(
            "UPDATE trainer_links SET user_id = ?, status = 'active', accepted_at = ? "
            "WHERE id = ? AND status = 'invited'",
            [user_id, iso(now), row[0]],
        )
        if taken.rowcount != 1:
            raise TrainerError("that invite code is not valid (it may have been used already)")
        return int(row[1]), str(row[2])


def active_link(db: sqlite_utils.Database, trainer_id: int, user_id: int) -> int | None:
    """The id of the active link between trainer and client, or None: the access check."""
    row = db.execute(
        "SELECT id FROM trainer_links WHERE trainer_id = ? AND user_id = ? AND status = 'active'",
        [trainer_id, user_id],
    ).fetchone()
    return int(row[0]) if row else None


def trainer_of(db: sqlite_utils.Database, user_id: int) -> TrainerRow | None:
    """The client's current trainer, or None."""
    row = db.execute(
        "SELECT t.id, t.name, t.created_at FROM trainer_links l JOIN trainers t "
        "ON t.id = l.trainer_id WHERE l.user_id = ? AND l.status = 'active'",
        [user_id],
    ).fetchone()
    return TrainerRow(int(row[0]), str(row[1]), str(row[2])) if row else None


def end_link(db: sqlite_utils.Database, user_id: int, by: str, now: datetime) -> int | None:
    """End the client's active link; returns the former trainer's id, or None if none."""
    with transaction(db):
        row = db.execute(
            "SELECT id, trainer_id FROM trainer_links WHERE user_id = ? AND status = 'active'",
            [user_id],
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "UPDATE trainer_links SET status = 'ended', ended_at = ?, ended_by = ? WHERE id = ?",
            [iso(now), by, row[0]],
        )
        return int(row[1])


def clients(db: sqlite_utils.Database, trainer_id: int) -> list[ClientRow]:
    """The trainer's current clients, by name."""
    rows = db.execute(
        "SELECT u.id, u.name, l.accepted_at, l.last_viewed_at FROM trainer_links l "
        "JOIN users u ON u.id = l.user_id WHERE l.trainer_id = ? AND l.status = 'active' "
        "ORDER BY u.name",
        [trainer_id],
    ).fetchall()
    return [ClientRow(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows]


def open_invites(db: sqlite_utils.Database, trainer_id: int, now: datetime) -> list[InviteRow]:
    """Invites not accepted and not expired, newest first."""
    rows = db.execute(
        "SELECT id, created_at, expires_at FROM trainer_links WHERE trainer_id = ? "
        "AND status = 'invited' AND expires_at > ? ORDER BY id DESC",
        [trainer_id, iso(now)],
    ).fetchall()
    return [InviteRow(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def mark_viewed(db: sqlite_utils.Database, trainer_id: int, user_id: int, now: datetime) -> None:
    """Remember when the trainer last opened the client's page."""
    with transaction(db):
        db.execute(
            "UPDATE trainer_links SET last_viewed_at = ? WHERE trainer_id = ? AND user_id = ? "
            "AND status = 'active'",
            [iso(now), trainer_id, user_id],
        )


# -- statuses ----------------------------------------------------------------------------
def add_status(
    db: sqlite_utils.Database,
    user_id: int,
    status: str,
    starts_on: date,
    ends_on: date | None,
    set_by: str,
    note: str,
    now: datetime,
) -> int:
    """Record a status from ``starts_on``; an open status before it is closed the day before.

    Raises:
        TrainerError: Unknown status or an end before the start.
    """
    if status not in CLIENT_STATUSES:
        raise TrainerError(f"unknown status {status!r}; use one of: {', '.join(CLIENT_STATUSES)}")
    if ends_on is not None and ends_on < starts_on:
        raise TrainerError("the status cannot end before it starts")
    with transaction(db):
        db.execute(
            "UPDATE client_statuses SET ends_on = ? WHERE user_id = ? "
            "AND starts_on < ? AND (ends_on IS NULL OR ends_on >= ?)",
            [
                (starts_on - timedelta(days=1)).isoformat(),
                user_id,
                starts_on.isoformat(),
                starts_on.isoformat(),
            ],
        )
        cursor = db.execute(
            "INSERT INTO client_statuses (user_id, status, starts_on, ends_on, set_by, note, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                status,
                starts_on.isoformat(),
                ends_on.isoformat() if ends_on else None,
                set_by,
                note,
                iso(now),
            ],
        )
        return int(cursor.lastrowid or 0)


def statuses(db: sqlite_utils.Database, user_id: int) -> list[StatusRow]:
    """Every status of the client, oldest first (later rows win where they overlap)."""
    rows = db.execute(
        "SELECT id, status, starts_on, ends_on, set_by, note FROM client_statuses "
        "WHERE user_id = ? ORDER BY starts_on, id",
        [user_id],
    ).fetchall()
    return [
        StatusRow(
            int(r[0]),
            str(r[1]),
            date.fromisoformat(str(r[2])),
            date.fromisoformat(str(r[3])) if r[3] else None,
            str(r[4]),
            str(r[5]),
        )
        for r in rows
    ]


# -- notes and messages ------------------------------------------------------------------
def add_note(
    db: sqlite_utils.Database, trainer_id: int, user_id: int, text: str, now: datetime
) -> int:
    """Store a trainer's private note on a client."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO trainer_notes (trainer_id, user_id, text, created_at) VALUES (?,?,?,?)",
            [trainer_id, user_id, text, iso(now)],
        )
        return int(cursor.lastrowid or 0)


def notes(db: sqlite_utils.Database, trainer_id: int, user_id: int) -> list[NoteRow]:
    """The trainer's notes on the client, oldest first."""
    rows = db.execute(
        "SELECT id, text, created_at FROM trainer_notes WHERE trainer_id = ? AND user_id = ? "
        "ORDER BY id",
        [trainer_id, user_id],
    ).fetchall()
    return [NoteRow(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def add_message(
    db: sqlite_utils.Database,
    user_id: int,
    trainer_id: int | None,
    author: str,
    text: str,
    status: str,
    now: datetime,
    draft_id: int | None = None,
) -> int:
    """Store a message of the trainer-client thread (a trainer's draft waits unsent)."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO trainer_messages (user_id, trainer_id, draft_id, author, text, status, "
            "created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                trainer_id,
                draft_id,
                author,
                text,
                status,
                iso(now),
                iso(now) if status == "sent" else None,
            ],
        )
        return int(cursor.lastrowid or 0)


def message(db: sqlite_utils.Database, user_id: int, message_id: int) -> ThreadMessage | None:
    """One message of the client's thread, or None."""
    rows = _messages(db, "user_id = ? AND id = ?", [user_id, message_id])
    return rows[0] if rows else None


def set_message(
    db: sqlite_utils.Database, message_id: int, status: str, text: str, now: datetime
) -> None:
    """Send, edit-and-send or reject a drafted message."""
    with transaction(db):
        db.execute(
            "UPDATE trainer_messages SET status = ?, text = ?, sent_at = ? WHERE id = ?",
            [status, text, iso(now) if status == "sent" else None, message_id],
        )


def thread_messages(
    db: sqlite_utils.Database, user_id: int, *, sent_only: bool = False
) -> list[ThreadMessage]:
    """The client's thread with their trainer, oldest first."""
    where = "user_id = ?" + (" AND status = 'sent'" if sent_only else "")
    return _messages(db, where, [user_id])


def _messages(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[ThreadMessage]:
    rows = db.execute(
        "SELECT id, author, text, status, created_at, sent_at, draft_id FROM trainer_messages "
        f"WHERE {where} ORDER BY id",
        params,
    ).fetchall()
    return [
        ThreadMessage(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], r[6])
        for r in rows
    ]


# -- what the console reads about a client -----------------------------------------------
@dataclass(frozen=True)
class MissedSession:
    """A session that did not happen: skipped, or planned for a day now past."""

    day: date
    reason: str | None


@dataclass(frozen=True)
class FlagRow:
    """A safety flag as the trainer sees it: tier, labels, review outcome, no message text."""

    id: int
    tier: str
    signals: list[str]
    created_at: str
    review_status: str | None
    decision: str | None
    lock_active: bool


@dataclass(frozen=True)
class ChatLine:
    """One line of the client's chat with the coach."""

    role: str
    content: str
    created_at: str


def missed_sessions(
    db: sqlite_utils.Database, user_id: int, first: date, last: date
) -> list[MissedSession]:
    """Skipped sessions, and planned ones never started, dated ``first``..``last``."""
    rows = db.execute(
        "SELECT COALESCE(planned_for, substr(COALESCE(started_at, created_at), 1, 10)), "
        "skip_reason FROM workout_sessions WHERE user_id = ? AND (status = 'skipped' OR "
        "(status = 'planned' AND planned_for IS NOT NULL AND planned_for < ?)) "
        "AND COALESCE(planned_for, substr(COALESCE(started_at, created_at), 1, 10)) "
        "BETWEEN ? AND ? ORDER BY 1, id",
        [user_id, last.isoformat(), first.isoformat(), last.isoformat()],
    ).fetchall()
    return [MissedSession(date.fromisoformat(str(r[0])), r[1]) for r in rows]


def flags_since(db: sqlite_utils.Database, user_id: int, since: datetime) -> list[FlagRow]:
    """Safety flags raised since ``since`` or still locking the plan, newest first."""
    rows = db.execute(
        "SELECT id, tier, signals, created_at, review_status, decision, lock_active "
        "FROM safety_flags WHERE user_id = ? AND (created_at >= ? OR lock_active = 1) "
        "ORDER BY created_at DESC, id DESC",
        [user_id, iso(since)],
    ).fetchall()
    return [
        FlagRow(
            int(r[0]),
            str(r[1]),
            [str(s) for s in json.loads(r[2] or "[]")],
            str(r[3]),
            r[4],
            r[5],
            bool(r[6]),
        )
        for r in rows
    ]


def chat_lines(db: sqlite_utils.Database, user_id: int, limit: int = 50) -> list[ChatLine]:
    """The client's latest chat lines with the coach (no tool messages), oldest first."""
    rows = db.execute(
        "SELECT role, content, created_at FROM messages WHERE user_id = ? "
        "AND role IN ('user', 'assistant') AND content IS NOT NULL AND content != '' "
        "ORDER BY id DESC LIMIT ?",
        [user_id, limit],
    ).fetchall()
    return [ChatLine(str(r[0]), str(r[1]), str(r[2])) for r in reversed(rows)]


def audit_trail(db: sqlite_utils.Database, subject: str, limit: int = 100) -> list[dict[str, str]]:
    """Audit entries about one subject (``user:ID``), newest first."""
    rows = db.execute(
        "SELECT at, actor, action, detail FROM audit_log WHERE subject = ? "
        "ORDER BY id DESC LIMIT ?",
        [subject, limit],
    ).fetchall()
    return [{"at": r[0], "actor": r[1], "action": r[2], "detail": r[3]} for r in rows]


@dataclass(frozen=True)
class EffortCounts:
    """Sets with a rated effort since a day, and how many of them were near failure."""

    rated: int
    near_failure: int
    too_hard: int
    """Workouts the client called too hard in the same span."""


def effort_counts(db: sqlite_utils.Database, user_id: int, since: date) -> EffortCounts:
    """Rated sets, sets at RPE 9+ (or 1 RIR or less) and too-hard workouts since ``since``."""
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN rpe >= 9 OR rir <= 1 THEN 1 ELSE 0 END), 0) "
        "FROM set_logs "
        "WHERE user_id = ? AND (rpe IS NOT NULL OR rir IS NOT NULL) "
        "AND set_type IN ('normal', 'failure') AND logged_at >= ?",
        [user_id, since.isoformat()],
    ).fetchone()
    hard = db.execute(
        "SELECT COUNT(*) FROM feedback WHERE user_id = ? AND difficulty = 'too_hard' "
        "AND substr(created_at, 1, 10) >= ?",
        [user_id, since.isoformat()],
    ).fetchone()
    return EffortCounts(int(row[0]), int(row[1]), int(hard[0]))
