"""The operators' review queue over the safety flags: states, assignment, verdicts, audit.

Every stop or emergency the screen raises (and every reply the output rail replaced) is
written to ``safety_flags`` with ``review_status = 'open'``; this module is the only code
that moves a flag on from there::

    open -> in_review -> resolved | escalated | false_positive
                 ^            |
                 +- escalated +   (an escalated flag can be picked up and closed later)

Each change writes one row per changed field to ``flag_events`` (who, when, from, to,
note) and one line to ``audit_log``. Neither ever receives message text: the note is
what the operator typed, and it is scrubbed when the person's data is deleted (see the
``003_review_privacy`` migration).

Operators see pseudonyms, never names: the queue joins ``users`` only for the pseudonym.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from safety.storage import timestamp, write_transaction

STATUSES = ("open", "in_review", "resolved", "escalated", "false_positive")
"""Every review status, in the order a flag normally passes through them."""

ACTIVE_STATUSES = ("open", "in_review", "escalated")
"""Statuses that still need a person; the default view of the queue."""

CLOSING_STATUSES = ("resolved", "escalated", "false_positive")
"""Statuses an operator can resolve a flag to."""

FINAL_STATUSES = ("resolved", "false_positive")
"""Statuses nothing moves on from."""

DECISIONS = ("true_positive", "false_positive", "wrong_tier")
"""The operator's verdict on the screen's call."""

ACTIONS = ("contacted_user", "rule_change_needed", "added_to_evals")
"""What the operator did about it."""

TIERS = ("emergency", "stop", "caution")
"""Tiers that can reach the queue, most serious first."""

_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_review"}),
    "in_review": frozenset({"open", *CLOSING_STATUSES}),
    "escalated": frozenset({"in_review", "resolved", "false_positive"}),
    "resolved": frozenset(),
    "false_positive": frozenset(),
}

_TIER_RANK_SQL = "CASE f.tier WHEN 'emergency' THEN 0 WHEN 'stop' THEN 1 ELSE 2 END"

NOTE_MAX_CHARS = 2000
"""Notes longer than this are refused rather than cut."""


class ReviewError(ValueError):
    """A review action that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class FlagEvent:
    """One recorded change to a flag."""

    id: int
    flag_id: int
    actor: str
    at: str
    field: str
    from_value: str | None
    to_value: str | None
    note: str | None


@dataclass(frozen=True)
class FlagSummary:
    """A flag as the queue lists it."""

    id: int
    tier: str
    status: str
    signals: list[str]
    rule_ids: list[str]
    excerpt: str
    source: str
    pseudonym: str
    conversation_id: int | None
    message_id: int | None
    assigned_to: str | None
    decision: str | None
    action: str | None
    lock_active: bool
    created_at: str
    updated_at: str
    age_seconds: int

    @property
    def age(self) -> str:
        """The age as a person reads it: ``3d 4h``, ``2h 5m``, ``40s``."""
        return format_age(self.age_seconds)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of ``coach review list --json``."""
        return {**asdict(self), "age": self.age}


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue plus what must always be visible."""

    items: list[FlagSummary]
    total: int
    limit: int
    offset: int
    oldest_open_emergency: FlagSummary | None


@dataclass(frozen=True)
class TranscriptMessage:
    """One message of the flagged conversation, as an operator sees it."""

    id: int
    role: str
    content: str
    created_at: str
    flagged: bool
    after_flag: bool
    tool_name: str | None = None


@dataclass(frozen=True)
class FlagDetail:
    """Everything the review of one flag needs, and nothing more."""

    flag: FlagSummary
    transcript: list[TranscriptMessage]
    reply: str | None
    later_flags: list[FlagSummary]
    lock_cleared_at: str | None
    events: list[FlagEvent] = field(default_factory=list)


