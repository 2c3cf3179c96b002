"""The guardrail the turn loop runs before any model call.

``check_turn`` screens the message with what earlier turns flagged, stores a flag for
caution and above, lifts plan locks when the person reports the symptom resolved (never
on a retraction such as "jk I'm fine"), and says what the loop must do:

- stop / emergency: ``reply`` is a fixed conservative message rendered from
  ``prompts/safety/*.j2``; the model is not called (``tripwire_triggered``).
- check: ``reply`` is the one safety question of the message's cardinal area
  (``safety/data/check.yaml``); the model is not called, so nothing changes the plan
  this turn. The next message is read as the answer: yes escalates (the screen raises
  the tier), no lets the held message go on (``replay``).
- after an emergency, while its lock stands: "I'll push through", "it went away,
  what's next?" or "it was nothing" get the advice again, kindly, from a template.
- low mood or hopelessness: a warm, crisis-aware reply from a template, never a menu.
- caution: ``constraints`` (joint areas) go into the model's context and ``guidance``
  (a safer-alternative note) is appended to the model's reply.
- a question about a red-flag symptom: ``guidance`` only, no alarm.
- ``plan_locked`` tells the tools whether plan-changing calls must be refused.

Nothing the person writes lowers a tier: the screen reads each message on its own plus
the earlier flags, and "ignore the safety rules" is only reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import prompts
from safety import flags
from safety.check import GENERAL, Answer, load_checks
from safety.flags import is_plan_locked
from safety.screen import Assessment, ScreenContext, screen
from safety.tiers import Tier

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "GateResult",
    "check_turn",
    "is_plan_locked",
    "question_for",
    "record_output_flag",
    "reply_for",
    "settle",
]


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
    replay: str | None = None
    """The person said no to the safety question: the message it held, for the model to
    answer now."""
    context: ScreenContext = field(default_factory=ScreenContext)
    """What earlier turns told the screen (kept so a second opinion settles the same way)."""
    pending: flags.PendingCheck | None = None
    """The safety question this message answers, if any."""

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
    return prompts.render(
        f"safety/{name}.j2",
        labels=labels,
        areas=assessment.areas,
        heat=assessment.heat_illness,
        allergy=assessment.allergy,
    )


@dataclass(frozen=True)
class Prescreened:
    """A message screened before its write transaction, with what the screen was given.

    The screen is the costliest step of storing a message (about a millisecond and a
    half of CPU); done inside the transaction it held the database's write lock, which
    every other turn's writes, in every server process, queue for. :func:`check_turn`
    uses the assessment only when the context it reads inside the transaction is the
    same, so a flag or question that landed in between is never missed.
    """

    context: ScreenContext
    pending: flags.PendingCheck | None
    assessment: Assessment


LATEST = flags.LATEST_MESSAGE


def prescreen(
    db: sqlite_utils.Database, *, user_id: int, conversation_id: int, text: str, now: datetime
) -> Prescreened:
    """Screen a message not yet stored, reading (never writing) what earlier turns say."""
    context, pending = _screen_inputs(db, user_id, conversation_id, LATEST, now)
    return Prescreened(context, pending, screen(text, context))


def _screen_inputs(
    db: sqlite_utils.Database,
    user_id: int,
    conversation_id: int,
    message_id: int | None,
    now: datetime,
    *,
    with_locks: bool = False,
) -> tuple[ScreenContext, flags.PendingCheck | None]:
    # What this conversation already flagged, and the question asked last turn, if any
    # (this message is its answer): two reads, one round trip on PostgreSQL. Inside the
    # turn's transaction (``with_locks``) the person's standing locks too, which
    # :func:`settle` reads next.
    flags.read_screen_inputs_ahead(
        db, user_id, conversation_id, message_id, now, with_locks=with_locks
    )
    context = flags.screen_context(db, user_id, conversation_id, now)
    pending = flags.pending_check(db, conversation_id, message_id)
    if pending is not None:
        context = replace(context, pending_check=pending.topic)
    return context, pending


def check_turn(
    db: sqlite_utils.Database,
    *,
    user_id: int,
    conversation_id: int,
    message_id: int | None,
    text: str,
    now: datetime,
    prescreened: Prescreened | None = None,
    inputs: flags.ScreenInputs | None = None,
) -> GateResult:
    """Screen a person's message, record any flag, and say whether the model may run.

    Args:
        db: The coach's database; written inside the caller's transaction.
        user_id: Who wrote the message.
        conversation_id: The conversation it belongs to.
        message_id: The stored message row, for the flag.
        text: The message as typed.
        now: The turn's clock.
        prescreened: This message screened before the transaction (:func:`prescreen`);
            used when the context read now is the same, otherwise screened again.
        inputs: What the screen needs, read in this transaction before the message was
            stored (``flags.inputs_before_message``); read here when not given.

    Returns:
        The assessment and what the loop must do (see the module docstring).
    """
    # 1. Screen with what this conversation already flagged.
    standing_locks = None
    if inputs is None:
        context, pending = _screen_inputs(
            db, user_id, conversation_id, message_id, now, with_locks=True
        )
    else:
        context, pending, standing_locks = inputs.context, inputs.pending, inputs.locks
        if pending is not None:
            context = replace(context, pending_check=pending.topic)
    if prescreened is not None and (prescreened.context, prescreened.pending) == (
        context,
        pending,
    ):
        assessment = prescreened.assessment
    else:
        assessment = screen(text, context)
    return settle(
        db,
        assessment,
        user_id=user_id,
        conversation_id=conversation_id,
        message_id=message_id,
        now=now,
        context=context,
        pending=pending,
        standing_locks=standing_locks,
    )


def settle(
    db: sqlite_utils.Database,
    assessment: Assessment,
    *,
    user_id: int,
    conversation_id: int,
    message_id: int | None,
    now: datetime,
    context: ScreenContext,
    pending: flags.PendingCheck | None = None,
    standing_locks: list[flags.Lock] | None = None,
) -> GateResult:
    """Record the flag for ``assessment`` and decide what the person sees.

    Split from :func:`check_turn` so a raised verdict (the optional second opinion) is
    settled the same way as the screen's own. ``standing_locks``: the person's locks,
    read in this transaction (read here when not given).
    """
    tier = assessment.tier
    # The locks standing before this message; read once, for the follow-up below and for
    # whether the plan stays locked when nothing here changes them.
    known = standing_locks
    standing = None
    if context.locked:
        standing = known if known is not None else flags.locks(db, user_id)
    held_emergency = standing is not None and any(lock.tier is Tier.EMERGENCY for lock in standing)

    # 2. A report that the symptom is over may lift standing locks; a new stop does not.
    resolved = False
    held = 0
    if context.locked and tier < Tier.STOP and (assessment.resolution or assessment.clearance):
        standing = known = None  # changed below: read again
        lifted, held = flags.lift_locks(
            db,
            user_id,
            now,
            checked=assessment.clearance,
            reason="the person said the symptom resolved"
            + (" and that they were checked" if assessment.clearance else ""),
        )
        resolved = lifted > 0
    # A second vague answer to the question is not asked about again.
    ask = tier is Tier.CHECK and pending is None

    # 3. Store the flag; a stop or emergency about the person locks their plan.
    locks_now = tier >= Tier.STOP and not assessment.about_other and not assessment.low_mood
    flagged = tier >= Tier.CAUTION
    if flagged:
        # Nobody reads the new flag's id: on a database server it travels with the
        # transaction's next statement.
        flags.record_unanswered(
            db,
            user_id=user_id,
            conversation_id=conversation_id,
            message_id=message_id,
            assessment=assessment,
            now=now,
            lock=locks_now,
            check_topic=assessment.check_topic if ask else None,
        )
    if flagged and locks_now:
        plan_locked = True  # the flag just stored is a standing lock
    elif standing is not None or known is not None:
        # Only this transaction changes the person's locks (writers for one person queue
        # on the same lock), and nothing above did: the locks read are the locks now.
        plan_locked = bool(standing if standing is not None else known)
    else:
        plan_locked = is_plan_locked(db, user_id)

    # 4. What the person sees.
    reply = None if assessment.low_mood else reply_for(assessment)
    if reply is None and held_emergency and held and not resolved:
        reply = prompts.render("safety/emergency_followup.j2", labels=assessment.labels)
    elif reply is None and held_emergency and assessment.followup:
        reply = prompts.render("safety/emergency_followup.j2", labels=assessment.labels)
    elif reply is None and ask:
        reply = question_for(assessment)
    elif reply is None and assessment.low_mood:
        reply = prompts.render("safety/low_mood.j2")
    if reply is not None:
        return GateResult(
            assessment,
            reply=reply,
            plan_locked=plan_locked,
            resolved=resolved,
            context=context,
            pending=pending,
        )
    replay = None
    if pending is not None and assessment.check_answer is Answer.NO and tier < Tier.CHECK:
        replay = pending.text
    return GateResult(
        assessment,
        plan_locked=plan_locked,
        constraints=assessment.areas,
        resolved=resolved,
        guidance=_guidance(
            assessment, plan_locked=plan_locked, resolved=resolved, held=held, replay=replay
        ),
        replay=replay,
        context=context,
        pending=pending,
    )


def question_for(assessment: Assessment) -> str:
    """The one safety question for a ``check`` assessment, from its topic's template."""
    checks = load_checks()
    topic = checks.topics.get(assessment.check_topic or GENERAL, checks.topics[GENERAL])
    return topic.question


def _guidance(
    assessment: Assessment, *, plan_locked: bool, resolved: bool, held: int, replay: str | None
) -> str | None:
    if replay is not None:
        return prompts.render("safety/check_cleared.j2")
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
    if assessment.question or assessment.tier is Tier.CHECK:
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
