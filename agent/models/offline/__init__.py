"""The embedded rule-based model (foundation version; the offline model grows here)."""

from __future__ import annotations

from typing import Any

from agent.models.base import AssistantMessage


class OfflineModel:
    """Deterministic, rule-based stand-in for an LLM. It is not a language model."""

    name = "offline"

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """Answer the last user message."""
        return AssistantMessage(
            content="I can plan a session if you tell me your goal, equipment and minutes, "
            'for example "strength, dumbbells, 30 minutes".'
        )
