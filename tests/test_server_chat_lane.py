"""The chat lane: a plain POST /v1/chat answered before the router, exactly as the router would.

Each case sends the same request twice, once as the lane takes it and once with a query
string (``?stream=false``, which changes nothing in the answer but sends the request
through FastAPI's router), each for a person of their own, and compares status, headers
and body. A spy on the lane says which path each request took.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.errors import ModelError
from agent.memory.db import connect
from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, say
from agent.server import api, chat_lane
from agent.server.app import JsonLogFormatter, create_app
from tests.factories import make_token_user

ROUTER = "/v1/chat?stream=false"
"""The same route with a query string: the lane leaves it to the router."""

_IDS = ("turn_id", "conversation_id")
"""Ids that differ between two people's otherwise identical answers."""


class Lanes:
    """A server with two people: one's request takes the lane, the other's the router."""

    def __init__(self, db_path: str, now: datetime, model: Any = None, **options: Any) -> None:
        db = connect(db_path)
        self.lane_user, self.lane_token = make_token_user(db, now, "lane")
        self.router_user, self.router_token = make_token_user(db, now, "router")
        self.other_user, self.other_token = make_token_user(db, now, "other")
        db.close()
        self.db_path = db_path
        self.app = create_app(
            db_path, model=model, clock=lambda: now, operator_auth=False, **options
        )
        self.client = TestClient(self.app)

    def both(
        self, content: bytes, headers: dict[str, str] | None = None, *, token: str | None = None
    ) -> tuple[Any, Any]:
        """The request through the lane and through the router (each as its own person)."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        lane = self.client.post(
            "/v1/chat",
            content=content,
            headers={"Authorization": f"Bearer {token or self.lane_token}", **sent},
        )
        router = self.client.post(
            ROUTER,
            content=content,
            headers={"Authorization": f"Bearer {token or self.router_token}", **sent},
        )
        return lane, router


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each request the lane looked at: True when it answered it, False when it passed it on."""
    seen: list[bool] = []
    original: Callable[[bytes], api.ChatRequest | None] = chat_lane._chat_request

    def spy(raw: bytes) -> api.ChatRequest | None:
        body = original(raw)
        seen.append(body is not None)
        return body

    monkeypatch.setattr(chat_lane, "_chat_request", spy)
    return seen


@pytest.fixture
def lanes(db_path: str, now: datetime) -> Iterator[Lanes]:
    built = Lanes(db_path, now)
    with built.client:
        yield built


def _same(lane: Any, router: Any) -> None:
    """Same status, same headers (but the request id), same body (but the person's ids)."""
    assert lane.status_code == router.status_code
    assert _headers(lane) == _headers(router)
    if lane.headers.get("content-type") == "application/json":
        assert _without_ids(lane.json()) == _without_ids(router.json())
    else:
        assert _events(lane.text) == _events(router.text)


