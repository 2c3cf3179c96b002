"""The guardrail the turn loop runs before any model call (foundation version)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

import prompts
from safety.screen import Assessment, ScreenContext, Tier, screen


@dataclass(frozen=True)
class GateResult:
    """What the loop must do with this message."""

    assessment: Assessment
    reply: str | None = None
    plan_locked: bool = False
    constraints: list[str] = field(default_factory=list)
    resolved: bool = False

    @property
    def tripwire_triggered(self) -> bool:
        """True when the model must not be called this turn."""
        return self.reply is not None


def is_plan_locked(db: sqlite_utils.Database, user_id: int) -> bool:
    """Whether a stop/emergency flag still locks this user's plan."""
    row = db.execute(
        "SELECT 1 FROM safety_flags WHERE user_id = ? AND lock_active = 1 LIMIT 1", [user_id]
    ).fetchone()
    return row is not None


def check_turn(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    message_id: int,
    text: str,
    now: datetime,
) -> GateResult:
    """Screen a user message, record any flag, and say whether the model may run."""
    assessment = screen(text, ScreenContext())
    if assessment.tier is Tier.NONE:
        return GateResult(assessment, plan_locked=is_plan_locked(db, user_id))
    locks = assessment.tier in (Tier.STOP, Tier.EMERGENCY)
    stamp = now.isoformat(timespec="seconds")
    db.execute(
        "INSERT INTO safety_flags (user_id, conversation_id, message_id, tier, signals, rule_ids, "
        "excerpt, lock_active, review_status, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            user_id,
            conversation_id,
            message_id,
            assessment.tier.value,
            json.dumps([s.label for s in assessment.signals]),
            json.dumps([s.rule_id for s in assessment.signals]),
            assessment.excerpt,
            int(locks),
            "open" if locks else None,
            stamp,
            stamp,
        ],
    )
    if not locks:
        return GateResult(assessment, plan_locked=is_plan_locked(db, user_id))
    reply = prompts.render(f"safety/{assessment.tier.value}.j2", assessment=assessment)
    return GateResult(assessment, reply=reply, plan_locked=True)


def record_output_flag(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    reasons: list[str],
    now: datetime,
) -> None:
    """Record that the output rail replaced a model reply."""
    stamp = now.isoformat(timespec="seconds")
    db.execute(
        "INSERT INTO safety_flags (user_id, conversation_id, tier, signals, rule_ids, excerpt, "
        "source, review_status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            user_id,
            conversation_id,
            Tier.CAUTION.value,
            json.dumps(reasons),
            json.dumps(reasons),
            "model reply replaced by the output rail",
            "output_rail",
            "open",
            stamp,
            stamp,
        ],
    )
