"""A user's token reaches only that user's data, on every route the app serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from agent.memory import wearables
from agent.memory.db import connect
from agent.server.app import create_app
from tests.factories import make_token_user
from tests.recovery_data import as_import, hrv

B_MARKERS = ("zebra-violet", "Bo's secret press", "bo-the-other-user")
"""Strings only user B's data contains; none may appear in an answer to user A."""


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) for every route, with included routers flattened."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            # FastAPI keeps included routers lazily; their routes carry the full path.
            for context in route.effective_route_contexts():
                methods = getattr(context.original_route, "methods", None) or {"GET"}
                found.extend((m, context.path) for m in methods if m != "HEAD")
        elif isinstance(route, Mount):
            found.append(("GET", route.path + "/app.js"))
        else:
            methods = getattr(route, "methods", None) or {"GET"}
            found.extend((m, str(getattr(route, "path", ""))) for m in methods if m != "HEAD")
    return sorted(set(found))


class World:
    """Two users with data of every kind; B's data carries unmistakable markers."""

    def __init__(self, db_path: str, now: datetime) -> None:
        db = connect(db_path)
        self.a_id, self.a_token = make_token_user(db, now, "ann")
        self.b_id, self.b_token = make_token_user(db, now, "bo-the-other-user")
        db.close()
        self.db_path = db_path
        self.app = create_app(db_path, clock=lambda: now)
        self.client = TestClient(self.app)
        self.b: dict[str, int] = {}
        for token, who in ((self.a_token, "a"), (self.b_token, "b")):
            words = "zebra-violet" if who == "b" else "plain words"
            chat = self.post(token, "/v1/chat", {"message": f"I train at home, {words}"})
            self.post(token, "/v1/chat", {"message": "did the push-up test, 22"})
            consult = self.client.put(
                "/v1/me/consultation",
                json={"answers": {"goal": f"get stronger, {words}"}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert consult.status_code == 200, consult.text
            self.post(token, "/v1/chat", {"message": f"I feel dizzy and faint, {words}"})
            session_id = self._session(now, who)
            name = "Bo's secret press" if who == "b" else "Ann's press"
            logged = self.post(
                token,
                f"/v1/sessions/{session_id}/sets",
                {"exercise_id": "custom:press", "exercise_name": name, "sets": [{"reps": 5}]},
            )
            assert logged.status_code == 201, logged.text
            if who == "b":
                self.b = {
                    "conversation_id": chat.json()["conversation_id"],
                    "session_id": session_id,
                    "flag_id": self._flag_id(self.b_id),
                }
        # B's watch data, named so that any leak into A's readiness would show.
        db = connect(db_path)
        readings = hrv(now.date(), 70, source="zebra-violet ring")
        wearables.save(db, self.b_id, as_import(readings), now, "zebra-violet.csv")
        db.close()

    def post(self, token: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})

    def _session(self, now: datetime, who: str) -> int:
        db = connect(self.db_path)
        user_id = self.b_id if who == "b" else self.a_id
        cursor = db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, "
            "created_at) VALUES (?, 'planned', ?, ?, 'coach', ?)",
            [user_id, now.date().isoformat(), json.dumps({"title": f"{who} plan"}), "2026"],
        )
        db.conn.commit()
        db.close()
        return int(cursor.lastrowid or 0)

    def _flag_id(self, user_id: int) -> int:
        db = connect(self.db_path)
        row = db.execute("SELECT id FROM safety_flags WHERE user_id = ?", [user_id]).fetchone()
        db.close()
        assert row, "the dizzy message should have raised a flag"
        return int(row[0])

    def request(self, method: str, path: str, token: str | None, with_body: bool = True) -> Any:
        concrete = path.replace("{session_id}", str(self.b["session_id"])).replace(
            "{flag_id}", str(self.b["flag_id"])
        )
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] | None = None
        if with_body and method in {"POST", "PUT"}:
            bodies: dict[str, dict[str, Any]] = {
                "/v1/chat": {"message": "hello", "conversation_id": self.b["conversation_id"]},
                "/v1/sessions/{session_id}/sets": {
                    "exercise_id": "push_up",
                    "sets": [{"reps": 5}],
                },
                "/v1/me/consultation": {"answers": {"goal": "hello"}},
            }
            body = bodies.get(path, {})
        return self.client.request(
            method, concrete, json=body, headers=headers, follow_redirects=False
        )

    def b_rows(self) -> dict[str, int]:
        db = connect(self.db_path)
        counts = {}
        for table in (
            "messages",
            "workout_sessions",
            "set_logs",
            "safety_flags",
            "turns",
            "consultations",
            "assessments",
            "daily_metrics",
        ):
            sql = f"SELECT COUNT(*) FROM {table} WHERE user_id = ?"
            counts[table] = int(db.execute(sql, [self.b_id]).fetchone()[0])
        db.close()
        return counts


