"""The optional LLM second opinion, against the local stub server on 127.0.0.1.

It runs only with an LLM backend, before the coaching model; it can raise the tier or
add a check, never lower one; garbage answers (prose, broken JSON, unknown tiers, a
non-JSON body) are no opinion and the turn goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlite_utils

from agent.loop import Coach
from agent.models.openai_backend import OpenAIModel, RetryPolicy
from agent.models.scripted import ScriptedModel, say
from safety.second_opinion import TOOL_NAME, read_opinion
from safety.tiers import Tier
from tests.factories import make_user
from tests.openai_stub import Reply, StubServer, ok, serve, tool

FAST = RetryPolicy(attempts=1, base_delay_s=0.001, max_delay_s=0.01, max_retry_after_s=0.05)
CALM = "did my squats today, what should I do tomorrow?"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    with serve() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("COACH_MODEL", "stub-model")
        monkeypatch.setenv("COACH_MODEL_ATTEMPTS", "1")
        yield server


def _coach(db: sqlite_utils.Database, now: datetime) -> Coach:
    return Coach(db, OpenAIModel.from_env(policy=FAST), clock=lambda: now, second_opinion=True)


def _triage(tier: str, about: str = "self") -> Reply:
    arguments = json.dumps({"tier": tier, "about": about, "reason": "stub says so"})
    return tool(TOOL_NAME, arguments)


def test_an_emergency_opinion_raises_a_calm_screen_and_the_coach_is_not_called(
    db: sqlite_utils.Database, now: datetime, stub: StubServer
) -> None:
    user_id, conversation_id = make_user(db, now)
    stub.push(_triage("emergency"))
    result = _coach(db, now).turn(user_id, conversation_id, CALM)
    assert result.safety["tier"] == "emergency"
    assert "LLM-EMERGENCY" in result.safety["signals"]
    assert any(n in result.reply for n in ("911", "112", "999"))
    assert len(stub.requests) == 1  # the triage call only
    triage = stub.requests[0]
    assert triage["tools"][0]["function"]["name"] == TOOL_NAME
    assert triage["messages"][-1] == {"role": "user", "content": CALM}
    assert db.execute("SELECT safety_tier FROM turns").fetchone() == ("emergency",)


def test_a_check_opinion_asks_the_safety_question(
    db: sqlite_utils.Database, now: datetime, stub: StubServer
) -> None:
    user_id, conversation_id = make_user(db, now)
    stub.push(_triage("check"))
    result = _coach(db, now).turn(user_id, conversation_id, CALM)
    assert result.safety["tier"] == "check"
    assert result.reply.startswith("Just checking:")
    assert result.tool_calls == []


def test_an_opinion_never_lowers_the_screen(
    db: sqlite_utils.Database, now: datetime, stub: StubServer
) -> None:
    user_id, conversation_id = make_user(db, now)
    stub.push(_triage("none"), ok("Let's keep the knee happy today."))
    result = _coach(db, now).turn(user_id, conversation_id, "my knee is a bit sore today")
    assert result.safety["tier"] == "caution"
    assert result.reply.startswith("Let's keep the knee happy today.")


@pytest.mark.parametrize(
    "garbage",
    [
        ok("I think this person is fine, honestly."),
        ok('{"tier": "apocalypse", "about": "self", "reason": "?"}'),
        tool(TOOL_NAME, '{"tier": "emergency", "about": '),
        tool("something_else", '{"tier": "emergency"}'),
        Reply(body="<html>gateway error</html>", content_type="text/html"),
        Reply(status=500, body={"error": {"message": "boom"}}),
    ],
    ids=["prose", "unknown tier", "broken json", "other tool", "not json body", "http 500"],
)
def test_a_garbage_answer_is_no_opinion_and_the_turn_goes_on(
    db: sqlite_utils.Database, now: datetime, stub: StubServer, garbage: Reply
) -> None:
    user_id, conversation_id = make_user(db, now)
    stub.push(garbage, ok("Tomorrow: an easy 30-minute walk."))
    result = _coach(db, now).turn(user_id, conversation_id, CALM)
    assert result.safety["tier"] == "none"
    assert result.reply == "Tomorrow: an easy 30-minute walk."
    assert db.execute("SELECT COUNT(*) FROM safety_flags").fetchone() == (0,)


def test_offline_never_asks_for_a_second_opinion(db: sqlite_utils.Database, now: datetime) -> None:
    model = ScriptedModel([say("Sure.")])
    assert not Coach(db, model).second_opinion
    user_id, conversation_id = make_user(db, now)
    Coach(db, model, clock=lambda: now).turn(user_id, conversation_id, CALM)
    model.assert_complete()


def test_reading_an_opinion_from_text_or_tool_call() -> None:
    text = '```json\n{"tier": "STOP", "about": "self", "reason": "dizzy"}\n```'
    opinion = read_opinion(text, [])
    assert opinion is not None and opinion.tier is Tier.STOP
    other = read_opinion(None, [(TOOL_NAME, '{"tier": "emergency", "about": "someone_else"}')])
    assert other is not None and other.about_other
    assert read_opinion("[1, 2]", []) is None
