"""The openai backend over real HTTP against a scripted server on 127.0.0.1, through the loop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import sqlite_utils

from agent.errors import ConfigurationError, ModelError, read_tool_error
from agent.models import openai_backend
from agent.models.openai_backend import (
    OpenAIModel,
    RetryPolicy,
    parse_retry_after,
    to_assistant_message,
)
from agent.tools import default_registry
from tests.factories import make_coach, make_user
from tests.openai_stub import Reply, StubServer, ok, serve, tool

FAST = RetryPolicy(attempts=4, base_delay_s=0.001, max_delay_s=0.01, max_retry_after_s=0.05)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    """A fresh scripted server per test."""
    with serve() as server:
        yield server


def _model(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, *, timeout: float = 5.0, attempts: int = 4
) -> tuple[OpenAIModel, list[float]]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("COACH_MODEL", "stub-model")
    monkeypatch.setenv("COACH_MODEL_TIMEOUT", str(timeout))
    monkeypatch.setenv("COACH_MODEL_ATTEMPTS", str(attempts))
    model = OpenAIModel.from_env(policy=FAST)
    waits: list[float] = []
    model.sleep = waits.append  # record the backoff instead of sleeping
    return model, waits


def _user_messages(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT content FROM messages WHERE role = 'user'")]


def _status(db: sqlite_utils.Database) -> str:
    return str(db.execute("SELECT status FROM turns ORDER BY id DESC").fetchone()[0])


def test_tool_call_then_final_answer(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(tool("update_profile", '{"goal": "strength"}'), ok("Saved: strength."))
    model, _ = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    result = make_coach(db, model, now).turn(user_id, conversation_id, "I want strength")
    assert result.reply == "Saved: strength."
    assert result.tool_calls[0]["result"]["profile"]["goal"] == "strength"
    first, second = stub.requests
    assert first["model"] == "stub-model"
    assert {t["function"]["name"] for t in first["tools"]} >= {"get_profile", "update_profile"}
    # The second request carries the call and its JSON result as a role=tool message.
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert "name" not in tool_message
    assert json.loads(tool_message["content"])["profile"]["goal"] == "strength"
    assert second["messages"][-2]["tool_calls"][0]["function"]["name"] == "update_profile"
    assert _status(db) == "complete"


def test_rate_limit_honours_retry_after_then_succeeds(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(
        Reply(
            status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "0.03"}
        ),
        ok("Hello again."),
    )
    model, waits = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    assert make_coach(db, model, now).turn(user_id, conversation_id, "hi").reply == "Hello again."
    assert waits == [pytest.approx(0.03)]
    assert len(stub.requests) == 2


def test_retry_after_is_capped(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(Reply(status=429, headers={"Retry-After": "3600"}), ok("Done."))
    model, waits = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    make_coach(db, model, now).turn(user_id, conversation_id, "hi")
    assert waits == [FAST.max_retry_after_s]


def test_server_errors_twice_then_success(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(Reply(status=500), Reply(status=503), ok("Third time lucky."))
    model, waits = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    result = make_coach(db, model, now).turn(user_id, conversation_id, "hello")
    assert result.reply == "Third time lucky."
    assert len(waits) == 2 and all(0 <= w <= FAST.max_delay_s for w in waits)


def test_malformed_tool_arguments_go_back_to_the_model(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(tool("update_profile", '{"goal": "strength",'), ok("Sorry, let me retry later."))
    model, _ = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    result = make_coach(db, model, now).turn(user_id, conversation_id, "strength please")
    assert result.reply == "Sorry, let me retry later."
    error = result.tool_calls[0]["result"]["error"]
    assert error["code"] == "invalid" and error["message"].startswith(
        "arguments were not valid JSON"
    )
    assert read_tool_error(stub.requests[1]["messages"][-1]["content"]) == (
        "invalid",
        error["message"],
    )
    assert _status(db) == "complete"


def test_slow_response_times_out_then_succeeds(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(Reply(body={}, delay_s=0.6), ok("Back now."))
    model, waits = _model(stub, monkeypatch, timeout=0.2)
    user_id, conversation_id = make_user(db, now)
    assert make_coach(db, model, now).turn(user_id, conversation_id, "hi").reply == "Back now."
    assert len(waits) == 1


def test_always_slow_fails_with_one_line_and_keeps_the_message(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.default = Reply(body={}, delay_s=0.5)
    model, _ = _model(stub, monkeypatch, timeout=0.1, attempts=2)
    user_id, conversation_id = make_user(db, now)
    with pytest.raises(ModelError) as caught:
        make_coach(db, model, now).turn(user_id, conversation_id, "are you there?")
    assert str(caught.value) == "model unavailable after 2 attempt(s): the request timed out"
    assert _user_messages(db) == ["are you there?"]
    assert _status(db) == "failed"


def test_non_json_body_fails_with_one_line(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(Reply(body="<html>gateway says hi</html>", content_type="text/html"))
    model, _ = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    with pytest.raises(ModelError, match="not JSON") as caught:
        make_coach(db, model, now).turn(user_id, conversation_id, "plan please")
    assert "\n" not in str(caught.value)
    assert _user_messages(db) == ["plan please"]
    assert _status(db) == "failed"


def test_broken_json_with_json_content_type_fails_with_one_line(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(Reply(body='{"choices": [', content_type="application/json"))
    model, _ = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    with pytest.raises(ModelError, match="not JSON"):
        make_coach(db, model, now).turn(user_id, conversation_id, "hello")
    assert _user_messages(db) == ["hello"]


def test_missing_choices_and_client_errors_are_not_retried(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.push(
        Reply(body={"id": "x", "object": "chat.completion"}),
        Reply(status=401, body={"error": {"message": "bad key\nsecond line"}}),
    )
    model, waits = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    coach = make_coach(db, model, now)
    with pytest.raises(ModelError, match="without any choices"):
        coach.turn(user_id, conversation_id, "one")
    with pytest.raises(ModelError) as caught:
        coach.turn(user_id, conversation_id, "two")
    assert str(caught.value) == "model request failed: HTTP 401: bad key second line"
    assert "\n" not in str(caught.value)
    assert waits == [] and len(stub.requests) == 2
    assert _user_messages(db) == ["one", "two"]


def test_exhausted_server_errors_name_the_attempts(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, db: sqlite_utils.Database, now: datetime
) -> None:
    stub.default = Reply(status=502, body={"error": {"message": "bad gateway"}})
    model, waits = _model(stub, monkeypatch, attempts=3)
    user_id, conversation_id = make_user(db, now)
    with pytest.raises(ModelError) as caught:
        make_coach(db, model, now).turn(user_id, conversation_id, "hi")
    assert str(caught.value) == "model unavailable after 3 attempt(s): HTTP 502: bad gateway"
    assert len(stub.requests) == 3 and len(waits) == 2


def test_connection_refused_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve() as server:
        base_url = server.base_url  # a port that is closed once the block ends
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("COACH_MODEL_ATTEMPTS", "2")
    model = OpenAIModel.from_env(policy=FAST)
    model.sleep = lambda _s: None
    with pytest.raises(ModelError, match="could not connect"):
        model.complete([{"role": "user", "content": "hi"}], [])


def test_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        OpenAIModel.from_env()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("COACH_MODEL_ATTEMPTS", "many")
    with pytest.raises(ConfigurationError, match="COACH_MODEL_ATTEMPTS"):
        OpenAIModel.from_env()
    monkeypatch.setenv("COACH_MODEL_ATTEMPTS", "0")
    with pytest.raises(ConfigurationError, match="at least 1"):
        OpenAIModel.from_env()


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": later}, now) == pytest.approx(7.0)
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_object_arguments_are_reencoded_and_nameless_calls_dropped() -> None:
    message = to_assistant_message(
        {
            "choices": [
                {
                    "message": {
                        "content": None,
                        "tool_calls": [
                            {"id": "a", "function": {"name": "plan_today", "arguments": {"x": 1}}},
                            {"id": "b", "function": {"arguments": "{}"}},
                        ],
                    }
                }
            ]
        }
    )
    assert [(c.name, json.loads(c.arguments)) for c in message.tool_calls] == [
        ("plan_today", {"x": 1})
    ]


@pytest.mark.parametrize("body", ["null", "42", "[1, 2]", '"just text"', "true"])
def test_a_200_that_is_not_a_completion_fails_the_turn_and_the_next_line_is_answered(
    stub: StubServer,
    monkeypatch: pytest.MonkeyPatch,
    db: sqlite_utils.Database,
    now: datetime,
    body: str,
) -> None:
    stub.push(Reply(body=body), ok("Next one answered."))
    model, _ = _model(stub, monkeypatch)
    user_id, conversation_id = make_user(db, now)
    coach = make_coach(db, model, now)
    with pytest.raises(ModelError, match=r"not a chat completion|not JSON"):
        coach.turn(user_id, conversation_id, "plan my week")
    assert _status(db) == "failed"
    assert coach.turn(user_id, conversation_id, "and today?").reply == "Next one answered."
    assert _user_messages(db) == ["plan my week", "and today?"]


def test_the_tool_schemas_are_encoded_once_per_list_and_sent_whole(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[object] = []
    real_dumps = openai_backend._dumps

    def counting(value: object) -> bytes:
        encoded.append(value)
        return real_dumps(value)

    monkeypatch.setattr(openai_backend, "_dumps", counting)
    stub.default = ok("Fine.")
    model, _ = _model(stub, monkeypatch)
    registry = default_registry()
    full, locked = registry.offered(plan_locked=False), registry.offered(plan_locked=True)
    for tools in (full, full, locked, full, locked):
        model.complete([{"role": "user", "content": "héllo"}], tools)
    # Each list the registry hands out is encoded once, however many calls send it.
    assert sum(value is full for value in encoded) == 1
    assert sum(value is locked for value in encoded) == 1
    sent = [request["tools"] for request in stub.requests]
    assert sent == [full, full, locked, full, locked]
    assert all(r["model"] == "stub-model" for r in stub.requests)
    assert stub.requests[0]["messages"] == [{"role": "user", "content": "héllo"}]


def test_a_request_without_tools_sends_no_tools_key(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub.push(ok("Plain."))
    model, _ = _model(stub, monkeypatch)
    assert model.complete([{"role": "user", "content": "hi"}], []).content == "Plain."
    assert "tools" not in stub.requests[0]