@pytest.fixture
def world(db_path: str, now: datetime) -> Iterator[World]:
    built = World(db_path, now)
    with built.client:
        yield built


def test_the_walk_covers_every_api_route(world: World) -> None:
    routes = all_routes(world.app)
    api = {(m, p) for m, p in routes if p.startswith("/v1")}
    assert api == {
        ("POST", "/v1/chat"),
        ("GET", "/v1/plan/today"),
        ("GET", "/v1/history"),
        ("POST", "/v1/sessions/{session_id}/sets"),
        ("GET", "/v1/me/export"),
        ("DELETE", "/v1/me"),
        ("GET", "/v1/me/consultation"),
        ("PUT", "/v1/me/consultation"),
        ("GET", "/v1/me/assessments"),
        ("GET", "/v1/me/progress"),
        ("GET", "/v1/me/progress.html"),
        ("POST", "/v1/import"),
        ("GET", "/v1/readiness"),
        ("GET", "/v1/plan/week"),
        ("POST", "/v1/trainer/accept"),
        ("GET", "/v1/trainer"),
        ("DELETE", "/v1/trainer"),
        ("POST", "/v1/trainer/messages"),
    }
    documented = set(world.app.openapi()["paths"])
    assert {p for _, p in api} <= documented


def test_every_v1_route_needs_a_valid_token(world: World) -> None:
    for method, path in all_routes(world.app):
        if not path.startswith("/v1"):
            continue
        for token in (None, "cl_not-a-real-token", world.a_token + "x"):
            response = world.request(method, path, token)
            assert response.status_code == 401, (method, path, token)
            assert response.headers["WWW-Authenticate"] == "Bearer"
    for scheme in ("Basic " + world.a_token, world.a_token, "Bearer"):
        response = world.client.get("/v1/history", headers={"Authorization": scheme})
        assert response.status_code == 401


def test_user_a_never_sees_user_b_on_any_route(world: World) -> None:
    before = world.b_rows()
    walked = 0
    # DELETE /v1/me goes last: it removes A, and B must survive it.
    for method, path in sorted(all_routes(world.app), key=lambda r: r[0] == "DELETE"):
        response = world.request(method, path, world.a_token)
        text = response.text
        for marker in B_MARKERS:
            assert marker not in text, (method, path)
        if "{session_id}" in path or "/v1/chat" == path:
            # B's ids in A's request: refused as unknown, never served or written to.
            assert response.status_code == 404, (method, path, text)
        if path.startswith("/review"):
            # A coach user's bearer token opens no operator page.
            assert response.status_code in {303, 401, 403} or "sign in" in text.lower(), path
        walked += 1
    assert walked >= 15
    assert world.b_rows() == before
    b_history = world.client.get(
        "/v1/history", headers={"Authorization": f"Bearer {world.b_token}"}
    ).text
    assert "zebra-violet" in b_history


def test_a_users_answers_carry_their_own_data(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.a_token}"}
    history = world.client.get("/v1/history", headers=headers).json()
    assert any("plain words" in m["content"] for m in history["messages"])
    export = world.client.get("/v1/me/export", headers=headers).json()
    assert {row["user_id"] for row in export["messages"]} == {world.a_id}
    assert {row["user_id"] for row in export["set_logs"]} == {world.a_id}
