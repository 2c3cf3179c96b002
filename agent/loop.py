"""The turn loop: screen, context, model <-> tools, output check, persist.

1. Store the user's message (its own transaction) so nothing is lost whatever follows.
2. Screen it (``safety.gate``); a stop or emergency is answered from a fixed template and
   the model is never called.
3. Build the messages: system prompt with the bounded context, the recent conversation.
4. Ask the model; run the tools it calls; repeat up to ``max_tool_rounds``.
5. Check the reply (``safety.output``), then persist the whole turn in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

import prompts
from agent.clock import utc_now
from agent.errors import CoachError, ModelError, UserInputError
from agent.memory import notes, store, transcript
from agent.memory.context import build_context
from agent.memory.db import transaction
from agent.models.base import AssistantMessage, ChatModel
from agent.tools import default_registry
from agent.tools.context import ToolContext
from agent.tools.registry import ToolOutcome, ToolRegistry
from safety import gate
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
    ) -> None:
        self.db = db
        self.model = model
        self.registry = registry if registry is not None else default_registry()
        self.max_tool_rounds = max_tool_rounds
        self.clock = clock
        self.history_limit = history_limit

    def turn(self, user_id: int, conversation_id: int, text: str) -> TurnResult:
        """Answer one user message.

        Raises:
            UserInputError: The message is empty or too long (nothing is stored).
            ModelError: The model failed; the user's message is stored, the turn is
                marked failed, and no tool effect of this turn remains.
        """
        text = clean_message(text)
        now = self.clock()
        # 1-2. The message, the pending turn and the screen's flag are durable before any
        # model sees the message.
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
                self._finish(turn_id, user_id, conversation_id, [], verdict.reply, now)
            return result
        ctx = ToolContext(
            db=self.db,
            user_id=user_id,
            conversation_id=conversation_id,
            now=now,
            plan_locked=verdict.plan_locked,
            constraints=list(verdict.constraints),
        )
        try:
            with transaction(self.db):
                reply, produced, outcomes = self._converse(ctx)
                checked = check_reply(reply)
                if not checked.ok:
                    reply = checked.replacement
                    gate.record_output_flag(
                        self.db,
                        user_id=user_id,
                        conversation_id=conversation_id,
                        reasons=checked.reasons,
                        now=now,
                        excerpt=checked.excerpt,
                    )
                if verdict.guidance:
                    # The screen's own words (caution advice, an answer about a symptom,
                    # "your plan stays on hold") always reach the person, whatever the model said.
                    reply = f"{reply}\n\n{verdict.guidance}"
                self._finish(turn_id, user_id, conversation_id, produced, reply, now)
        except CoachError as exc:
            self._fail(turn_id, exc)
            raise
        result.reply = reply
        result.tool_calls = [
            {"name": o.name, "arguments": o.arguments, "result": o.result} for o in outcomes
        ]
        return result

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

    def _converse(self, ctx: ToolContext) -> tuple[str, list[dict[str, Any]], list[ToolOutcome]]:
        """Model <-> tools until a final reply; returns it, the new messages and outcomes."""
        system = prompts.render(
            "system.j2",
            context=build_context(ctx.db, ctx.user_id, ctx.now),
            constraints=ctx.constraints,
        )
        history = store.conversation_messages(
            ctx.db, ctx.user_id, ctx.conversation_id, self.history_limit
        )
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}, *history]
        produced: list[dict[str, Any]] = []
        outcomes: list[ToolOutcome] = []
        # While a safety flag stands the model is not even shown the plan-changing tools.
        schemas = self.registry.offered(plan_locked=ctx.plan_locked)
        rounds = 0
        while True:
            answer = self._ask(messages, schemas)
            if not answer.tool_calls:
                produced.append(answer.to_openai())
                return (answer.content or "").strip(), produced, outcomes
            if rounds == self.max_tool_rounds:
                break
            rounds += 1
            step = [answer.to_openai()]
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
            messages.extend(step)
            produced.extend(step)
        reply = prompts.render("loop/max_rounds.j2")
        produced.append({"role": "assistant", "content": reply})
        return reply, produced, outcomes

    def _ask(
        self, messages: list[dict[str, Any]], schemas: list[dict[str, Any]]
    ) -> AssistantMessage:
        answer = self.model.complete(messages, schemas)
        if not answer.tool_calls and not (answer.content or "").strip():
            raise ModelError("the model returned an empty reply")
        return answer

    def _finish(
        self,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        produced: list[dict[str, Any]],
        reply: str,
        now: datetime,
    ) -> None:
        """Persist the turn's messages and mark it complete (inside the caller's transaction)."""
        if (
            not produced
            or produced[-1].get("role") != "assistant"
            or produced[-1].get("tool_calls")
        ):
            produced = [*produced, {"role": "assistant", "content": reply}]
        else:
            produced[-1] = {"role": "assistant", "content": reply}
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
        transcript.complete_turn(self.db, turn_id, now)

    def _fail(self, turn_id: int, exc: Exception) -> None:
        try:
            transcript.fail_turn(self.db, turn_id, str(exc), self.clock())
        except CoachError:
            log.exception("could not mark turn %s failed", turn_id)
