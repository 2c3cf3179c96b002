"""Basic reads and writes of users, profiles, conversations and messages.

Every function takes the user's id and touches only that user's rows: isolation is a
property of these signatures, not of the callers' care.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from agent.clock import iso as iso  # the schema's timestamp format, kept importable here
from agent.memory.db import transaction, write_alone, write_unanswered

if TYPE_CHECKING:
    import sqlite_utils


class Profile(BaseModel):
    """What the coach knows about a person's training situation."""

    goal: str | None = Field(default=None, description="Training goal, e.g. strength.")
    level: str | None = Field(default=None, description="beginner | intermediate | advanced.")
    equipment: list[str] | None = Field(default=None, description="Equipment vocabulary words.")
    days_per_week: int | None = Field(default=None, description="Training days per week.")
    session_minutes: int | None = Field(default=None, description="Usual session length.")
    age: int | None = Field(default=None, description="Age in years, if offered.")
    units: str = Field(default="kg", description="Preferred load unit: kg or lb.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Other intake answers.")

    def missing(self) -> list[str]:
        """Intake fields still unknown, in the order the coach asks about them."""
        order = ["goal", "level", "equipment", "days_per_week", "session_minutes"]
        return [name for name in order if getattr(self, name) is None]


def pseudonym_for(name: str) -> str:
    """A stable pseudonymous id; what a remote model sees instead of the name."""
    salt = secrets.token_hex(4)
    return "u_" + hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()[:12]


def ensure_user(db: sqlite_utils.Database, name: str, now: datetime) -> int:
    """The id of the user called ``name``, created on first use."""
    row = db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()
    if row:
        return int(row[0])
    with transaction(db):
        row = db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()
        if row:
            return int(row[0])
        cursor = db.execute(
            "INSERT INTO users (name, pseudonym, created_at) VALUES (?, ?, ?)",
            [name, pseudonym_for(name), iso(now)],
        )
        return int(cursor.lastrowid or 0)


def find_user(db: sqlite_utils.Database, name: str) -> int | None:
    """The id of the user called ``name``, or None."""
    row = db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()
    return int(row[0]) if row else None


def user_pseudonym(db: sqlite_utils.Database, user_id: int) -> str:
    """The pseudonymous id of a user."""
    row = db.execute("SELECT pseudonym FROM users WHERE id = ?", [user_id]).fetchone()
    return str(row[0]) if row else f"u_{user_id}"


def get_profile(db: sqlite_utils.Database, user_id: int) -> Profile:
    """The stored profile, or an empty one."""
    row = db.execute(
        "SELECT goal, level, equipment, days_per_week, session_minutes, age, units, extra "
        "FROM profiles WHERE user_id = ?",
        [user_id],
    ).fetchone()
    if not row:
        return Profile()
    return Profile(
        goal=row[0],
        level=row[1],
        equipment=json.loads(row[2]) if row[2] is not None else None,
        days_per_week=row[3],
        session_minutes=row[4],
        age=row[5],
        units=row[6] or "kg",
        extra=json.loads(row[7] or "{}"),
    )


def save_profile(db: sqlite_utils.Database, user_id: int, profile: Profile, now: datetime) -> None:
    """Write the whole profile (callers merge changes first)."""
    with transaction(db):
        db.execute(
            "INSERT INTO profiles (user_id, goal, level, equipment, days_per_week, "
            "session_minutes, age, units, extra, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(user_id) DO UPDATE SET goal=excluded.goal, level=excluded.level, "
            "equipment=excluded.equipment, days_per_week=excluded.days_per_week, "
            "session_minutes=excluded.session_minutes, age=excluded.age, units=excluded.units, "
            "extra=excluded.extra, updated_at=excluded.updated_at",
            [
                user_id,
                profile.goal,
                profile.level,
                json.dumps(profile.equipment) if profile.equipment is not None else None,
                profile.days_per_week,
                profile.session_minutes,
                profile.age,
                profile.units,
                json.dumps(profile.extra, sort_keys=True),
                iso(now),
            ],
        )


