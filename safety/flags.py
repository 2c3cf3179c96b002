"""The ``safety_flags`` table: every caution, stop and emergency, and the plan locks.

A flag row holds the tier, the signal labels and rule ids (what the review queue shows),
an excerpt, the person, conversation and message, and in ``details`` the full signals
(areas, context modifiers) for the next turn's screen. Stop and emergency flags open a
review (``review_status = 'open'``) and, when about the person themselves, lock
plan-changing tools (``lock_active = 1``) until the lock is lifted by
:func:`lift_locks`. Functions here take a ``sqlite_utils.Database`` and write inside the
caller's transaction; they never open one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from safety.screen import Assessment, ScreenContext
from safety.storage import timestamp
from safety.tiers import Tier

if TYPE_CHECKING:
    import sqlite_utils

CONTEXT_WINDOW = timedelta(hours=24)
"""How far back earlier flags of a conversation inform the screen."""


_INSERT_FLAG = (
    "INSERT INTO safety_flags (user_id, conversation_id, message_id, tier, signals, "
    "rule_ids, excerpt, source, lock_active, review_status, details, created_at, "
    "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


@dataclass(frozen=True)
class Lock:
    """A standing plan lock."""

    flag_id: int
    tier: Tier
    created_at: datetime


def record(
    db: sqlite_utils.Database,
    *,
    user_id: int | None,
    conversation_id: int | None,
    message_id: int | None,
    assessment: Assessment,
    now: datetime,
    lock: bool,
    source: str = "screen",
    check_topic: str | None = None,
) -> int:
    """Store a flag for ``assessment`` (caution or above) and return its id.

    Stop and emergency flags enter the review queue (status ``open``). ``check_topic``
    records the safety question asked about this message (its answer comes next turn).
    """
    cursor = db.execute(
        _INSERT_FLAG,
        _flag_row(user_id, conversation_id, message_id, assessment, now, lock, source, check_topic),
    )
    return int(cursor.lastrowid or 0)


def record_unanswered(
    db: sqlite_utils.Database,
    *,
    user_id: int | None,
    conversation_id: int | None,
    message_id: int | None,
    assessment: Assessment,
    now: datetime,
    lock: bool,
    check_topic: str | None = None,
) -> None:
    """:func:`record` when nobody needs the new flag's id (the screen's own flags).

    A store that can (PostgreSQL's ``send_later``) sends it with the transaction's next
    statement, its COMMIT at the latest: one round trip fewer for an emergency reply. It
    commits or rolls back with the transaction all the same.
    """
    row = _flag_row(
        user_id, conversation_id, message_id, assessment, now, lock, "screen", check_topic
    )
    if _sends_ahead(db) and db.conn.in_transaction:
        db.send_later(_INSERT_FLAG, row)  # type: ignore[attr-defined]
    else:
        db.execute(_INSERT_FLAG, row)


def _flag_row(
    user_id: int | None,
    conversation_id: int | None,
    message_id: int | None,
    assessment: Assessment,
    now: datetime,
    lock: bool,
    source: str,
    check_topic: str | None,
) -> list[Any]:
    flagged = assessment.flagged
    details = {
        "signals": [s.to_json() for s in assessment.signals],
        "areas": assessment.areas,
        "about_other": assessment.about_other,
        "crisis": assessment.crisis,
        "check_topic": check_topic,
    }
    stamp = timestamp(now)
    return [
        user_id,
        conversation_id,
        message_id,
        assessment.tier.value,
        json.dumps(list(dict.fromkeys(s.label for s in flagged))),
        json.dumps([s.rule_id for s in flagged]),
        assessment.excerpt,
        source,
        int(lock),
        "open" if assessment.tier >= Tier.STOP else None,
        json.dumps(details),
        stamp,
        stamp,
    ]


def record_output(
    db: sqlite_utils.Database,
    *,
    user_id: int | None,
    conversation_id: int | None,
    message_id: int | None,
    reasons: list[str],
    excerpt: str,
    now: datetime,
) -> int:
    """Store that the output rail replaced a model reply; operators review every one."""
    stamp = timestamp(now)
    cursor = db.execute(
        _INSERT_FLAG,
        [
            user_id,
            conversation_id,
            message_id,
            Tier.CAUTION.value,
            json.dumps(["model reply replaced by the output rail"]),
            json.dumps(reasons),
            excerpt,
            "output_rail",
            0,
            "open",
            json.dumps({"reasons": reasons}),
            stamp,
            stamp,
        ],
    )
    return int(cursor.lastrowid or 0)


def _sends_ahead(db: sqlite_utils.Database) -> bool:
    """Whether the store sends statements ahead, with others (PostgreSQL's, ``PgDatabase``).

    Asked of the class, not with ``getattr`` on the handle: the SQLite handle answers
    unknown names by loading all of sqlite-utils (``agent.memory.sqlite_handle``).
    """
    return getattr(type(db), "coach_engine", "sqlite") == "postgresql"


def locks_read(user_id: int) -> tuple[str, list[Any]]:
    """The read behind :func:`locks` and :func:`is_plan_locked` (SQL and values).

    One query for both questions (which locks stand, whether any does), so a store that
    sends reads ahead answers either from the same request.
    """
    return (
        "SELECT id, tier, created_at FROM safety_flags WHERE user_id = ? AND lock_active = 1 "
        "ORDER BY id",
        [user_id],
    )


def locks(db: sqlite_utils.Database, user_id: int) -> list[Lock]:
    """The person's standing plan locks, oldest first."""
    return _locks_from(db.execute(*locks_read(user_id)).fetchall())


def _locks_from(rows: list[Any]) -> list[Lock]:
    return [Lock(int(r[0]), Tier(r[1]), datetime.fromisoformat(r[2])) for r in rows]


def is_plan_locked(db: sqlite_utils.Database, user_id: int) -> bool:
    """Whether a stop or emergency flag still locks this person's plan."""
    return db.execute(*locks_read(user_id)).fetchone() is not None


def lift_locks(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    *,
    checked: bool,
    reason: str,
) -> tuple[int, int]:
    """Lift the locks a report of resolution allows; returns (lifted, still held).

    A stop lock lifts when the person says the symptom has gone (or that they were
    checked). An emergency lock lifts only on a later day than the flag, and only when
    the person says they were checked (``checked``).
    """
    lifted = held = 0
    for lock in locks(db, user_id):
        later_day = now.date() > lock.created_at.date()
        if lock.tier is Tier.EMERGENCY and not (checked and later_day):
            held += 1
            continue
        stamp = timestamp(now)
        db.execute(
            "UPDATE safety_flags SET lock_active = 0, lock_cleared_at = ?, updated_at = ? "
            "WHERE id = ?",
            [stamp, stamp, lock.flag_id],
        )
        db.execute(
            "INSERT INTO flag_events (flag_id, actor, at, field, from_value, to_value, note) "
            "VALUES (?, 'user', ?, 'lock_active', '1', '0', ?)",
            [lock.flag_id, stamp, reason],
        )
        lifted += 1
    return lifted, held


@dataclass(frozen=True)
class PendingCheck:
    """The safety question asked on the previous turn, and the message that raised it."""

    topic: str
    text: str


def pending_check(
    db: sqlite_utils.Database, conversation_id: int | None, message_id: int | None
) -> PendingCheck | None:
    """The check the coach asked about the person's previous message, if it did.

    Only the message right before ``message_id`` counts: the question is answered on the
    next turn or not at all.
    """
    if conversation_id is None or message_id is None:
        return None
    return _pending_from(db.execute(*_pending_check_read(conversation_id, message_id)).fetchone())


def _pending_from(row: Any) -> PendingCheck | None:
    if row is None:
        return None
    details: dict[str, Any] = json.loads(row[0] or "{}")
    topic = details.get("check_topic")
    return PendingCheck(str(topic), str(row[1] or "")) if topic else None


def _pending_check_read(conversation_id: int, message_id: int) -> tuple[str, list[Any]]:
    return (
        "SELECT f.details, m.content FROM safety_flags f JOIN messages m ON m.id = f.message_id "
        "WHERE f.source = 'screen' AND f.tier = 'check' AND f.message_id = ("
        "SELECT MAX(id) FROM messages WHERE conversation_id = ? AND role = 'user' AND id < ?) "
        "ORDER BY f.id DESC LIMIT 1",
        [conversation_id, message_id],
    )


def _screen_context_read(
    user_id: int, conversation_id: int | None, now: datetime
) -> tuple[str, list[Any]]:
    return (
        "SELECT tier, rule_ids, details, lock_active FROM safety_flags WHERE user_id = ? "
        "AND source = 'screen' AND (lock_active = 1 OR (conversation_id IS ? AND "
        "created_at >= ?)) ORDER BY id",
        [user_id, conversation_id, timestamp(now - CONTEXT_WINDOW)],
    )


def read_screen_inputs_ahead(
    db: sqlite_utils.Database,
    user_id: int,
    conversation_id: int | None,
    message_id: int | None,
    now: datetime,
    *,
    with_locks: bool = False,
) -> None:
    """Let the store send :func:`screen_context`'s and :func:`pending_check`'s reads at once.

    A store that can send reads ahead (PostgreSQL's: ``read_ahead``) answers both calls
    that follow from one round trip; any other store reads each when asked.
    ``with_locks``: :func:`locks` / :func:`is_plan_locked` too (the gate asks one of them
    next, unless it writes first, which makes the store forget what it read ahead).
    """
    if not _sends_ahead(db) or conversation_id is None or message_id is None:
        return
    ahead = db.read_ahead  # type: ignore[attr-defined]
    reads = [
        _screen_context_read(user_id, conversation_id, now),
        _pending_check_read(conversation_id, message_id),
    ]
    ahead([*reads, locks_read(user_id)] if with_locks else reads)


def emergency_lock(db: sqlite_utils.Database, user_id: int) -> bool:
    """Whether an emergency lock stands for this person (it lifts only after a check-up)."""
    return any(lock.tier is Tier.EMERGENCY for lock in locks(db, user_id))


def screen_context(
    db: sqlite_utils.Database, user_id: int, conversation_id: int | None, now: datetime
) -> ScreenContext:
    """What earlier turns tell the screen: recent flags of this conversation and locks."""
    return _context_from(
        db.execute(*_screen_context_read(user_id, conversation_id, now)).fetchall()
    )


def _context_from(rows: list[Any]) -> ScreenContext:
    if not rows:
        return ScreenContext()
    tier = max(Tier(r[0]) for r in rows)
    rule_ids: list[str] = []
    areas: list[str] = []
    for row in rows:
        rule_ids.extend(json.loads(row[1] or "[]"))
        details: dict[str, Any] = json.loads(row[2] or "{}")
        areas.extend(a for a in details.get("areas", []) if a)
    return ScreenContext(
        previous_tier=tier,
        previous_rule_ids=tuple(dict.fromkeys(rule_ids)),
        previous_areas=tuple(dict.fromkeys(reversed(areas))),
        locked=any(int(r[3]) for r in rows),
    )


@dataclass(frozen=True)
class ScreenInputs:
    """What the screen and the gate read about a person before their message is stored."""

    context: ScreenContext
    pending: PendingCheck | None
    locks: list[Lock]


def inputs_before_message(
    db: sqlite_utils.Database, user_id: int, conversation_id: int, now: datetime
) -> Callable[[], ScreenInputs]:
    """Read, inside the turn's transaction and before its message is stored, the screen's inputs.

    The recent flags, the question asked last turn (the one about the latest message so
    far: the message about to be stored answers it) and the standing locks. A store that
    can (PostgreSQL's ``read_with_next``) sends the three reads with the transaction's
    next statement, the message's own insert, so they cost no round trip of their own;
    the function returned gives them once that statement has run.
    """
    reads = [
        _screen_context_read(user_id, conversation_id, now),
        _pending_check_read(conversation_id, LATEST_MESSAGE),
        locks_read(user_id),
    ]
    if _sends_ahead(db) and db.conn.in_transaction:
        answers = db.read_with_next(reads)  # type: ignore[attr-defined]
        return lambda: _inputs_from(answers.rows())
    inputs = _inputs_from([db.execute(sql, params).fetchall() for sql, params in reads])
    return lambda: inputs


def _inputs_from(rows: list[list[Any]]) -> ScreenInputs:
    context = _context_from(rows[0])
    pending = _pending_from(rows[1][0] if rows[1] else None)
    return ScreenInputs(context, pending, _locks_from(rows[2]))


LATEST_MESSAGE = 2**63 - 1
"""A message id past every stored one: before a message is stored, the check asked about
"the message before it" is the check asked about the latest one."""
