"""The model seam: messages and tool schemas in, one assistant message out.

Backends live in their own modules and are imported only when chosen, so the openai SDK
is loaded by the openai backend alone and the scripted test double stays out of the way.
"""

from __future__ import annotations

from agent.models.base import AssistantMessage, ChatModel, ToolCall

__all__ = ["AssistantMessage", "ChatModel", "ToolCall", "get_model"]


def get_model(name: str) -> ChatModel:
    """Build the backend called ``name``: ``offline`` or ``openai``.

    Raises:
        ConfigurationError: Unknown backend name, or the backend is misconfigured.
    """
    from agent.errors import ConfigurationError

    if name == "offline":
        from agent.models.offline import OfflineModel

        return OfflineModel()
    if name == "openai":
        from agent.models.openai_backend import OpenAIModel

        return OpenAIModel.from_env()
    raise ConfigurationError(f"unknown model backend {name!r}: choose offline or openai")
