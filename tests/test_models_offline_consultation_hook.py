"""The issue-19 hook in the offline model: what it claims, and what it leaves alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.models.offline import consultation_hook
from agent.tools import default_registry

TOOLS = default_registry().schemas()


def _pending(question: str | None, status: str = "in_progress") -> list[dict[str, Any]]:
    result = {"status": status, "next_question": question, "remaining": 3, "say": "..."}
    return [
        {"role": "system", "content": "context"},
        {"role": "user", "content": "start my consultation"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {}}]},
        {
            "role": "tool",
            "name": "start_consultation",
            "tool_call_id": "c1",
            "content": json.dumps(result),
        },
        {"role": "assistant", "content": "What would you like?"},
    ]


def _claimed(messages: list[dict[str, Any]]) -> list[str]:
    answer = consultation_hook.claim(messages, TOOLS)
    return [c.name for c in answer.tool_calls] if answer else []


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("goal", "get fitter for my kids", ["answer_consultation"]),
        ("days_per_week", "3?", ["answer_consultation"]),
        ("days_per_week", "what counts as a day?", []),
        ("equipment", "what is a goblet squat?", []),
        ("barriers", "later", ["pause_consultation"]),
        ("age", "did the push-up test, 22", ["record_assessment"]),
    ],
)
def test_while_a_consultation_waits(question: str, text: str, expected: list[str]) -> None:
    messages = [*_pending(question), {"role": "user", "content": text}]
    assert _claimed(messages) == expected


@pytest.mark.parametrize("status", ["complete", "paused"])
def test_a_finished_or_paused_consultation_claims_nothing(status: str) -> None:
    messages = [*_pending(None, status), {"role": "user", "content": "3 days a week"}]
    assert _claimed(messages) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("let's do the consultation", ["start_consultation"]),
        ("can we continue my consultation?", ["start_consultation"]),
        ("what fitness tests can I do", ["list_assessments"]),
        ("what should I do today", []),
        ("did 22 push-ups", []),
    ],
)
def test_outside_a_consultation(text: str, expected: list[str]) -> None:
    assert _claimed([{"role": "user", "content": text}]) == expected


def test_the_reply_is_the_tools_own_words_and_others_are_left_alone() -> None:
    base: list[dict[str, Any]] = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": []},
    ]
    ours: dict[str, Any] = {
        "role": "tool",
        "name": "answer_consultation",
        "content": json.dumps({"say": "Saved."}),
    }
    answer = consultation_hook.claim([*base, ours], TOOLS)
    assert answer is not None and answer.content == "Saved."
    theirs: dict[str, Any] = {"role": "tool", "name": "plan_today", "content": "{}"}
    assert consultation_hook.claim([*base, ours, theirs], TOOLS) is None


def test_nothing_is_called_that_is_not_offered() -> None:
    offered = [t for t in TOOLS if t["function"]["name"] != "record_assessment"]
    answer = consultation_hook.claim([{"role": "user", "content": "push-up test 20"}], offered)
    assert answer is None


def test_an_answer_to_a_safety_question_is_not_a_consultation_answer() -> None:
    messages = [
        *_pending("barriers"),
        {"role": "user", "content": "my knee twinges on stairs"},
        {"role": "assistant", "content": "Is it sharp pain, or swollen?"},
        {"role": "user", "content": "no, just stiff"},
    ]
    assert _claimed(messages) == []
