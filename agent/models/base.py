"""The one protocol every backend implements, in the OpenAI chat-completions shape."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field


class ToolCall(BaseModel):
    """A tool call as the model wrote it; ``arguments`` is the raw JSON string."""

    id: str = Field(description="Call id, echoed in the tool message that answers it.")
    name: str = Field(description="Tool name.")
    arguments: str = Field(default="{}", description="Arguments as a JSON object string.")

    def to_openai(self) -> dict[str, Any]:
        """This call in the chat-completions ``tool_calls`` shape."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


class AssistantMessage(BaseModel):
    """What a backend returns: text, tool calls, or both."""

    content: str | None = Field(default=None, description="Text for the person, if any.")
    tool_calls: list[ToolCall] = Field(default_factory=list, description="Requested calls.")

    def to_openai(self) -> dict[str, Any]:
        """This message in the chat-completions ``messages`` shape."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.to_openai() for call in self.tool_calls]
        return message


@runtime_checkable
class ChatModel(Protocol):
    """A chat model: one method, messages and tool schemas in, an assistant message out."""

    name: str

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """Return the next assistant message for ``messages`` given the ``tools`` offered.

        Raises:
            ModelError: The backend failed after its own retries.
        """
        ...
