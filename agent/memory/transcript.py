"""Turn records: the loop's pending, complete and failed turns, and steps taken outside one.

The loop opens a turn before any model sees the message and closes it with the whole
turn's messages. ``coach workout`` starting a session and Enter moving it on are real
session-tool calls made for the person; :func:`record_step` writes them into the
conversation as one turn, so any model reading it knows where the session is.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent.clock import iso
from agent.memory import store
from agent.memory.db import transaction, write_unanswered
from agent.memory.dialect import engine_of

if TYPE_CHECKING:
    import sqlite_utils


def open_turn(
    db: sqlite_utils.Database, *, user_id: int, conversation_id: int, now: datetime
) -> int:
    """A pending turn (inside the caller's transaction); returns its id."""
    cursor = db.execute(
        "INSERT INTO turns (conversation_id, user_id, status, started_at) "
        "VALUES (?, ?, 'pending', ?)",
        [conversation_id, user_id, iso(now)],
    )
    return int(cursor.lastrowid or 0)


_OPEN_WITH_MESSAGE = (
    "WITH turn AS (INSERT INTO turns (conversation_id, user_id, status, started_at) "
    "VALUES (?, ?, 'pending', ?) RETURNING id) "
    "INSERT INTO messages (conversation_id, user_id, turn_id, role, content, created_at) "
    "SELECT ?, ?, turn.id, 'user', ?, ? FROM turn RETURNING turn_id, id"
)
"""PostgreSQL: the pending turn's insert feeds the message's, in one statement."""


def open_turn_with_message(
    db: sqlite_utils.Database, *, user_id: int, conversation_id: int, text: str, now: datetime
) -> tuple[int, int]:
    """A pending turn and the person's message in it (inside the caller's transaction).

    Returns:
        The turn's id and the message's.

    On PostgreSQL one statement (a data-modifying ``WITH``): the message needs the turn's
    id, and asked one after the other they are two round trips. SQLite has no
    ``INSERT`` inside ``WITH``, and its inserts are function calls: two statements.
    """
    if engine_of(db) == "postgresql":
        stamp = iso(now)
        row = db.execute(
            _OPEN_WITH_MESSAGE,
            [conversation_id, user_id, stamp, conversation_id, user_id, text, stamp],
        ).fetchone()
        return int(row[0]), int(row[1])
    turn_id = open_turn(db, user_id=user_id, conversation_id=conversation_id, now=now)
    message_id = store.add_message(
        db,
        user_id=user_id,
        conversation_id=conversation_id,
        role="user",
        content=text,
        now=now,
        turn_id=turn_id,
    )
    return turn_id, message_id


def earlier_turn_pending(db: sqlite_utils.Database, user_id: int, turn_id: int) -> bool:
    """Whether one of the person's recent turns opened before ``turn_id`` is still pending.

    Several server processes answer one person in the order the turns were opened; only
    the last 50 turns are looked at (an older pending turn was left by a crash).
    """
    rows = db.execute(
        "SELECT status FROM turns WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT 50",
        [user_id, turn_id],
    ).fetchall()
    return any(row[0] == "pending" for row in rows)


def set_safety_tier(db: sqlite_utils.Database, turn_id: int, tier: str) -> None:
    """Record the safety screen's tier on the turn."""
    write_unanswered(db, "UPDATE turns SET safety_tier = ? WHERE id = ?", [tier, turn_id])


def complete_turn(db: sqlite_utils.Database, turn_id: int, now: datetime) -> None:
    """Mark the turn complete (inside the caller's transaction, with its messages)."""
    write_unanswered(
        db,
        "UPDATE turns SET status = 'complete', finished_at = ? WHERE id = ?",
        [iso(now), turn_id],
    )


def fail_turn(
    db: sqlite_utils.Database,
    turn_id: int,
    error: str,
    now: datetime,
    *,
    only_pending: bool = False,
) -> None:
    """Mark the turn failed, keeping the start of the error for operators.

    ``only_pending``: leave a turn that finished meanwhile as it is (the server marks a
    turn whose model-step process died, which may have completed it first).
    """
    condition = " AND status = 'pending'" if only_pending else ""
    with transaction(db):
        db.execute(
            "UPDATE turns SET status = 'failed', error = ?, finished_at = ? WHERE id = ?"
            + condition,
            [error[:500], iso(now), turn_id],
        )


def record_step(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    now: datetime,
    said: str,
    tool: str,
    result: dict[str, Any],
) -> None:
    """Store ``said`` -> call ``tool`` -> its result -> the step message, as one turn."""
    stamp = iso(now)
    call_id = f"call_cli_{tool}_{int(now.timestamp() * 1000)}"
    with transaction(db):
        turn_id = int(
            db.execute(
                "INSERT INTO turns (conversation_id, user_id, status, started_at, finished_at) "
                "VALUES (?, ?, 'complete', ?, ?)",
                [conversation_id, user_id, stamp, stamp],
            ).lastrowid
            or 0
        )
        common: dict[str, Any] = {
            "user_id": user_id,
            "conversation_id": conversation_id,
            "now": now,
            "turn_id": turn_id,
        }
        store.add_message(db, role="user", content=said, **common)
        store.add_message(
            db,
            role="assistant",
            content=None,
            tool_calls=[
                {"id": call_id, "type": "function", "function": {"name": tool, "arguments": "{}"}}
            ],
            **common,
        )
        store.add_message(
            db,
            role="tool",
            content=json.dumps(result, sort_keys=True, default=str),
            tool_call_id=call_id,
            name=tool,
            **common,
        )
        store.add_message(db, role="assistant", content=str(result.get("message", "")), **common)
