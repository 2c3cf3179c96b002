"""The guardrail the turn loop runs before any model call.

``check_turn`` screens the message with what earlier turns flagged, stores a flag for
caution and above, lifts plan locks when the person reports the symptom resolved (never
on a retraction such as "jk I'm fine"), and says what the loop must do:

- stop / emergency: ``reply`` is a fixed conservative message rendered from
  ``prompts/safety/*.j2``; the model is not called (``tripwire_triggered``).
- caution: ``constraints`` (joint areas) go into the model's context and ``guidance``
  (a safer-alternative note) is appended to the model's reply.
- a question about a red-flag symptom: ``guidance`` only, no alarm.
- ``plan_locked`` tells the tools whether plan-changing calls must be refused.

Nothing the person writes lowers a tier: the screen reads each message on its own plus
the earlier flags, and "ignore the safety rules" is only reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

import prompts
from safety import flags
from safety.flags import is_plan_locked
from safety.screen import Assessment, screen
from safety.tiers import Tier

__all__ = ["GateResult", "check_turn", "is_plan_locked", "record_output_flag", "reply_for"]


@dataclass(frozen=True)
class GateResult:
    """What the loop must do with one message."""

    assessment: Assessment
    reply: str | None = None
    """The fixed reply for stop/emergency; when set, the model must not be called."""
    plan_locked: bool = False
    """Plan-changing tools must refuse this turn."""
    constraints: list[str] = field(default_factory=list)
    """Joint areas to protect this turn (planner constraint tags, e.g. ``["knee"]``)."""
    resolved: bool = False
    """This message lifted at least one plan lock."""
    guidance: str | None = None
    """A note to append to the model's reply (caution advice, an answer to a symptom
    question, or why the plan stays on hold)."""
    flag_id: int | None = None
    """The flag stored for this message, if any."""

    @property
    def tripwire_triggered(self) -> bool:
        """True when the model must not be called this turn."""
        return self.reply is not None


def reply_for(assessment: Assessment) -> str | None:
    """The fixed reply for a stop or emergency assessment (``None`` below stop)."""
    if assessment.tier < Tier.STOP:
        return None
    labels = assessment.labels
    if assessment.crisis:
        name = "crisis_other" if assessment.about_other else "crisis"
    elif assessment.tier is Tier.EMERGENCY:
        name = "emergency_other" if assessment.about_other else "emergency"
    else:
        name = "stop"
    return prompts.render(f"safety/{name}.j2", labels=labels, areas=assessment.areas)


def check_turn(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    message_id: int | None,
    text: str,
    now: datetime,
) -> GateResult:
    """Screen a person's message, record any flag, and say whether the model may run.

    Args:
        db: The coach's database; written inside the caller's transaction.
        user_id: Who wrote the message.
        conversation_id: The conversation it belongs to.
        message_id: The stored message row, for the flag.
        text: The message as typed.
        now: The turn's clock.

    Returns:
        The assessment and what the loop must do (see the module docstring).
    """
    # 1. Screen with what this conversation already flagged.
    context = flags.screen_context(db, user_id, conversation_id, now)
    assessment = screen(text, context)
    tier = assessment.tier

    # 2. A report that the symptom is over may lift standing locks; a new stop does not.
    resolved = False
    held = 0
    if context.locked and tier < Tier.STOP and (assessment.resolution or assessment.clearance):
        lifted, held = flags.lift_locks(
            db,
            user_id,
            now,
            checked=assessment.clearance,
            reason="the person said the symptom resolved"
            + (" and that they were checked" if assessment.clearance else ""),
        )
        resolved = lifted > 0

    # 3. Store the flag; a stop or emergency about the person locks their plan.
    flag_id = None
    if tier >= Tier.CAUTION:
        flag_id = flags.record(
            db,
            user_id=user_id,
            conversation_id=conversation_id,
            message_id=message_id,
            assessment=assessment,
            now=now,
            lock=tier >= Tier.STOP and not assessment.about_other,
        )
    plan_locked = is_plan_locked(db, user_id)

    # 4. What the person sees.
    reply = reply_for(assessment)
    if reply is not None:
        return GateResult(
            assessment, reply=reply, plan_locked=plan_locked, resolved=resolved, flag_id=flag_id
        )
    return GateResult(
        assessment,
        plan_locked=plan_locked,
        constraints=assessment.areas,
        resolved=resolved,
        guidance=_guidance(assessment, plan_locked=plan_locked, resolved=resolved, held=held),
        flag_id=flag_id,
    )


def _guidance(
    assessment: Assessment, *, plan_locked: bool, resolved: bool, held: int
) -> str | None:
    if held or (plan_locked and (assessment.retraction or assessment.resolution)):
        return prompts.render(
            "safety/still_locked.j2", emergency=bool(held), retraction=assessment.retraction
        )
    if resolved:
        return prompts.render("safety/lock_lifted.j2")
    if assessment.tier is Tier.CAUTION:
        return prompts.render(
            "safety/caution.j2",
            labels=assessment.labels,
            areas=assessment.areas,
            kinds=sorted({s.kind for s in assessment.flagged}),
        )
    if assessment.question:
        return prompts.render("safety/question.j2")
    return None


def record_output_flag(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    reasons: list[str],
    now: datetime,
    message_id: int | None = None,
    excerpt: str = "",
) -> int:
    """Record that the output rail replaced a model reply (it enters the review queue)."""
    return flags.record_output(
        db,
        user_id=user_id,
        conversation_id=conversation_id,
        message_id=message_id,
        reasons=reasons,
        excerpt=excerpt or "model reply replaced by the output rail",
        now=now,
    )
