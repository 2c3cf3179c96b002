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
    flagged = assessment.flagged
    details = {
        "signals": [s.to_json() for s in assessment.signals],
        "areas": assessment.areas,
        "about_other": assessment.about_other,
        "crisis": assessment.crisis,
        "check_topic": check_topic,
    }
    stamp = timestamp(now)
    cursor = db.execute(
        _INSERT_FLAG,
        [
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
        ],
    )
    return int(cursor.lastrowid or 0)


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
    rows = db.execute(*locks_read(user_id)).fetchall()
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
    row = db.execute(*_pending_check_read(conversation_id, message_id)).fetchone()
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
    ahead = getattr(db, "read_ahead", None)
    if ahead is None or conversation_id is None or message_id is None:
        return
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
    rows = db.execute(*_screen_context_read(user_id, conversation_id, now)).fetchall()
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
