"""500 turns with the openai backend: every request stays under the token budget (issue 16).

The real ``openai`` client talks to a stub server on 127.0.0.1; each turn the stub asks
for a tool whose result is large (today's plan, about 2,500 tokens) and then answers, so
without the budget the request would grow past any model's context window.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlite_utils

from agent import loop
from agent.memory.context import count_tokens
from agent.models.openai_backend import OpenAIModel, RetryPolicy
from tests.factories import make_coach, make_user
from tests.openai_stub import ok, serve, tool

TURNS = 500


def test_500_turns_stay_under_the_request_budget(
    db: sqlite_utils.Database, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, conversation_id = make_user(db, now)
    with serve() as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        model = OpenAIModel.from_env(policy=RetryPolicy(attempts=1))
        coach = make_coach(db, model, now)
        largest = 0
        sizes: list[int] = []
        for index in range(TURNS):
            stub.push(
                tool("plan_today", json.dumps({"minutes": 30 + index % 30}), f"call_{index}"),
                ok(f"Here is today's plan, take {index % 5 + 1} minutes to warm up."),
            )
            result = coach.turn(user_id, conversation_id, f"plan my workout please ({index})")
            assert result.tool_calls and result.tool_calls[0]["name"] == "plan_today"
            for body in stub.requests:
                tokens = count_tokens(json.dumps(body))[0]
                largest = max(largest, tokens)
                sizes.append(tokens)
            stub.requests.clear()
    assert len(sizes) == 2 * TURNS
    assert largest <= loop.REQUEST_TOKEN_BUDGET, largest
    # The conversation filled the budget early and stopped growing: the last requests
    # are as large as the limit allows, never larger.
    assert max(sizes[-100:]) > loop.REQUEST_TOKEN_BUDGET * 0.8
