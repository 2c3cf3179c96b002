"""The turn loop: screen, context, model <-> tools, output check, persist.

1. Store the user's message, the pending turn and the screen's verdict in one short
   transaction, so nothing is lost whatever follows.
2. A stop or emergency is answered from a fixed template and the model is never called.
3. Build the messages: system prompt with the bounded context, the recent conversation.
4. Ask the model with no transaction open: a slow or hung model never holds the database's
   write lock, so other people's turns, set logging and erasure go on meanwhile.
5. Each tool round (the model's calls, their effects and results) is written in its own
   short transaction; the checked reply and the turn's completion in a last one.

What a model failure after a tool round means: the rounds already written stay (a set
logged is logged), their calls and results stay in the transcript under the turn, the
turn is marked failed with an error naming the tools that took effect, and the person is
told so. A failed turn's tool messages are never shown to the model again
(``store.conversation_messages``), so no dangling call reaches it. The user's message
itself is stored before anything else runs and is never rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

import prompts
from agent import config
from agent.clock import utc_now
from agent.coaching import assessments
from agent.errors import CoachError, MessageNotSaved, ModelError, StorageError, UserInputError
from agent.memory import assessments as assessment_rows
from agent.memory import notes, store, transcript
from agent.memory.context import build_context
from agent.memory.db import transaction
from agent.models.base import AssistantMessage, ChatModel
from agent.tools import default_registry
from agent.tools.context import ToolContext
from agent.tools.registry import ToolOutcome, ToolRegistry
from safety import gate, second_opinion
from safety.output import check_reply

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
"""Longer messages are refused with a clear error rather than silently cut."""

DEFAULT_MAX_TOOL_ROUNDS = 8


@dataclass
class TurnResult:
    """One turn as the CLI's ``--json`` contract prints it."""

    user: str
    reply: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    safety: dict[str, Any] = field(default_factory=dict)
    turn_id: int = 0
    conversation_id: int = 0

    def to_json(self) -> dict[str, Any]:
        """The contract object: user, reply, tool_calls, safety."""
        return {
            "user": self.user,
            "reply": self.reply,
            "tool_calls": self.tool_calls,
            "safety": self.safety,
        }


def clean_message(text: str) -> str:
    """Validate a user message: not empty, not too long, no control characters.

    Raises:
        UserInputError: The message cannot be used.
    """
    cleaned = "".join(ch for ch in text if ch.isprintable() or ch in "\t ").strip()
    if not cleaned:
        raise UserInputError("empty message: type what you'd like to do")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise UserInputError(
            f"message too long ({len(cleaned)} characters, at most {MAX_MESSAGE_CHARS})"
        )
    return cleaned


