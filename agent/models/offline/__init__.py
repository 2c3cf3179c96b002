"""The embedded offline model: deterministic, rule-based language understanding.

This is **not** a language model and is never presented as one. It reads the messages it
is sent (system prompt, conversation, tool results) and behaves like a tool-calling LLM:

1. On a new user message it extracts slots (``slots.py``: minutes, days, equipment,
   sets x reps @ load, RPE/RIR, body parts, goal, level, energy), finds every intent
   the message expresses (``grammar.py`` over ``data/intents.yaml``), reads a short
   answer against the coach's last question (``state.py``), and emits the tool calls an
   LLM would make (``policy.py``), using only the tools offered and the parameter names
   their schemas declare.
2. When the newest messages are tool results it may ask for one follow-up round (plan a
   session once intake is complete), then renders the reply from Jinja2 templates under
   ``prompts/offline/`` fed only by those results (``replies.py``), so every figure in a
   reply comes from a tool.

It keeps no state between calls, uses no network and no weights, and answers in well
under a millisecond of parsing.
"""

from __future__ import annotations

import json
from typing import Any

from agent.models.base import AssistantMessage, ToolCall
from agent.models.offline import consultation_hook
from agent.models.offline import router as live_router
from agent.models.offline.policy import (
    Understanding,
    first_round,
    follow_up,
    understand,
    with_todays_plan,
)
from agent.models.offline.replies import render_reply
from agent.models.offline.state import offered_names, read_state

__all__ = ["OfflineModel", "Understanding", "understand"]


class OfflineModel:
    """Deterministic, rule-based stand-in for an LLM. It is not a language model."""

    name = "offline"

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """Return tool calls for a new user message, or the reply once results are in."""
        # Issue 19 hook: consultation answers and reported test results go to their tools
        # (see consultation_hook.py); None leaves the message to the model below.
        hooked = consultation_hook.claim(messages, tools)
        if hooked is not None:
            return hooked
        state = read_state(messages, tools)
        understood = with_todays_plan(understand(state.user_text, state.last_question), state)
        if state.rounds == 0:
            calls = _live_calls(messages, tools) or first_round(understood, state, tools)
        else:
            calls = follow_up(understood, state, tools)
        if calls:
            return AssistantMessage(tool_calls=calls)
        offered = frozenset(str((t.get("function") or {}).get("name")) for t in tools)
        return AssistantMessage(content=render_reply(understood, state, offered))


def _live_calls(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[ToolCall]:
    """During a live workout, session phrases go to the session tools (router.py)."""
    routed = live_router.route(messages, offered_names(tools)) or []
    return [
        ToolCall(id=f"call_{i}_{name}", name=name, arguments=json.dumps(args, sort_keys=True))
        for i, (name, args) in enumerate(routed, start=1)
    ]
