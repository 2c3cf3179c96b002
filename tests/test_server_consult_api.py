"""The consultation form, assessments and progress report over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.test_coaching_consultation import FORM_ANSWERS
from tests.test_server_api import Server


@pytest.fixture
def server(db_path: str, now: datetime) -> Iterator[Server]:
    built = Server(db_path, now)
    with built.client:
        yield built


def test_the_form_saves_over_two_visits_and_completes(server: Server) -> None:
    empty = server.client.get("/v1/me/consultation").json()
    assert empty["record"] is None and len(empty["questions"]) == len(FORM_ANSWERS)
    items = list(FORM_ANSWERS.items())
    first = server.client.put("/v1/me/consultation", json={"answers": dict(items[:10])})
    assert first.status_code == 200 and first.json()["record"]["status"] == "in_progress"
    # Visit two: the page loads what was saved, then the rest is filled.
    saved = server.client.get("/v1/me/consultation").json()["record"]
    assert saved["next_question"] == items[10][0]
    done = server.client.put("/v1/me/consultation", json={"answers": dict(items[10:])}).json()
    assert done["record"]["status"] == "complete" and done["record"]["goal_agreed"]
    profile = server.rows(
        "SELECT goal, days_per_week FROM profiles WHERE user_id = ?", [server.user_id]
    )
    assert profile == [("strength", 3)]


def test_bad_form_input_is_refused_clearly(server: Server) -> None:
    unknown = server.client.put("/v1/me/consultation", json={"answers": {"shoe": "44"}})
    assert unknown.status_code == 422 and "unknown consultation fields: shoe" in unknown.text
    long = server.client.put("/v1/me/consultation", json={"answers": {"goal": "x" * 2001}})
    assert long.status_code == 422
    unclear = server.client.put("/v1/me/consultation", json={"answers": {"age": "old"}}).json()
    assert unclear["record"]["unclear"] == ["age"]


def test_routes_need_the_token(server: Server) -> None:
    for path in (
        "/v1/me/consultation",
        "/v1/me/assessments",
        "/v1/me/progress",
        "/v1/me/progress.html",
    ):
        assert server.client.get(path, headers={"Authorization": ""}).status_code == 401


def test_assessments_and_progress(server: Server) -> None:
    server.client.put("/v1/me/consultation", json={"answers": FORM_ANSWERS})
    server.client.post("/v1/chat", json={"message": "did the push-up test, 17"})
    results = server.client.get("/v1/me/assessments").json()
    assert results["results"][0]["value"] == 17
    assert results["results"][0]["rating"]["category"] == "very_good"
    report = server.client.get("/v1/me/progress").json()
    assert report["goal"]["latest"] == 17 and report["tests"][0]["test_id"] == "pushup"
    page = server.client.get("/v1/me/progress.html")
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "Push-up test" in page.text


def test_pages_are_served_with_their_policy(server: Server) -> None:
    form = server.client.get("/consult", headers={"Authorization": ""})
    assert form.status_code == 200 and 'data-question="PARQ-7"' in form.text
    assert "script-src 'self'" in form.headers["content-security-policy"]
    shell = server.client.get("/progress", headers={"Authorization": ""})
    assert shell.status_code == 200 and "report-frame" in shell.text
    assert (
        "'unsafe-inline'"
        not in shell.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    )