def start_conversation(
    db: sqlite_utils.Database, user_id: int, now: datetime, channel: str = "cli"
) -> int:
    """Open a new conversation for the user and return its id.

    A transaction of one statement (``write_alone``: one round trip on a database server).
    """
    return write_alone(
        db,
        "INSERT INTO conversations (user_id, channel, started_at) VALUES (?, ?, ?)",
        [user_id, channel, iso(now)],
    )


def set_token_hash(db: sqlite_utils.Database, user_id: int, token_hash: str) -> None:
    """Store the hash of the user's API token (replacing any earlier one)."""
    with transaction(db):
        db.execute("UPDATE users SET token_hash = ? WHERE id = ?", [token_hash, user_id])


def user_by_token_hash(db: sqlite_utils.Database, token_hash: str) -> tuple[int, str] | None:
    """The user id and stored hash for a token hash, if a user holds it."""
    row = db.execute(
        "SELECT id, token_hash FROM users WHERE token_hash = ?", [token_hash]
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def token_holder_with_conversation(
    db: sqlite_utils.Database, token_hash: str
) -> tuple[int, str, int | None] | None:
    """:func:`user_by_token_hash` and that user's :func:`latest_conversation`, in one read.

    A chat message needs both before anything else; on a database server one read is one
    round trip instead of two.
    """
    row = db.execute(
        "SELECT u.id, u.token_hash, (SELECT c.id FROM conversations c WHERE c.user_id = u.id "
        "ORDER BY c.id DESC LIMIT 1) FROM users u WHERE u.token_hash = ?",
        [token_hash],
    ).fetchone()
    if not row:
        return None
    return int(row[0]), str(row[1]), int(row[2]) if row[2] is not None else None


def latest_conversation(db: sqlite_utils.Database, user_id: int) -> int | None:
    """The user's most recent conversation id, if any."""
    row = db.execute(
        "SELECT id FROM conversations WHERE user_id = ? ORDER BY id DESC LIMIT 1", [user_id]
    ).fetchone()
    return int(row[0]) if row else None


def owns_conversation(db: sqlite_utils.Database, user_id: int, conversation_id: int) -> bool:
    """Whether ``conversation_id`` exists and belongs to the user."""
    row = db.execute(
        "SELECT 1 FROM conversations WHERE id = ? AND user_id = ?", [conversation_id, user_id]
    ).fetchone()
    return row is not None


def chat_lines(
    db: sqlite_utils.Database, user_id: int, conversation_id: int, limit: int
) -> list[tuple[str, str, str]]:
    """The conversation's last ``limit`` words said (role, text, time), oldest first.

    Only what a person would see: user and assistant messages with text, no tool traffic.
    """
    rows = db.execute(
        "SELECT role, content, created_at FROM messages WHERE user_id = ? "
        "AND conversation_id = ? AND role IN ('user', 'assistant') AND content IS NOT NULL "
        "AND content != '' ORDER BY id DESC LIMIT ?",
        [user_id, conversation_id, limit],
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in reversed(rows)]


_INSERT_MESSAGE = (
    "INSERT INTO messages (conversation_id, user_id, turn_id, role, content, tool_calls, "
    "tool_call_id, name, created_at) VALUES (?,?,?,?,?,?,?,?,?)"
)


def add_message(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    role: str,
    content: str | None,
    now: datetime,
    turn_id: int | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    tool_call_id: str | None = None,
    name: str | None = None,
) -> int:
    """Append one message to a conversation (inside the caller's transaction if any)."""
    message = {
        "role": role,
        "content": content,
        "tool_calls": tool_calls,
        "tool_call_id": tool_call_id,
        "name": name,
    }
    with transaction(db):
        cursor = db.execute(
            _INSERT_MESSAGE, _message_row(user_id, conversation_id, turn_id, message, now)
        )
        return int(cursor.lastrowid or 0)


def append_messages(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    turn_id: int,
    messages: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Append a turn's messages (OpenAI-style dicts) whose ids nobody reads, in a transaction.

    On a database server they travel with the transaction's next statement (its COMMIT at
    the latest: ``db.write_unanswered``), one round trip fewer per message; they commit or
    roll back with the transaction as :func:`add_message`'s would.
    """
    for message in messages:
        write_unanswered(
            db, _INSERT_MESSAGE, _message_row(user_id, conversation_id, turn_id, message, now)
        )


def _message_row(
    user_id: int,
    conversation_id: int,
    turn_id: int | None,
    message: dict[str, Any],
    now: datetime,
) -> list[Any]:
    tool_calls = message.get("tool_calls")
    return [
        conversation_id,
        user_id,
        turn_id,
        message["role"],
        message.get("content"),
        json.dumps(tool_calls) if tool_calls else None,
        message.get("tool_call_id"),
        message.get("name"),
        iso(now),
    ]


def conversation_messages(
    db: sqlite_utils.Database,
    user_id: int,
    conversation_id: int,
    limit: int = 40,
    *,
    up_to_turn: int | None = None,
) -> list[dict[str, Any]]:
    """The last ``limit`` messages of a conversation in the OpenAI chat shape, oldest first.

    Only messages of completed turns are returned (plus a pending turn's user message is
    left out), so a turn that crashed half-way never shows the model a dangling tool call.
    Messages come turn by turn, in the order the turns were opened: the server stores a
    person's next message while their previous turn is still with the model, and that
    turn's reply belongs before it. ``up_to_turn`` leaves out turns opened after it (the
    model answering turn 2 never sees message 3).
    """
    rows = db.execute(
        "SELECT m.role, m.content, m.tool_calls, m.tool_call_id, m.name, m.turn_id, m.id "
        "FROM messages m LEFT JOIN turns t ON t.id = m.turn_id "
        "WHERE m.conversation_id = ? AND m.user_id = ? AND (t.status IS NULL OR "
        "t.status = 'complete' OR m.role = 'user') AND (m.turn_id IS NULL OR m.turn_id <= ?) "
        "ORDER BY m.id DESC LIMIT ?",
        [conversation_id, user_id, up_to_turn if up_to_turn is not None else 2**63 - 1, limit],
    ).fetchall()
    # The window is taken by id (the index's order); within it, turn by turn.
    rows.sort(key=lambda row: (row[5] or 0, row[6]))
    messages: list[dict[str, Any]] = []
    for role, content, tool_calls, tool_call_id, name, _, _ in rows:
        message: dict[str, Any] = {"role": role, "content": content}
        if tool_calls:
            message["tool_calls"] = json.loads(tool_calls)
        if tool_call_id:
            message["tool_call_id"] = tool_call_id
        if name and role == "tool":
            message["name"] = name
        messages.append(message)
    # A window cut can start on a tool result whose call fell outside it; drop those so
    # every tool message follows the assistant message that asked for it.
    while messages and messages[0]["role"] == "tool":
        messages.pop(0)
    return messages


def active_notes(
    db: sqlite_utils.Database, user_id: int, kind: str | None = None
) -> list[dict[str, Any]]:
    """The user's active notes, optionally of one kind, oldest first."""
    sql = (
        "SELECT id, kind, subject, text, started_at FROM notes "
        "WHERE user_id = ? AND status = 'active'"
    )
    params: list[Any] = [user_id]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    rows = db.execute(sql + " ORDER BY id", params).fetchall()
    return [
        {"id": r[0], "kind": r[1], "subject": r[2], "text": r[3], "started_at": r[4]} for r in rows
    ]


def active_constraint_areas(db: sqlite_utils.Database, user_id: int) -> list[str]:
    """Joint areas the person is currently protecting (knee, shoulder, ...), sorted."""
    return sorted(
        {str(n["subject"]) for n in active_notes(db, user_id, "constraint") if n["subject"]}
    )


def audit(
    db: sqlite_utils.Database,
    *,
    actor: str,
    action: str,
    now: datetime,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record an audit entry. Never pass names or message text in ``detail``."""
    with transaction(db):
        db.execute(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?,?,?,?,?)",
            [iso(now), actor, action, subject, json.dumps(detail or {}, sort_keys=True)],
        )