def format_age(seconds: int) -> str:
    """A short human age: the two largest units."""
    seconds = max(0, seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def _age(created_at: str, now: datetime) -> int:
    created = datetime.fromisoformat(created_at)
    if created.tzinfo is None and now.tzinfo is not None:
        created = created.replace(tzinfo=now.tzinfo)
    return int((now - created).total_seconds())


_SELECT = (
    "SELECT f.id, f.tier, f.review_status, f.signals, f.rule_ids, f.excerpt, f.source, "
    "u.pseudonym, f.conversation_id, f.message_id, f.assigned_to, f.decision, f.action, "
    "f.lock_active, f.created_at, f.updated_at FROM safety_flags f "
    "LEFT JOIN users u ON u.id = f.user_id "
)


def _summary(row: Sequence[Any], now: datetime) -> FlagSummary:
    return FlagSummary(
        id=int(row[0]),
        tier=str(row[1]),
        status=str(row[2]),
        signals=list(json.loads(row[3] or "[]")),
        rule_ids=list(json.loads(row[4] or "[]")),
        excerpt=str(row[5] or ""),
        source=str(row[6]),
        pseudonym=str(row[7] or "-"),
        conversation_id=row[8],
        message_id=row[9],
        assigned_to=row[10],
        decision=row[11],
        action=row[12],
        lock_active=bool(row[13]),
        created_at=str(row[14]),
        updated_at=str(row[15]),
        age_seconds=_age(str(row[14]), now),
    )


def _status_filter(status: str | None) -> tuple[str, ...]:
    if status in (None, "", "active"):
        return ACTIVE_STATUSES
    if status == "all":
        return STATUSES
    if status not in STATUSES:
        raise ReviewError(
            f"unknown status {status!r}: use one of {', '.join(STATUSES)}, active or all"
        )
    return (status,)


def list_flags(
    db: sqlite_utils.Database,
    now: datetime,
    *,
    tier: str | None = None,
    status: str | None = None,
    user: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> QueuePage:
    """One page of the queue: emergencies first, then stops, oldest first within a tier.

    Args:
        db: The coach's database.
        now: The clock, for ages.
        tier: Only this tier (emergency, stop or caution).
        status: One status, ``active`` (the default: open, in review, escalated) or ``all``.
        user: Only this person's flags, by pseudonym (operators never see names).
        limit: Page size (1-500).
        offset: How many matching flags to skip.

    Returns:
        The page, the total count, and the oldest open emergency whatever the filters.

    Raises:
        ReviewError: A filter value is not one the queue knows.
    """
    if tier is not None and tier not in TIERS:
        raise ReviewError(f"unknown tier {tier!r}: use one of {', '.join(TIERS)}")
    statuses = _status_filter(status)
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    where = [f"f.review_status IN ({', '.join('?' for _ in statuses)})"]
    params: list[Any] = list(statuses)
    if tier:
        where.append("f.tier = ?")
        params.append(tier)
    if user:
        where.append("u.pseudonym = ?")
        params.append(user)
    clause = "WHERE " + " AND ".join(where) + " "
    total = int(
        db.execute(
            "SELECT COUNT(*) FROM safety_flags f LEFT JOIN users u ON u.id = f.user_id " + clause,
            params,
        ).fetchone()[0]
    )
    rows = db.execute(
        _SELECT + clause + f"ORDER BY {_TIER_RANK_SQL}, f.created_at, f.id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return QueuePage(
        items=[_summary(r, now) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
        oldest_open_emergency=oldest_open_emergency(db, now),
    )


def oldest_open_emergency(db: sqlite_utils.Database, now: datetime) -> FlagSummary | None:
    """The emergency that has waited longest without a verdict (open or in review)."""
    row = db.execute(
        _SELECT + "WHERE f.tier = 'emergency' AND f.review_status IN ('open', 'in_review') "
        "ORDER BY f.created_at, f.id LIMIT 1"
    ).fetchone()
    return _summary(row, now) if row else None


def get_flag(db: sqlite_utils.Database, flag_id: int, now: datetime) -> FlagSummary:
    """One flag in the queue.

    Raises:
        ReviewError: No such flag in the review queue (never flagged for review, or the
            person's data was deleted).
    """
    row = db.execute(
        _SELECT + "WHERE f.id = ? AND f.review_status IS NOT NULL", [flag_id]
    ).fetchone()
    if row is None:
        raise ReviewError(f"no flag #{flag_id} in the review queue")
    return _summary(row, now)


def flag_events(db: sqlite_utils.Database, flag_ids: Iterable[int]) -> dict[int, list[FlagEvent]]:
    """The audit trail of each flag, oldest change first."""
    ids = sorted(set(flag_ids))
    trail: dict[int, list[FlagEvent]] = {i: [] for i in ids}
    if not ids:
        return trail
    rows = db.execute(
        "SELECT id, flag_id, actor, at, field, from_value, to_value, note FROM flag_events "
        f"WHERE flag_id IN ({', '.join('?' for _ in ids)}) ORDER BY id",
        ids,
    ).fetchall()
    for row in rows:
        trail[int(row[1])].append(FlagEvent(*row))
    return trail


def detail(db: sqlite_utils.Database, flag_id: int, now: datetime) -> FlagDetail:
    """The flag with its whole conversation, what followed, and its audit trail.

    Tool calls are shown by name (what the coach did) but not their results, which hold
    profile and history data; the user's name is never part of it.

    Raises:
        ReviewError: No such flag in the review queue.
    """
    flag = get_flag(db, flag_id, now)
    transcript: list[TranscriptMessage] = []
    reply: str | None = None
    if flag.conversation_id is not None:
        rows = db.execute(
            "SELECT id, role, content, created_at, name, tool_calls FROM messages "
            "WHERE conversation_id = ? ORDER BY id",
            [flag.conversation_id],
        ).fetchall()
        after = False
        for msg_id, role, content, created_at, name, tool_calls in rows:
            flagged = flag.message_id is not None and msg_id == flag.message_id
            text = content or ""
            if role == "tool":
                # Tool results carry profile and history data the review does not need;
                # which tool ran, and what the coach then said, is enough.
                text = f"[result of {name or 'a tool'} not shown]"
            elif not text and tool_calls:
                called = [c.get("function", {}).get("name", "?") for c in json.loads(tool_calls)]
                text = "[calls " + ", ".join(called) + "]"
            transcript.append(
                TranscriptMessage(
                    id=int(msg_id),
                    role=str(role),
                    content=text,
                    created_at=str(created_at),
                    flagged=flagged,
                    after_flag=after,
                    tool_name=name if role == "tool" else None,
                )
            )
            if after and reply is None and role == "assistant" and content:
                reply = str(content)
            after = after or flagged
    later = db.execute(
        _SELECT + "WHERE f.conversation_id = ? AND f.id > ? ORDER BY f.id",
        [flag.conversation_id, flag.id],
    ).fetchall()
    cleared = db.execute(
        "SELECT lock_cleared_at FROM safety_flags WHERE id = ?", [flag.id]
    ).fetchone()
    return FlagDetail(
        flag=flag,
        transcript=transcript,
        reply=reply,
        later_flags=[_summary(r, now) for r in later],
        lock_cleared_at=cleared[0] if cleared else None,
        events=flag_events(db, [flag.id])[flag.id],
    )


def _clean_note(note: str | None, *, required: bool) -> str | None:
    text = (note or "").strip()
    if not text:
        if required:
            raise ReviewError("a note is required: say what you saw and what you did")
        return None
    if len(text) > NOTE_MAX_CHARS:
        raise ReviewError(f"note too long ({len(text)} characters, at most {NOTE_MAX_CHARS})")
    return text


def _record(
    db: sqlite_utils.Database,
    flag_id: int,
    actor: str,
    now: datetime,
    changes: list[tuple[str, str | None, str | None]],
    note: str | None,
) -> None:
    """Write the changed fields and one event per change (inside the caller's transaction)."""
    stamp = timestamp(now)
    for field_name, before, after in changes:
        column = "review_status" if field_name == "status" else field_name
        db.execute(
            f"UPDATE safety_flags SET {column} = ?, updated_at = ? WHERE id = ?",
            [after, stamp, flag_id],
        )
        db.execute(
            "INSERT INTO flag_events (flag_id, actor, at, field, from_value, to_value, note) "
            "VALUES (?,?,?,?,?,?,?)",
            [flag_id, actor, stamp, field_name, before, after, note],
        )
    db.execute(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?,?,?,?,?)",
        [
            stamp,
            actor,
            "review.update",
            f"flag:{flag_id}",
            json.dumps({f: {"from": b, "to": a} for f, b, a in changes}, sort_keys=True),
        ],
    )


def _clean_actor(actor: str) -> str:
    name = actor.strip()
    if not name:
        raise ReviewError("who is acting must be known (an operator name)")
    return name


def assign(
    db: sqlite_utils.Database,
    flag_id: int,
    operator: str,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> FlagSummary:
    """Reserve a flag for an operator; an open or escalated flag moves to in review.

    Args:
        db: The coach's database.
        flag_id: The flag.
        operator: Who takes it (a registered operator's name).
        actor: Who is doing the assigning (recorded in the trail).
        now: The clock.
        note: Optional note for the trail.

    Returns:
        The flag after the change.

    Raises:
        ReviewError: Unknown flag or operator, or the flag is already closed.
    """
    actor = _clean_actor(actor)
    text = _clean_note(note, required=False)
    with write_transaction(db):
        known = db.execute("SELECT 1 FROM operators WHERE name = ?", [operator]).fetchone()
        if known is None:
            raise ReviewError(f"no operator called {operator!r} (add one: coach operator add)")
        flag = get_flag(db, flag_id, now)
        if flag.status in FINAL_STATUSES:
            raise ReviewError(f"flag #{flag_id} is already {flag.status}; nothing to assign")
        changes: list[tuple[str, str | None, str | None]] = []
        if flag.assigned_to != operator:
            changes.append(("assigned_to", flag.assigned_to, operator))
        if flag.status in ("open", "escalated"):
            changes.append(("status", flag.status, "in_review"))
        if not changes:
            raise ReviewError(f"flag #{flag_id} is already in review by {operator}")
        _record(db, flag_id, actor, now, changes, text)
        return get_flag(db, flag_id, now)


def release(
    db: sqlite_utils.Database, flag_id: int, *, actor: str, now: datetime, note: str | None = None
) -> FlagSummary:
    """Give a flag in review back to the queue, unassigned and open.

    Raises:
        ReviewError: Unknown flag, or it is not in review.
    """
    actor = _clean_actor(actor)
    text = _clean_note(note, required=False)
    with write_transaction(db):
        flag = get_flag(db, flag_id, now)
        if flag.status != "in_review":
            raise ReviewError(f"flag #{flag_id} is {flag.status}, not in review")
        changes: list[tuple[str, str | None, str | None]] = [("status", "in_review", "open")]
        if flag.assigned_to is not None:
            changes.append(("assigned_to", flag.assigned_to, None))
        _record(db, flag_id, actor, now, changes, text)
        return get_flag(db, flag_id, now)


def _check_verdict(status: str, decision: str | None, action: str | None) -> str | None:
    if status not in CLOSING_STATUSES:
        raise ReviewError(f"cannot resolve to {status!r}: use one of {', '.join(CLOSING_STATUSES)}")
    if decision is not None and decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}: use one of {', '.join(DECISIONS)}")
    if action is not None and action not in ACTIONS:
        raise ReviewError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    if status == "false_positive":
        if decision not in (None, "false_positive"):
            raise ReviewError("a false positive cannot carry the decision " + str(decision))
        return "false_positive"
    if decision == "false_positive":
        raise ReviewError("decision false_positive needs --status false_positive")
    return decision


def resolve(
    db: sqlite_utils.Database,
    flag_id: int,
    status: str,
    *,
    actor: str,
    now: datetime,
    note: str,
    decision: str | None = None,
    action: str | None = None,
) -> FlagSummary:
    """Close a flag (resolved, escalated or false positive) with a note and a verdict.

    An open flag passes through in review on the way, so the trail shows every step; an
    unassigned flag is assigned to whoever resolves it.

    Args:
        db: The coach's database.
        flag_id: The flag.
        status: resolved, escalated or false_positive.
        actor: The operator's name (recorded in the trail).
        now: The clock.
        note: What the operator saw and did; required.
        decision: true_positive, false_positive or wrong_tier (false_positive is implied
            by the status false_positive).
        action: contacted_user, rule_change_needed or added_to_evals.

    Returns:
        The flag after the change.

    Raises:
        ReviewError: Unknown flag, a transition the queue does not allow, or a
            verdict that contradicts the status.
    """
    actor = _clean_actor(actor)
    text = _clean_note(note, required=True)
    decision = _check_verdict(status, decision, action)
    with write_transaction(db):
        flag = get_flag(db, flag_id, now)
        current = flag.status
        if current == "open":
            _record(db, flag_id, actor, now, [("status", "open", "in_review")], None)
            current = "in_review"
        if status not in _TRANSITIONS[current]:
            raise ReviewError(f"flag #{flag_id} is {current}; it cannot become {status}")
        changes: list[tuple[str, str | None, str | None]] = [("status", current, status)]
        if flag.assigned_to is None:
            changes.append(("assigned_to", None, actor))
        if decision is not None and decision != flag.decision:
            changes.append(("decision", flag.decision, decision))
        if action is not None and action != flag.action:
            changes.append(("action", flag.action, action))
        _record(db, flag_id, actor, now, changes, text)
        return get_flag(db, flag_id, now)


def export_examples(
    db: sqlite_utils.Database,
    *,
    actor: str,
    now: datetime,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Labelled examples for the safety corpus: the flagged text, the screen's call, the verdict.

    Only flags on a user's message (the screen's) that an operator has closed are
    labelled; open ones have no verdict yet. The export itself is audited (count only).

    Args:
        db: The coach's database.
        actor: Who exports (recorded in the audit log).
        now: The clock.
        status: Only flags with this closing status (default: every closed flag).

    Returns:
        One dict per example: flag_id, text, tier, signals, rule_ids, status, decision,
        action.

    Raises:
        ReviewError: ``status`` is not a closing status.
    """
    actor = _clean_actor(actor)
    statuses = CLOSING_STATUSES if status in (None, "", "all") else (status,)
    if not set(statuses) <= set(CLOSING_STATUSES):
        raise ReviewError(f"export needs a closing status: {', '.join(CLOSING_STATUSES)}")
    rows = db.execute(
        "SELECT f.id, m.content, f.tier, f.signals, f.rule_ids, f.review_status, f.decision, "
        "f.action FROM safety_flags f JOIN messages m ON m.id = f.message_id "
        f"WHERE f.review_status IN ({', '.join('?' for _ in statuses)}) AND m.role = 'user' "
        "ORDER BY f.id",
        list(statuses),
    ).fetchall()
    examples = [
        {
            "flag_id": int(r[0]),
            "text": r[1],
            "tier": r[2],
            "signals": json.loads(r[3] or "[]"),
            "rule_ids": json.loads(r[4] or "[]"),
            "status": r[5],
            "decision": r[6],
            "action": r[7],
        }
        for r in rows
    ]
    with write_transaction(db):
        db.execute(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?,?,?,?,?)",
            [
                timestamp(now),
                actor,
                "review.export",
                None,
                json.dumps({"count": len(examples), "statuses": list(statuses)}),
            ],
        )
    return examples
