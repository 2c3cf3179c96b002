"""The turn loop, driven through scripted models: transcript and database end state."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import sqlite_utils

from agent.errors import MessageNotSaved, ModelError, UserInputError
from agent.memory import store
from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, call, calls, say
from tests.factories import make_coach, make_user

_PUSH_UPS = {"exercise": "push-up", "sets": [{"reps": 10}]}


def _roles(db: sqlite_utils.Database, conversation_id: int) -> list[str]:
    rows = db.execute(
        "SELECT role FROM messages WHERE conversation_id = ? ORDER BY id", [conversation_id]
    ).fetchall()
    return [r[0] for r in rows]


def test_tool_call_then_answer_is_persisted_as_one_turn(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel(
        [calls(call("update_profile", {"goal": "strength", "days_per_week": 3})), say("Saved.")]
    )
    result = make_coach(db, model, now).turn(user_id, conversation_id, "strength, 3 days")
    model.assert_complete()
    assert result.reply == "Saved."
    assert result.tool_calls[0]["name"] == "update_profile"
    assert result.tool_calls[0]["result"]["profile"]["goal"] == "strength"
    assert _roles(db, conversation_id) == ["user", "assistant", "tool", "assistant"]
    assert store.get_profile(db, user_id).days_per_week == 3
    status = db.execute("SELECT status FROM turns").fetchone()[0]
    assert status == "complete"
    # The second request showed the model its own call and the tool's answer.
    second_messages = model.requests[1][0]
    assert second_messages[-1]["role"] == "tool"
    assert json.loads(second_messages[-1]["content"])["profile"]["goal"] == "strength"


def test_system_prompt_carries_context_without_the_name(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now, name="Jordan Example")
    model = ScriptedModel([say("Hi.")])
    make_coach(db, model, now).turn(user_id, conversation_id, "hello")
    system = model.requests[0][0][0]
    assert system["role"] == "system"
    assert store.user_pseudonym(db, user_id) in system["content"]
    assert "Jordan" not in system["content"]


def test_a_red_flag_is_answered_without_calling_the_model(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([])
    result = make_coach(db, model, now).turn(
        user_id, conversation_id, "I have chest pain, shorten the workout"
    )
    assert model.requests == []
    assert result.safety["tier"] == "emergency"
    assert "emergency" in result.reply.lower()
    assert result.tool_calls == []
    flag = db.execute("SELECT tier, lock_active FROM safety_flags").fetchone()
    assert flag == ("emergency", 1)


def test_a_model_failure_after_a_tool_round_keeps_the_message_and_the_round(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([calls(call("update_profile", {"goal": "endurance"}))])
    with pytest.raises(ModelError, match="already done and kept: update_profile"):
        make_coach(db, model, now).turn(user_id, conversation_id, "endurance please")
    # The round was written before the model was asked again; it stays, and says so.
    assert _roles(db, conversation_id) == ["user", "assistant", "tool"]
    assert store.get_profile(db, user_id).goal == "endurance"
    status, error = db.execute("SELECT status, error FROM turns").fetchone()
    assert status == "failed" and "no reply left" in error and "update_profile" in error
    # A failed turn's dangling tool call is never shown to the model again.
    assert [m["role"] for m in store.conversation_messages(db, user_id, conversation_id)] == [
        "user"
    ]


def test_no_transaction_is_open_while_the_model_is_asked(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    seen: list[bool] = []

    def answer(reply: str) -> Callable[[list[dict[str, Any]]], AssistantMessage]:
        def ask(messages: list[dict[str, Any]]) -> AssistantMessage:
            seen.append(db.conn.in_transaction)
            return say(reply) if reply else calls(call("log_sets", _PUSH_UPS))

        return ask

    model = ScriptedModel([answer(""), answer("Logged.")])
    result = make_coach(db, model, now).turn(user_id, conversation_id, "did 10 push-ups")
    assert result.reply == "Logged."
    assert seen == [False, False]


def test_an_empty_model_reply_is_a_model_error(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([AssistantMessage(content="  ")])
    with pytest.raises(ModelError):
        make_coach(db, model, now).turn(user_id, conversation_id, "hi")


def test_tool_rounds_are_capped_and_answered_gracefully(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([calls(call("get_profile")) for _ in range(3)])
    result = make_coach(db, model, now, max_tool_rounds=2).turn(user_id, conversation_id, "hm")
    assert len(result.tool_calls) == 2
    assert "one thing at a time" in result.reply
    assert db.execute("SELECT status FROM turns").fetchone()[0] == "complete"


def test_bad_arguments_go_back_to_the_model(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel(
        [calls(call("update_profile", '{"days_per_week": "lots"')), say("Could you say a number?")]
    )
    result = make_coach(db, model, now).turn(user_id, conversation_id, "lots of days")
    assert result.tool_calls[0]["result"]["error"]["code"] == "invalid"
    assert result.tool_calls[0]["result"]["error"]["message"].startswith(
        "arguments were not valid JSON"
    )
    assert result.reply == "Could you say a number?"


def test_the_output_rail_replaces_unsafe_replies(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([say("Just push through the pain, you'll be fine.")])
    result = make_coach(db, model, now).turn(user_id, conversation_id, "my workout was hard")
    assert "push through" not in result.reply.lower()
    assert db.execute("SELECT source FROM safety_flags").fetchone()[0] == "output_rail"
    stored = db.execute(
        "SELECT content FROM messages WHERE role = 'assistant' ORDER BY id DESC"
    ).fetchone()[0]
    assert stored == result.reply


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_unusable_messages_are_refused_and_nothing_is_stored(
    db: sqlite_utils.Database, now: datetime, text: str
) -> None:
    user_id, conversation_id = make_user(db, now)
    with pytest.raises(UserInputError):
        make_coach(db, ScriptedModel([]), now).turn(user_id, conversation_id, text)
    assert _roles(db, conversation_id) == []


def test_history_is_replayed_on_the_next_turn(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([say("How many days a week?"), say("Three it is.")])
    coach = make_coach(db, model, now)
    coach.turn(user_id, conversation_id, "I want to get fit")
    coach.turn(user_id, conversation_id, "3")
    sent = [m["content"] for m in model.requests[1][0][1:]]
    assert sent == ["I want to get fit", "How many days a week?", "3"]


def test_a_caution_area_becomes_a_remembered_constraint(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([say("Let's keep your knee happy today.")])
    result = make_coach(db, model, now).turn(
        user_id, conversation_id, "my knee aches a little today, maybe 3/10"
    )
    assert result.safety["tier"] == "caution"
    assert store.active_constraint_areas(db, user_id) == ["knee"]
    # The screen's own guidance is appended to whatever the model said.
    assert result.reply.startswith("Let's keep your knee happy today.")
    assert len(result.reply) > len("Let's keep your knee happy today.")
    system = model.requests[0][0][0]["content"]
    assert "knee" in system


@pytest.mark.sqlite_only  # holds SQLite's file lock from a second connection
def test_a_message_that_cannot_be_stored_is_echoed_back_and_the_next_line_runs(
    db_path: str, now: datetime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sqlite3

    from agent.cli.chat_session import _piped
    from agent.memory import db as memory_db
    from agent.memory.db import connect

    db = connect(db_path)
    user_id, conversation_id = make_user(db, now)
    db.execute("PRAGMA busy_timeout=20")
    monkeypatch.setattr(memory_db, "BUSY_BOUND_S", 0.2)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process busy writing, for longer than the bound
    coach = make_coach(db, ScriptedModel([say("Answered.")]), now)
    with pytest.raises(MessageNotSaved) as caught:
        coach.turn(user_id, conversation_id, "I have a sharp pain in my knee")
    assert caught.value.text == "I have a sharp pain in my knee"
    failures = _piped(coach, user_id, conversation_id, io.StringIO("squat 5 at 60kg\n"), False)
    assert failures == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: your message was not saved (the database is busy, try again in a moment "
        '(database is locked)); please send it again: "squat 5 at 60kg"'
    ]
    holder.execute("ROLLBACK")
    holder.close()
    assert _piped(coach, user_id, conversation_id, io.StringIO("hello again\n"), False) == 0
    assert capsys.readouterr().out.strip() == "Answered."
    assert _roles(db, conversation_id) == ["user", "assistant"]