def _events(text: str) -> list[tuple[str, Any]]:
    """Server-Sent Events as (name, data), the person's ids left out of the data."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], _without_ids(json.loads(lines["data"]))))
    return events


def _headers(response: Any) -> dict[str, str]:
    return {
        k: v for k, v in response.headers.items() if k not in {"x-request-id", "content-length"}
    }


def _without_ids(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if k not in _IDS}
    return body


def test_an_ordinary_message_is_answered_by_the_lane_as_by_the_router(
    lanes: Lanes, taken: list[bool]
) -> None:
    lane, router = lanes.both(json.dumps({"message": "hello coach, I train at home"}).encode())
    assert taken == [True]
    assert lane.status_code == 200 and lane.json()["reply"]
    _same(lane, router)
    stored = lanes.client.post(
        "/v1/chat",
        json={"message": "and tomorrow"},
        headers={"Authorization": f"Bearer {lanes.lane_token}"},
    ).json()
    assert stored["conversation_id"] == lane.json()["conversation_id"]


def test_a_red_flag_gets_the_same_emergency_reply(lanes: Lanes, taken: list[bool]) -> None:
    lane, router = lanes.both(json.dumps({"message": "I have crushing chest pain"}).encode())
    assert taken == [True]
    assert lane.json()["safety"]["tier"] == "emergency"
    _same(lane, router)


def test_a_streamed_answer_asked_by_accept_or_body_is_the_same(
    lanes: Lanes, taken: list[bool]
) -> None:
    by_accept = lanes.both(
        json.dumps({"message": "hi there"}).encode(), {"Accept": "text/event-stream"}
    )
    by_body = lanes.both(json.dumps({"message": "hi again", "stream": True}).encode())
    assert taken == [True, True]
    for lane, router in (by_accept, by_body):
        assert lane.headers["content-type"].startswith("text/event-stream")
        _same(lane, router)


@pytest.mark.parametrize(
    ("token", "status"), [("not-a-token", 401), ("", 401)], ids=["bad token", "no token"]
)
def test_a_refused_token_is_the_routers_401(lanes: Lanes, token: str, status: int) -> None:
    lane, router = lanes.both(json.dumps({"message": "hello"}).encode(), token=token or " ")
    assert lane.status_code == status
    assert lane.headers["www-authenticate"] == "Bearer"
    _same(lane, router)


def test_someone_elses_conversation_is_the_routers_404(lanes: Lanes, taken: list[bool]) -> None:
    theirs = lanes.client.post(
        "/v1/chat",
        json={"message": "hello"},
        headers={"Authorization": f"Bearer {lanes.other_token}"},
    ).json()["conversation_id"]
    lane, router = lanes.both(json.dumps({"message": "hi", "conversation_id": theirs}).encode())
    assert lane.status_code == 404
    _same(lane, router)
    assert taken[-1] is True


def test_an_unusable_message_is_the_routers_400(lanes: Lanes) -> None:
    lane, router = lanes.both(json.dumps({"message": "\x00\x01"}).encode())
    assert lane.status_code == 400
    _same(lane, router)


def test_the_rate_limit_is_the_routers_429(db_path: str, now: datetime) -> None:
    limited = Lanes(db_path, now, rate_capacity=1, rate_per_second=0.01)
    with limited.client:
        limited.both(json.dumps({"message": "hello"}).encode())
        lane, router = limited.both(json.dumps({"message": "hello again"}).encode())
    assert lane.status_code == 429
    assert int(lane.headers["retry-after"]) >= 1
    _same(lane, router)


def test_a_model_failure_is_the_same_503_with_the_message_kept(
    db_path: str, now: datetime, taken: list[bool]
) -> None:
    def broken(_: list[dict[str, Any]]) -> AssistantMessage:
        raise ModelError("upstream timed out")

    failing = Lanes(db_path, now, model=ScriptedModel([broken, broken, say("unused")]))
    with failing.client:
        lane, router = failing.both(json.dumps({"message": "plan my week please"}).encode())
    assert taken == [True]
    assert lane.status_code == 503 and lane.json()["message_saved"] is True
    _same(lane, router)


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"{not json", {}),
        (b'["a list"]', {}),
        (b'{"message": ""}', {}),
        (b'{"message": "hi", "conversation_id": "abc"}', {}),
        (b'{"message": "hi", "conversation_id": 99999999999999999999}', {}),
        (b'{"message": "hi"}', {"Content-Type": "text/plain"}),
        (b'{"message": "hi"}', {"Content-Type": "application/vnd.coach+json"}),
    ],
    ids=[
        "not json",
        "not an object",
        "empty message",
        "bad id",
        "id past 64 bits",
        "plain text",
        "json subtype",
    ],
)
def test_what_the_lane_does_not_take_is_answered_by_the_router(
    lanes: Lanes, content: bytes, headers: dict[str, str]
) -> None:
    lane, router = lanes.both(content, headers)
    _same(lane, router)
    assert lane.status_code != 500


def test_the_access_log_names_the_route_for_a_lane_request(
    lanes: Lanes, taken: list[bool], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="coach.server"):
        answered = lanes.client.post(
            "/v1/chat",
            json={"message": "hello coach"},
            headers={"Authorization": f"Bearer {lanes.lane_token}"},
        )
    assert taken == [True]
    formatter = JsonLogFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "coach.server"]
    request = next(line for line in lines if line.get("event") == "request")
    assert request["route"] == "/v1/chat" and request["status"] == 200
    assert request["user_id"] == lanes.lane_user
    assert answered.headers["x-request-id"] == request["request_id"]


def test_other_routes_never_meet_the_lane(lanes: Lanes, taken: list[bool]) -> None:
    headers = {"Authorization": f"Bearer {lanes.lane_token}"}
    assert lanes.client.get("/v1/plan/today", headers=headers).status_code == 200
    assert lanes.client.get("/v1/chat", headers=headers).status_code == 405
    assert taken == []