class Coach:
    """Runs turns for any user against one database, model and tool registry."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        model: ChatModel,
        registry: ToolRegistry | None = None,
        *,
        max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
        clock: Callable[[], datetime] = utc_now,
        history_limit: int = 30,
        second_opinion: bool | None = None,
    ) -> None:
        self.db = db
        self.model = model
        self.registry = registry if registry is not None else default_registry()
        self.max_tool_rounds = max_tool_rounds
        self.clock = clock
        self.history_limit = history_limit
        # The triage second opinion is an extra model call per message, so it is opt-in:
        # COACH_SECOND_OPINION=1 turns it on for a remote model (never for offline).
        if second_opinion is None:
            second_opinion = config.second_opinion_wanted() and model.name == "openai"
        self.second_opinion = second_opinion

    def turn(self, user_id: int, conversation_id: int, text: str) -> TurnResult:
        """Answer one user message.

        Raises:
            UserInputError: The message is empty or too long (nothing is stored).
            MessageNotSaved: The database stayed busy past its bound; nothing is stored
                and the error carries the text to echo back.
            ModelError: The model failed; the user's message is stored, the turn is
                marked failed, and tool rounds finished before the failure stay (the
                error names them).
        """
        text = clean_message(text)
        now = self.clock()
        # 1-2. The message, the pending turn and the screen's flag are durable before any
        # model sees the message.
        try:
            turn_id, message_id, verdict = self._receive(user_id, conversation_id, text, now)
        except StorageError as exc:
            raise MessageNotSaved(str(exc), text) from exc
        if verdict.reply is None and self.second_opinion:
            # A model call: outside any transaction, like every other.
            verdict = self._second_opinion(
                verdict, turn_id, user_id, conversation_id, message_id, text, now
            )
        safety = {
            "tier": verdict.assessment.tier.value,
            "signals": [s.rule_id for s in verdict.assessment.signals],
        }
        result = TurnResult(
            user=text, reply="", safety=safety, turn_id=turn_id, conversation_id=conversation_id
        )
        if verdict.reply is not None:
            result.reply = verdict.reply
            with transaction(self.db):
                self._finish(turn_id, user_id, conversation_id, verdict.reply, now)
            return result
        ctx = ToolContext(
            db=self.db,
            user_id=user_id,
            conversation_id=conversation_id,
            now=now,
            plan_locked=verdict.plan_locked,
            constraints=list(verdict.constraints),
        )
        outcomes: list[ToolOutcome] = []
        try:
            reply = self._converse(ctx, turn_id, outcomes, replay=verdict.replay)
            checked = check_reply(reply)
            if not checked.ok:
                reply = checked.replacement
            with transaction(self.db):
                if not checked.ok:
                    gate.record_output_flag(
                        self.db,
                        user_id=user_id,
                        conversation_id=conversation_id,
                        reasons=checked.reasons,
                        now=now,
                        excerpt=checked.excerpt,
                    )
                opening = self._session_opening(ctx, turn_id)
                if opening:
                    reply = f"{reply}\n\n{opening}"
                if verdict.guidance:
                    # The screen's own words (caution advice, an answer about a symptom,
                    # "your plan stays on hold") always reach the person, whatever the
                    # model said.
                    reply = f"{reply}\n\n{verdict.guidance}"
                self._finish(turn_id, user_id, conversation_id, reply, now)
        except CoachError as exc:
            kept = [o.name for o in outcomes if o.ok]
            if kept:
                # The person (and the transcript) learn which effects stayed.
                exc.args = (f"{exc}; already done and kept: {', '.join(kept)}",)
            self._fail(turn_id, exc)
            raise
        result.reply = reply
        result.tool_calls = [
            {"name": o.name, "arguments": o.arguments, "result": o.result} for o in outcomes
        ]
        return result

    def _receive(
        self, user_id: int, conversation_id: int, text: str, now: datetime
    ) -> tuple[int, int, gate.GateResult]:
        """One short transaction: the pending turn, the message, the screen's verdict."""
        with transaction(self.db):
            turn_id = transcript.open_turn(
                self.db, user_id=user_id, conversation_id=conversation_id, now=now
            )
            message_id = store.add_message(
                self.db,
                user_id=user_id,
                conversation_id=conversation_id,
                role="user",
                content=text,
                now=now,
                turn_id=turn_id,
            )
            verdict = gate.check_turn(
                self.db,
                user_id=user_id,
                conversation_id=conversation_id,
                message_id=message_id,
                text=text,
                now=now,
            )
            transcript.set_safety_tier(self.db, turn_id, verdict.assessment.tier.value)
            self._remember_constraints(user_id, verdict.constraints, now)
        return turn_id, message_id, verdict

    def _remember_constraints(self, user_id: int, areas: list[str], now: datetime) -> None:
        """Keep a joint area the screen flagged at caution as an active constraint.

        Without this a sore knee would only shape the current turn's plan and be forgotten
        by the next one; the person lifts it by saying it is fine again.
        """
        known = set(store.active_constraint_areas(self.db, user_id))
        for area in sorted(set(areas) - known):
            notes.add_note(
                self.db,
                user_id,
                kind="constraint",
                subject=area,
                text=f"{area.replace('_', ' ')} flagged at caution by the safety screen",
                now=now,
            )

    def _second_opinion(
        self,
        verdict: gate.GateResult,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        message_id: int,
        text: str,
        now: datetime,
    ) -> gate.GateResult:
        """Ask the model to triage the message; it may only raise the screen's verdict.

        Outside any transaction (a model call); a failed or garbled answer is no opinion.
        """
        try:
            answer = self.model.complete(
                second_opinion.triage_messages(text), [second_opinion.TRIAGE_TOOL]
            )
        except ModelError as exc:
            log.warning("second opinion unavailable: %s", exc)
            return verdict
        opinion = second_opinion.read_opinion(
            answer.content, [(c.name, c.arguments) for c in answer.tool_calls]
        )
        raised = second_opinion.raise_with(verdict.assessment, opinion)
        if raised is verdict.assessment:
            return verdict
        with transaction(self.db):
            transcript.set_safety_tier(self.db, turn_id, raised.tier.value)
            return gate.settle(
                self.db,
                raised,
                user_id=user_id,
                conversation_id=conversation_id,
                message_id=message_id,
                now=now,
                context=verdict.context,
                pending=verdict.pending,
            )

    def _session_opening(self, ctx: ToolContext, turn_id: int) -> str | None:
        """Issue 19: at a session's first turn, mention retests that are due (never when locked)."""
        if ctx.plan_locked or not assessment_rows.first_turn(
            ctx.db, ctx.user_id, ctx.conversation_id, turn_id
        ):
            return None
        return assessments.session_opening(ctx.db, ctx.user_id, ctx.now)

    def _converse(
        self,
        ctx: ToolContext,
        turn_id: int,
        outcomes: list[ToolOutcome],
        *,
        replay: str | None = None,
    ) -> str:
        """Model <-> tools until a final reply; each tool round is stored as it finishes.

        ``outcomes`` is filled as calls run, so a caller seeing a failure knows what stayed.
        ``replay``: the person said no to the safety question, so the model answers the
        message the question held (in place of the bare "no").
        """
        system = prompts.render(
            "system.j2",
            context=build_context(ctx.db, ctx.user_id, ctx.now),
            constraints=ctx.constraints,
        )
        history = store.conversation_messages(
            ctx.db, ctx.user_id, ctx.conversation_id, self.history_limit
        )
        if replay is not None and history and history[-1].get("role") == "user":
            history = [*history[:-1], {**history[-1], "content": replay}]
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}, *history]
        # While a safety flag stands the model is not even shown the plan-changing tools.
        schemas = self.registry.offered(plan_locked=ctx.plan_locked)
        rounds = 0
        while True:
            answer = self._ask(messages, schemas)  # no transaction is open here
            if not answer.tool_calls:
                return (answer.content or "").strip()
            if rounds == self.max_tool_rounds:
                break
            rounds += 1
            step = [answer.to_openai()]
            with transaction(self.db):
                for tool_call in answer.tool_calls:
                    outcome = self.registry.run(ctx, tool_call.name, tool_call.arguments)
                    outcomes.append(outcome)
                    step.append(
                        {
                            "role": "tool",
                            "tool_call_id": tool_call.id,
                            "name": tool_call.name,
                            "content": outcome.content(),
                        }
                    )
                self._store(turn_id, ctx.user_id, ctx.conversation_id, step, ctx.now)
            messages.extend(step)
        return prompts.render("loop/max_rounds.j2")

    def _ask(
        self, messages: list[dict[str, Any]], schemas: list[dict[str, Any]]
    ) -> AssistantMessage:
        answer = self.model.complete(messages, schemas)
        if not answer.tool_calls and not (answer.content or "").strip():
            raise ModelError("the model returned an empty reply")
        return answer

    def _store(
        self,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        produced: list[dict[str, Any]],
        now: datetime,
    ) -> None:
        """Append the turn's messages (inside the caller's transaction)."""
        for message in produced:
            store.add_message(
                self.db,
                user_id=user_id,
                conversation_id=conversation_id,
                role=message["role"],
                content=message.get("content"),
                now=now,
                turn_id=turn_id,
                tool_calls=message.get("tool_calls"),
                tool_call_id=message.get("tool_call_id"),
                name=message.get("name"),
            )

    def _finish(
        self,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        reply: str,
        now: datetime,
    ) -> None:
        """Store the final reply and mark the turn complete (inside the caller's transaction)."""
        final = [{"role": "assistant", "content": reply}]
        self._store(turn_id, user_id, conversation_id, final, now)
        transcript.complete_turn(self.db, turn_id, now)

    def _fail(self, turn_id: int, exc: Exception) -> None:
        try:
            transcript.fail_turn(self.db, turn_id, str(exc), self.clock())
        except CoachError:
            log.exception("could not mark turn %s failed", turn_id)
