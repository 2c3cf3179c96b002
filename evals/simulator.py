"""The user simulator: a persona prompt plays the person toward a goal.

With a model configured, the model writes each user turn (roles flipped: the coach's
replies are its "user" messages). Without one, or for a conversation without a persona,
the scripted turns are the user side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import prompts
from agent.models.base import ChatModel
from evals.scenario import Conversation

DONE = "[DONE]"


@dataclass
class Simulator:
    """Plays the user of a persona conversation with ``model``."""

    model: ChatModel

    def next_turn(
        self, conversation: Conversation, exchanged: list[tuple[str, str]], turn: int
    ) -> str | None:
        """The person's next message, or None when they are done.

        Args:
            conversation: The persona, goal and scripted hints.
            exchanged: (user, coach) pairs so far in this conversation.
            turn: 1-based number of the turn to write.
        """
        limit = max_turns(conversation)
        if turn > limit:
            return None
        system = prompts.render(
            "evals/simulator.j2",
            persona=conversation.persona or "an adult who wants to train",
            goal=conversation.goal or "get a useful workout",
            script=conversation.turns,
            turn=turn,
            max_turns=limit,
        )
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        messages.append({"role": "user", "content": "(the chat opens; write your first message)"})
        for said, reply in exchanged:
            messages.append({"role": "assistant", "content": said})
            messages.append({"role": "user", "content": reply})
        answer = self.model.complete(messages, [])
        text = (answer.content or "").strip()
        if not text or DONE in text:
            return None
        return text


def max_turns(conversation: Conversation) -> int:
    """The simulator's turn cap for a conversation."""
    return conversation.max_turns or len(conversation.turns) + 2


def simulator_from_env(explicit: str | None, seed: int) -> Simulator | None:
    """The simulator named by ``--simulator-model`` or ``COACH_SIMULATOR_MODEL``, else None.

    Without one, persona conversations use their scripted turns (the offline fallback).
    """
    import os

    from evals.judge import openai_model

    name = explicit or os.environ.get("COACH_SIMULATOR_MODEL")
    if not name:
        return None
    return Simulator(openai_model(name, temperature=0.7, seed=seed))
