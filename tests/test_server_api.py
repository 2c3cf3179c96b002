"""The /v1 API: chat (JSON and SSE), plan, history, set logging, limits, errors, logs."""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import ModelError
from agent.live.state import LiveExercise, LiveState, Phase
from agent.loop import Coach, Received, TurnResult
from agent.memory.db import connect
from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, call, calls, say
from agent.server import api
from agent.server.app import SWITCH_INTERVAL_S, JsonLogFormatter, create_app
from agent.server.state import RateLimiter
from tests.factories import make_token_user, query_rows


class Server:
    """A test client over a fresh database file, with one signed-up user."""

    def __init__(self, db_path: str, now: datetime, model: Any = None, **options: Any) -> None:
        db = connect(db_path)
        self.user_id, self.token = make_token_user(db, now, "ann")
        db.close()
        self.db_path = db_path
        self.app = create_app(
            db_path, model=model, clock=lambda: now, operator_auth=False, **options
        )
        self.client = TestClient(self.app)
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    def rows(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        return query_rows(self.db_path, sql, params)


@pytest.fixture
def server(db_path: str, now: datetime) -> Iterator[Server]:
    built = Server(db_path, now)
    with built.client:
        yield built


def scripted_server(db_path: str, now: datetime, replies: list[Any], **options: Any) -> Server:
    return Server(db_path, now, model=ScriptedModel(replies), **options)


def test_chat_answers_and_stores_the_turn(server: Server) -> None:
    response = server.client.post("/v1/chat", json={"message": "hello coach"})
    assert response.status_code == 200
    body = response.json()
    assert body["reply"]
    assert body["safety"] == {"tier": "none", "signals": []}
    assert body["session"] is None
    stored = server.rows("SELECT role, content FROM messages WHERE user_id = ?", [server.user_id])
    assert ("user", "hello coach") in stored
    assert ("assistant", body["reply"]) in stored
    # The next message continues the same conversation.
    again = server.client.post("/v1/chat", json={"message": "and again"}).json()
    assert again["conversation_id"] == body["conversation_id"]


def test_chat_reports_the_tools_it_ran(db_path: str, now: datetime) -> None:
    server = scripted_server(
        db_path, now, [calls(call("update_profile", {"goal": "strength"})), say("Noted.")]
    )
    body = server.client.post("/v1/chat", json={"message": "I want to get stronger"}).json()
    assert body["reply"] == "Noted."
    assert [c["name"] for c in body["tool_calls"]] == ["update_profile"]
    assert body["tool_calls"][0]["arguments"] == {"goal": "strength"}


def test_a_red_flag_is_reported_with_its_tier(server: Server) -> None:
    body = server.client.post("/v1/chat", json={"message": "I have chest pain"}).json()
    assert body["safety"]["tier"] == "emergency"
    assert body["safety"]["signals"]


def _events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


@pytest.mark.parametrize(
    ("path", "headers", "extra"),
    [
        ("/v1/chat", {"Accept": "text/event-stream"}, {}),
        ("/v1/chat?stream=1", {}, {}),
        ("/v1/chat", {}, {"stream": True}),
    ],
)
def test_chat_streams_server_sent_events(
    server: Server, path: str, headers: dict[str, str], extra: dict[str, Any]
) -> None:
    response = server.client.post(path, json={"message": "hi there", **extra}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert events[-1][0] == "done"
    deltas = "".join(data["text"] for name, data in events if name == "delta")
    assert deltas == events[-1][1]["reply"]
    assert len(events) > 2


def test_a_model_failure_is_a_503_and_the_message_is_kept(db_path: str, now: datetime) -> None:
    def broken(_: list[dict[str, Any]]) -> AssistantMessage:
        raise ModelError("upstream timed out")

    server = scripted_server(db_path, now, [broken])
    response = server.client.post("/v1/chat", json={"message": "plan my week please"})
    assert response.status_code == 503
    assert response.json()["message_saved"] is True
    assert "saved" in response.json()["error"]
    assert server.rows("SELECT content FROM messages WHERE role = 'user'") == [
        ("plan my week please",)
    ]
    assert server.rows("SELECT status FROM turns") == [("failed",)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({}, "message"),
        ({"message": "hi", "conversation_id": "abc"}, "conversation_id"),
    ],
)
def test_invalid_chat_requests_get_a_clear_422(
    server: Server, payload: dict[str, Any], field: str
) -> None:
    response = server.client.post("/v1/chat", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("invalid request:")
    assert field in body["error"]
    assert server.rows("SELECT COUNT(*) FROM messages") == [(0,)]


def test_a_message_of_only_control_characters_is_a_400(server: Server) -> None:
    response = server.client.post("/v1/chat", json={"message": "\x00\x01"})
    assert response.status_code == 400
    assert "empty message" in response.json()["error"]


def test_malformed_json_is_a_422(server: Server) -> None:
    response = server.client.post(
        "/v1/chat", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_oversized_bodies_are_refused_with_413(db_path: str, now: datetime) -> None:
    server = Server(db_path, now, max_body_bytes=1000)
    big = json.dumps({"message": "a" * 2000}).encode()
    declared = server.client.post(
        "/v1/chat", content=big, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:
        # No Content-Length: the limit is enforced on the bytes actually received.
        for start in range(0, len(big), 300):
            yield big[start : start + 300]

    streamed = server.client.post(
        "/v1/chat", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert "too large" in streamed.json()["error"]
    assert server.rows("SELECT COUNT(*) FROM messages") == [(0,)]


def test_each_user_is_rate_limited(db_path: str, now: datetime) -> None:
    server = Server(db_path, now, rate_capacity=3, rate_per_second=0.01)
    statuses = [server.client.get("/v1/plan/today").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = server.client.get("/v1/plan/today")
    assert int(limited.headers["Retry-After"]) >= 1
    # Another user has their own bucket.
    db = connect(db_path)
    _, other = make_token_user(db, now, "bo")
    db.close()
    fresh = server.client.get("/v1/plan/today", headers={"Authorization": f"Bearer {other}"})
    assert fresh.status_code == 200


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.integers(1, 50),
    rate=st.floats(0.1, 20),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_the_token_bucket_never_allows_more_than_burst_plus_refill(
    capacity: int, rate: float, gaps: list[float]
) -> None:
    limiter = RateLimiter(capacity, rate)
    moment, allowed = 0.0, 0
    for gap in gaps:
        moment += gap
        if limiter.take(7, now=moment) == 0.0:
            allowed += 1
        else:
            assert limiter.take(7, now=moment) > 0
    assert allowed <= capacity + rate * moment + 1e-9
    # Requests spaced slower than the refill rate are never refused.
    steady = RateLimiter(capacity, rate)
    assert all(steady.take(1, now=i * (1.0 / rate) * 1.01) == 0.0 for i in range(50))


def _plan_session(server: Server, now: datetime, status: str = "planned") -> int:
    state = LiveState(
        phase=Phase.REST,
        index=0,
        exercises=[
            LiveExercise(
                id="goblet_squat",
                name="Goblet squat",
                sets=3,
                rep_low=8,
                rep_high=12,
                rest_s=75,
                load=16,
                cues=["Sit between your heels"],
                done_sets=1,
                status="active",
            ),
            LiveExercise(id="push_up", name="Push-up", sets=3, rep_low=8, rep_high=12),
        ],
    )
    db = connect(server.db_path)
    cursor = db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, state, source, "
        "created_at) VALUES (?, ?, ?, ?, ?, 'coach', ?)",
        [
            server.user_id,
            status,
            now.date().isoformat(),
            json.dumps({"title": "Dumbbells, 20 min", "est_minutes": 19.5, "exercises": []}),
            state.to_json() if status == "in_progress" else None,
            now.isoformat(),
        ],
    )
    db.conn.commit()
    session_id = int(cursor.lastrowid or 0)
    db.close()
    return session_id


def test_plan_today_returns_todays_session(server: Server, now: datetime) -> None:
    assert server.client.get("/v1/plan/today").json() == {"session": None}
    session_id = _plan_session(server, now)
    body = server.client.get("/v1/plan/today").json()["session"]
    assert body["id"] == session_id
    assert body["status"] == "planned"
    assert body["plan"]["title"] == "Dumbbells, 20 min"


def test_chat_carries_the_live_session_position(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    body = server.client.post("/v1/chat", json={"message": "ok"}).json()
    live = body["session"]["live"]
    assert body["session"]["id"] == session_id
    assert live["phase"] == "rest"
    assert live["exercise"] == "Goblet squat"
    assert (live["set_number"], live["sets"], live["target"]) == (2, 3, "8-12")
    assert (live["load"], live["unit"], live["rest_s"]) == (16, "kg", 75)
    assert live["next_exercise"] == "Push-up"


def test_apps_log_sets_into_their_own_session(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="planned")
    response = server.client.post(
        f"/v1/sessions/{session_id}/sets",
        json={
            "exercise_id": "goblet_squat",
            "sets": [{"reps": 10, "load": 35, "unit": "lb"}, {"reps": 9, "load": 35, "unit": "lb"}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["set_ids"]) == 2
    assert body["session"]["sets_logged"] == 2
    rows = server.rows(
        "SELECT set_number, reps, load, unit, load_kg, source FROM set_logs ORDER BY id"
    )
    assert [r[:4] + r[5:] for r in rows] == [(1, 10, 35.0, "lb", "api"), (2, 9, 35.0, "lb", "api")]
    assert all(r[4] == pytest.approx(35 * 0.45359237, abs=0.01) for r in rows)


def test_sets_of_the_exercise_in_play_move_the_live_session(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    response = server.client.post(
        f"/v1/sessions/{session_id}/sets",
        json={"exercise_id": "goblet_squat", "sets": [{"reps": 6, "load": 16}]},
    )
    assert response.status_code == 201
    live = response.json()["session"]["live"]
    # Set 2 of 3 is logged; 6 reps is under the 8-12 range, so the next load comes down.
    assert (live["phase"], live["exercise"], live["set_number"]) == ("rest", "Goblet squat", 3)
    assert live["load"] < 16
    rows = server.rows("SELECT exercise_id, reps, load FROM set_logs")
    assert rows == [("goblet_squat", 6, 16.0)]


def test_sets_of_another_exercise_leave_the_live_session_alone(
    server: Server, now: datetime
) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    before = server.client.get("/v1/plan/today").json()["session"]["live"]
    response = server.client.post(
        f"/v1/sessions/{session_id}/sets",
        json={"exercise_id": "push_up", "sets": [{"reps": 12}]},
    )
    assert response.status_code == 201
    assert response.json()["session"]["live"] == before
    assert server.rows("SELECT exercise_id, source FROM set_logs") == [("push_up", "api")]


@pytest.mark.parametrize(
    "payload",
    [
        {"exercise_id": "goblet_squat", "sets": []},
        {"exercise_id": "goblet_squat", "sets": [{"reps": -1}]},
        {"exercise_id": "goblet_squat", "sets": [{"reps": 5, "load": 20, "unit": "stone"}]},
        {"exercise_id": "", "sets": [{"reps": 5}]},
    ],
)
def test_bad_sets_are_refused(server: Server, now: datetime, payload: dict[str, Any]) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    response = server.client.post(f"/v1/sessions/{session_id}/sets", json=payload)
    assert response.status_code == 422
    assert server.rows("SELECT COUNT(*) FROM set_logs") == [(0,)]


def test_logging_into_a_missing_session_is_a_404(server: Server) -> None:
    response = server.client.post(
        "/v1/sessions/999/sets", json={"exercise_id": "push_up", "sets": [{"reps": 5}]}
    )
    assert response.status_code == 404


def test_history_has_workouts_weeks_and_the_conversation(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    server.client.post(
        f"/v1/sessions/{session_id}/sets",
        json={"exercise_id": "goblet_squat", "sets": [{"reps": 10, "load": 16}]},
    )
    server.client.post("/v1/chat", json={"message": "how am I doing"})
    body = server.client.get("/v1/history", params={"weeks": 4}).json()
    assert len(body["weeks"]) == 4
    assert body["weeks"][-1]["week_start"] == "2026-11-16"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert body["workouts"][0]["session_id"] == session_id
    assert server.client.get("/v1/history", params={"weeks": 0}).status_code == 422


def test_the_openapi_schema_documents_every_route(server: Server) -> None:
    schema = server.client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {
        "/v1/chat",
        "/v1/plan/today",
        "/v1/history",
        "/v1/sessions/{session_id}/sets",
        "/v1/me/export",
        "/v1/me",
    } <= set(paths)
    chat = paths["/v1/chat"]["post"]
    assert {"200", "401", "429", "503"} <= set(chat["responses"])
    assert "text/event-stream" in chat["responses"]["200"]["content"]
    assert "Bearer" in schema["info"]["description"]


def test_the_web_page_and_its_assets_are_served(server: Server) -> None:
    page = server.client.get("/", headers={"Authorization": ""})
    assert page.status_code == 200
    assert 'name="viewport"' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert server.client.get(asset).status_code == 200


def test_logs_are_json_lines_without_message_contents(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "my private words about my knee"
    with caplog.at_level(logging.INFO, logger="coach.server"):
        answered = server.client.post("/v1/chat", json={"message": secret})
        server.client.get("/v1/history")
    records = [r for r in caplog.records if r.name == "coach.server"]
    assert records
    formatter = JsonLogFormatter()
    lines = [json.loads(formatter.format(r)) for r in records]
    chat = next(line for line in lines if line.get("route") == "/v1/chat")
    assert chat["status"] == 200 and chat["method"] == "POST"
    assert chat["user_id"] == server.user_id and chat["duration_ms"] >= 0
    assert answered.headers["X-Request-ID"] == chat["request_id"]
    turn = next(line for line in lines if line.get("event") == "turn")
    assert turn["tier"] == "none" and isinstance(turn["tools"], list)
    assert all(secret not in json.dumps(line) for line in lines)
    assert all(server.token not in json.dumps(line) for line in lines)


def test_export_then_delete_removes_everything_and_the_token(server: Server) -> None:
    server.client.post("/v1/chat", json={"message": "remember that I train at home"})
    export = server.client.get("/v1/me/export")
    assert export.status_code == 200
    data = export.json()
    assert data["users"][0]["id"] == server.user_id
    assert "token_hash" not in data["users"][0]
    assert any(m["content"] == "remember that I train at home" for m in data["messages"])
    deleted = server.client.delete("/v1/me")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    assert server.rows("SELECT COUNT(*) FROM users") == [(0,)]
    assert server.rows("SELECT COUNT(*) FROM messages") == [(0,)]
    assert server.client.get("/v1/history").status_code == 401


def test_skip_rest_then_done_are_server_actions(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    url = f"/v1/sessions/{session_id}/step"
    skipped = server.client.post(url, json={"action": "skip_rest"})
    assert skipped.status_code == 200
    live = skipped.json()["session"]["live"]
    assert (live["phase"], live["set_number"]) == ("set", 2)
    done = server.client.post(url, json={"action": "done"})
    assert done.status_code == 200
    assert done.json()["session"]["sets_logged"] == 1
    assert server.rows("SELECT exercise_id, load FROM set_logs") == [("goblet_squat", 16.0)]
    # Done during a rest ends the rest and logs the set the person just did.
    again = server.client.post(url, json={"action": "done"})
    assert again.json()["session"]["sets_logged"] == 2


def test_too_heavy_moves_the_next_load_down_on_the_server(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    body = server.client.post(
        f"/v1/sessions/{session_id}/step", json={"action": "too_heavy"}
    ).json()
    assert body["session"]["live"]["load"] < 16
    assert body["message"]


def test_actions_on_a_paused_or_missing_session_are_refused(server: Server, now: datetime) -> None:
    session_id = _plan_session(server, now, status="in_progress")
    assert server.client.post("/v1/sessions/999/step", json={"action": "done"}).status_code == 404
    bad = server.client.post(f"/v1/sessions/{session_id}/step", json={"action": "jump"})
    assert bad.status_code == 422
    emergency = server.client.post(
        "/v1/chat", json={"message": "crushing chest pain and my left arm is numb"}
    ).json()
    assert emergency["safety"]["tier"] == "emergency"
    assert emergency["session"]["live"]["paused"] is True
    refused = server.client.post(f"/v1/sessions/{session_id}/step", json={"action": "done"})
    assert refused.status_code == 409
    assert server.rows("SELECT COUNT(*) FROM set_logs") == [(0,)]
    today = server.client.get("/v1/plan/today").json()["session"]
    assert today["live"]["paused"] is True


@pytest.mark.parametrize("huge", [2**63, 2**64 + 5, 10**30])
def test_ids_past_64_bits_are_a_422_never_a_500(server: Server, huge: int) -> None:
    chat = server.client.post("/v1/chat", json={"message": "hi", "conversation_id": huge})
    assert chat.status_code == 422
    sets = server.client.post(f"/v1/sessions/{huge}/sets", json={"exercise": "squat", "sets": []})
    assert sets.status_code == 422


def test_the_warmed_up_heap_is_frozen_while_serving_and_released_after(
    db_path: str, now: datetime
) -> None:
    # Out of the collector's sight while serving (a full collection under load took
    # 130 ms with it, 25 ms without); a process starting many apps gets it back after.
    built = Server(db_path, now)
    assert gc.get_freeze_count() == 0
    with built.client:
        assert gc.get_freeze_count() > 0
        assert built.client.post("/v1/chat", json={"message": "hello"}).status_code == 200
    assert gc.get_freeze_count() == 0


def test_the_gil_changes_hands_sooner_while_serving_and_as_before_after(
    db_path: str, now: datetime
) -> None:
    # A thread woken by a database answer (a red flag's among them) waits less for the GIL
    # behind other people's model steps; a process starting many apps gets its own back.
    before = sys.getswitchinterval()
    built = Server(db_path, now)
    with built.client:
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
        assert built.client.post("/v1/chat", json={"message": "hello"}).status_code == 200
    assert sys.getswitchinterval() == pytest.approx(before)


def test_start_up_runs_a_turn_of_each_kind_on_a_throwaway_database(
    db_path: str, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiers: list[str] = []

    class Recording(Coach):
        def answer(
            self, received: Received, *, read_after: Sequence[tuple[str, list[Any]]] = ()
        ) -> TurnResult:
            result = super().answer(received, read_after=read_after)
            tiers.append(str(result.safety["tier"]))
            return result

    monkeypatch.setattr(api, "Coach", Recording)
    built = Server(db_path, now)
    with built.client:
        # A fixed safety reply's path and a model turn's were run before serving ...
        assert tiers == ["emergency", "none"]
        # ... and nothing of them reached the served database.
        assert built.rows("SELECT name FROM users") == [("ann",)]
        assert built.rows("SELECT COUNT(*) FROM messages") == [(0,)]
