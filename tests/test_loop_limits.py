"""The turn's bounds: calls per round, reply length, request size, a flag raised mid-turn."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from agent import loop
from agent.errors import read_tool_error
from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, call, calls, say
from agent.tools import default_registry
from tests.factories import make_coach, make_user

SCHEMAS = default_registry().schemas()


def test_calls_past_the_round_limit_are_answered_not_run(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    asked = loop.MAX_TOOL_CALLS_PER_ROUND + 3
    many = [
        call("log_sets", {"exercise": "push-up", "sets": [{"reps": 10}]}, f"c{i}")
        for i in range(asked)
    ]
    model = ScriptedModel([calls(*many), say("Logged.")])
    result = make_coach(db, model, now).turn(user_id, conversation_id, "log my push-ups")
    assert result.reply == "Logged."
    codes = [read_tool_error(c["result"]) for c in result.tool_calls]
    assert codes[: loop.MAX_TOOL_CALLS_PER_ROUND] == [None] * loop.MAX_TOOL_CALLS_PER_ROUND
    for code in codes[loop.MAX_TOOL_CALLS_PER_ROUND :]:
        assert code is not None and code[0] == "too_many_calls"
        assert f"at most {loop.MAX_TOOL_CALLS_PER_ROUND} run" in code[1]
    stored = db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0]
    assert stored == loop.MAX_TOOL_CALLS_PER_ROUND
    # Every call got its answer, so the next request is a valid conversation.
    tool_ids = [m["tool_call_id"] for m in model.requests[1][0] if m["role"] == "tool"]
    assert tool_ids == [f"c{i}" for i in range(asked)]


def test_a_runaway_reply_is_cut_at_a_word_and_says_so(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([say("squat and breathe " * 2000)])
    result = make_coach(db, model, now).turn(user_id, conversation_id, "tell me everything")
    assert len(result.reply) < loop.MAX_REPLY_CHARS + 100
    assert result.reply.endswith(f"ran past {loop.MAX_REPLY_CHARS} characters.)")
    kept = result.reply.split(" ...\n\n")[0]
    assert ("squat and breathe " * 2000).startswith(kept + " ")
    stored = db.execute("SELECT content FROM messages WHERE role = 'assistant'").fetchone()[0]
    assert stored == result.reply


def test_a_short_reply_is_left_alone() -> None:
    assert loop.bounded_reply("  Nice work.  ") == "Nice work."


def _turn(index: int, tool_chars: int, rounds: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": f"message {index}"}]
    for r in range(rounds):
        call_id = f"t{index}r{r}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "plan_today", "arguments": "{}"},
                    }
                ],
            }
        )
        body = json.dumps({"plan": "x y " * (tool_chars // 4), "turn": index})
        messages.append({"role": "tool", "tool_call_id": call_id, "content": body})
    messages.append({"role": "assistant", "content": f"reply {index}"})
    return messages


@given(
    st.lists(st.tuples(st.integers(0, 30_000), st.integers(0, 3)), min_size=1, max_size=25),
    st.integers(0, 40_000),
    st.integers(0, 4),
)
def test_any_conversation_fits_the_budget_and_stays_well_formed(
    turns: list[tuple[int, int]], current_chars: int, current_rounds: int
) -> None:
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a coach. " * 100}]
    for index, (chars, rounds) in enumerate(turns):
        messages.extend(_turn(index, chars, rounds))
    current = _turn(len(turns), current_chars, current_rounds)[:-1]  # no reply yet
    messages.extend(current)
    fitted = loop.fit_request(messages, SCHEMAS)
    assert loop.request_tokens(fitted, SCHEMAS) <= loop.REQUEST_TOKEN_BUDGET
    assert fitted[0] == messages[0]
    assert fitted[1]["role"] == "user"
    # This turn's user message and calls are always sent; only results may be shortened.
    tail = fitted[-len(current) :]
    assert [m["role"] for m in tail] == [m["role"] for m in current]
    assert tail[0] == current[0]
    calls_asked = set()
    for message in fitted:
        for tool_call in message.get("tool_calls") or []:
            calls_asked.add(tool_call["id"])
        if message["role"] == "tool":
            assert message["tool_call_id"] in calls_asked
    if loop.request_tokens(messages, SCHEMAS) <= loop.REQUEST_TOKEN_BUDGET - 300:
        assert fitted == messages


def test_a_flag_raised_while_the_model_writes_holds_the_plan(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    second = make_coach(db, ScriptedModel([]), now)

    def meanwhile(messages: list[dict[str, Any]]) -> AssistantMessage:
        # The person's next message, answered on the server's fast path while this
        # model call runs: a red flag that locks the plan.
        emergency = second.turn(user_id, conversation_id, "I have crushing chest pain")
        assert emergency.safety["tier"] == "emergency"
        return calls(call("plan_today", {"minutes": 30}))

    model = ScriptedModel([meanwhile, say("Here is a 30-minute workout: squats, rows.")])
    result = make_coach(db, model, now).turn(user_id, conversation_id, "plan me 30 minutes")
    refused = read_tool_error(result.tool_calls[0]["result"])
    assert refused is not None and refused[0] == "plan_locked"
    assert "squats" not in result.reply
    assert "on hold" in result.reply


@given(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "assistant", "tool"]), "content": st.text(max_size=300)},
        optional={
            "tool_call_id": st.text(max_size=20),
            "tool_calls": st.lists(
                st.fixed_dictionaries({"id": st.text(max_size=10), "arguments": st.text()}),
                max_size=2,
            ),
        },
    )
)
def test_the_uncounted_bound_is_never_below_the_count(message: dict[str, Any]) -> None:
    # fit_request sends messages uncounted when this bound fits, so it must hold for any
    # text, special-token look-alikes ("<|endoftext|>") and any script included.
    assert loop._message_bound(message) >= loop._message_tokens(message)


@given(st.lists(st.text(max_size=2_000), min_size=1, max_size=12), st.booleans())
def test_fitting_with_the_kept_schema_count_sends_what_counting_sends(
    texts: list[str], locked: bool
) -> None:
    registry = default_registry()
    schemas = registry.offered(plan_locked=locked)
    known = loop.request_tokens([], schemas)
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a coach. " * 50}]
    messages.extend({"role": "user", "content": text} for text in texts)
    assert loop.fit_request(messages, schemas, schema_tokens=known) == loop.fit_request(
        messages, schemas
    )


def test_a_message_like_a_special_token_is_counted_as_text() -> None:
    messages = [
        {"role": "system", "content": "You are a coach."},
        {"role": "user", "content": "<|endoftext|> " * 400},
    ]
    fitted = loop.fit_request(messages, SCHEMAS)
    assert fitted == messages
