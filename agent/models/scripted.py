"""A test double that ships with the package: a FIFO of replies that records every request.

Use it to script "call tool X, then say Y" and run the real turn loop. Not imported by
``agent.models``; import it from here.
"""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agent.errors import ModelError
from agent.models.base import AssistantMessage, ToolCall

Reply = AssistantMessage | Callable[[list[dict[str, Any]]], AssistantMessage]


def call(name: str, arguments: dict[str, Any] | str | None = None, call_id: str = "") -> ToolCall:
    """A tool call for a script; a ``str`` argument passes through unparsed (bad JSON tests)."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return ToolCall(id=call_id or f"call_{name}", name=name, arguments=raw)


def say(text: str) -> AssistantMessage:
    """A final text reply for a script."""
    return AssistantMessage(content=text)


def calls(*tool_calls: ToolCall, text: str | None = None) -> AssistantMessage:
    """An assistant message that requests ``tool_calls``."""
    return AssistantMessage(content=text, tool_calls=list(tool_calls))


@dataclass
class ScriptedModel:
    """Replies from a queue, in order; each request is recorded for assertions.

    A queued item may be a function of the messages, for per-turn logic.
    """

    replies: Iterable[Reply] = ()
    name: str = "scripted"
    requests: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: deque[Reply] = deque(self.replies)
        self._tools_seen: list[dict[str, Any]] | None = None

    def _tools_snapshot(self, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # The loop sends the same schemas on every call; deep-copying all of them each
        # time was most of this double's cost. An equal list shares the previous copy
        # (comparing is done in C and is far cheaper than copying).
        if self._tools_seen is None or self._tools_seen != tools:
            self._tools_seen = copy.deepcopy(tools)
        return self._tools_seen

    def push(self, *replies: Reply) -> None:
        """Queue more replies."""
        self._queue.extend(replies)

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """Pop the next scripted reply."""
        self.requests.append((copy.deepcopy(messages), self._tools_snapshot(tools)))
        if not self._queue:
            raise ModelError("scripted model has no reply left")
        reply = self._queue.popleft()
        return reply(messages) if callable(reply) else reply

    def assert_complete(self) -> None:
        """Fail unless every scripted reply was used."""
        if self._queue:
            raise AssertionError(f"{len(self._queue)} scripted replies were never requested")

    @property
    def tools_called(self) -> list[str]:
        """Names of tools whose results the model was shown, in order."""
        names: list[str] = []
        for messages, _ in self.requests:
            names = [m.get("name", "") for m in messages if m.get("role") == "tool"]
        return names
