"""The scripted test double: replies in order, requests recorded without copying unchanged tools."""

from __future__ import annotations

from typing import Any

import pytest

from agent.errors import ModelError
from agent.models.scripted import ScriptedModel, say

TOOLS: list[dict[str, Any]] = [{"type": "function", "function": {"name": "a", "parameters": {}}}]


def test_requests_are_snapshots_and_equal_tools_share_one_copy() -> None:
    model = ScriptedModel([say("one"), say("two"), say("three")])
    tools = [dict(t) for t in TOOLS]
    messages: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
    model.complete(messages, tools)
    messages.append({"role": "assistant", "content": "one"})
    model.complete(messages, [dict(t) for t in TOOLS])
    assert model.requests[0][1] is model.requests[1][1]
    assert model.requests[0][1] is not tools
    assert len(model.requests[0][0]) == 1  # later appends do not reach a recorded request
    tools.append({"type": "function", "function": {"name": "b", "parameters": {}}})
    model.complete(messages, tools)
    assert [t["function"]["name"] for t in model.requests[2][1]] == ["a", "b"]
    assert [t["function"]["name"] for t in model.requests[1][1]] == ["a"]
    model.assert_complete()


def test_an_empty_queue_is_a_model_error() -> None:
    with pytest.raises(ModelError):
        ScriptedModel().complete([], TOOLS)
