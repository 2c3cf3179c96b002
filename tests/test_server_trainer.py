"""The /trainer pages and JSON routes, and the client's /v1 trainer routes, through HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from agent.coaching import assessments, consultation
from agent.coaching import trainers as service
from agent.memory import checkins
from agent.memory.db import connect
from agent.models.scripted import ScriptedModel
from agent.server.app import create_app
from agent.server.trainer import trainer_router
from tests.factories import make_token_user, query_rows
from tests.page_forms import csrf_field, sign_in_through_form
from tests.trainer_factories import PASSWORD, make_client, make_trainer, skip, train

XSS = "<script>alert(1)</script>"
FORM_FIELDS = {
    "action": "approve",
    "text": "hi",
    "status": "injured",
    "template_id": "1",
    "starts_on": "2026-11-23",
}
"""Every field any trainer form reads, so each POST gets past validation to the access check."""


class Site:
    """Two trainers: sam coaches ann (two missed sessions), kim coaches bo."""

    def __init__(self, db_path: str, now: datetime) -> None:
        self.db_path = db_path
        self.now = now
        db = connect(db_path)
        earlier = now - timedelta(days=40)
        make_trainer(db, earlier, "sam")
        make_trainer(db, earlier, "kim")
        self.ann_id, self.ann_token = make_token_user(db, earlier, "ann")
        make_client(db, earlier, "sam", "ann")
        self.bo_id = make_client(db, earlier, "kim", "bo")
        today = now.date()
        train(db, self.ann_id, [today - timedelta(days=d) for d in (27, 25, 23, 20, 18, 16, 2)])
        skip(db, self.ann_id, today - timedelta(days=6), f"work travel {XSS}")
        skip(db, self.ann_id, today - timedelta(days=4), "kid was sick")
        db.close()
        self.app = create_app(db_path, model=ScriptedModel([]), clock=lambda: now)
        self.client = TestClient(self.app, follow_redirects=False)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[Any]:
        return query_rows(self.db_path, sql, params)


@pytest.fixture
def site(db_path: str, now: datetime) -> Iterator[Site]:
    built = Site(db_path, now)
    with built.client:
        yield built


_csrf = csrf_field


def sign_in(client: TestClient, name: str = "sam", password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    return sign_in_through_form(client, "/trainer", name, password)


def _second_client(site: Site) -> TestClient:
    return TestClient(site.app, follow_redirects=False)


def _draft(site: Site, csrf: str) -> dict[str, int]:
    response = site.client.post(
        f"/trainer/api/clients/{site.ann_id}/checkins", headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200, response.text
    return {c["kind"]: c["id"] for c in response.json()["changes"]}


def test_pages_need_a_session_and_forms_a_csrf_token(site: Site) -> None:
    response = site.client.get(f"/trainer/clients/{site.ann_id}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/trainer/login?next=")
    assert site.client.post(f"/trainer/clients/{site.ann_id}/checkins").status_code == 401
    assert site.client.get("/trainer/api/clients").status_code == 401
    csrf = sign_in(site.client)
    assert site.client.post(f"/trainer/clients/{site.ann_id}/checkins").status_code == 403
    bad = {"csrf_token": "nope"}
    assert site.client.post(f"/trainer/clients/{site.ann_id}/notes", data=bad).status_code == 403
    api = f"/trainer/api/clients/{site.ann_id}/checkins"
    assert site.client.post(api).status_code == 403
    assert site.client.post(api, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_sign_in_refuses_wrong_passwords_and_throttles(site: Site) -> None:
    form = site.client.get("/trainer/login")
    token = _csrf(form.text)
    missing = site.client.post("/trainer/login", data={"name": "sam", "password": PASSWORD})
    assert missing.status_code == 403
    for _ in range(5):
        wrong = site.client.post(
            "/trainer/login",
            data={"name": "sam", "password": "wrong password", "csrf_token": token},
        )
        assert wrong.status_code == 401
        token = _csrf(wrong.text)  # each sign-in page carries a fresh token
    blocked = site.client.post(
        "/trainer/login", data={"name": "sam", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text


def test_operator_and_user_credentials_do_not_open_trainer_pages(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.ann_token}"}
    assert site.client.get("/trainer/api/clients", headers=headers).status_code == 401
    site.client.cookies.set("coach_operator", "anything", path="/trainer")
    assert site.client.get("/trainer").status_code == 303


def test_needs_attention_lists_the_missed_sessions_with_reasons_escaped(site: Site) -> None:
    sign_in(site.client)
    page = site.client.get("/trainer")
    assert page.status_code == 200
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert f'data-rule="missed_sessions" data-client-id="{site.ann_id}"' in page.text
    assert "2 missed sessions in 14 days" in page.text
    assert XSS not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "bo" not in re.findall(r">(\w+)</a>", page.text)
    data = site.client.get("/trainer/api/attention").json()
    assert {(i["client"], i["rule_id"]) for i in data["items"]} >= {("ann", "missed_sessions")}


def test_the_client_page_shows_every_section(site: Site) -> None:
    sign_in(site.client)
    page = site.client.get(f"/trainer/clients/{site.ann_id}")
    assert page.status_code == 200
    for section in ("profile", "status", "program", "week", "trends", "assessments", "flags",
                    "checkin", "thread", "audit"):  # fmt: skip
        assert f'id="{section}"' in page.text, section
    assert 'aria-label="Sessions per week"' in page.text
    assert XSS not in page.text
    assert site.client.get("/trainer/clients/99999").status_code == 404
    view = site.client.get(f"/trainer/api/clients/{site.ann_id}").json()
    assert view["name"] == "ann"
    assert view["compliance"] is not None


def test_a_second_trainer_gets_404_on_every_client_route(site: Site) -> None:
    csrf = sign_in(site.client)
    changes = _draft(site, csrf)
    drafted = site.rows(
        "SELECT id FROM trainer_messages WHERE user_id = ? AND status = 'draft'", [site.ann_id]
    )[0][0]
    other = _second_client(site)
    other_csrf = sign_in(other, "kim")
    ids = {
        "user_id": site.ann_id,
        "change_id": changes["fewer_days"],
        "message_id": drafted,
    }
    routes = [
        r
        for r in trainer_router(lambda: None).routes
        if isinstance(r, APIRoute) and "{user_id}" in r.path
    ]
    assert len(routes) == 14
    for route in routes:
        path = route.path.format(**ids)
        for method in route.methods or ():
            if method == "GET":
                response = other.get(path)
            elif path.startswith("/trainer/api"):
                body = {"action": "approve"} if "changes" in path else {"action": "send"}
                if path.endswith("/status"):
                    body = {"status": "injured"}
                response = other.post(path, json=body, headers={"X-CSRF-Token": other_csrf})
            else:
                form = {**FORM_FIELDS, "csrf_token": other_csrf}
                response = other.post(path, data=form)
            assert response.status_code == 404, (method, path, response.status_code)
            assert "ann" not in response.text
    # Nothing changed: the change is still proposed, the link stands, no status, no note.
    assert site.rows("SELECT status FROM checkin_changes WHERE id = ?", [ids["change_id"]]) == [
        ("proposed",)
    ]
    assert site.rows("SELECT status FROM trainer_messages WHERE id = ?", [drafted]) == [("draft",)]
    assert site.rows("SELECT COUNT(*) FROM client_statuses") == [(0,)]
    assert site.rows("SELECT COUNT(*) FROM trainer_notes") == [(0,)]
    assert site.rows(
        "SELECT status FROM trainer_links WHERE user_id = ? AND status = 'active'", [site.ann_id]
    ) == [("active",)]
    # Kim's own client works for kim, and is 404 for sam.
    assert other.get(f"/trainer/clients/{site.bo_id}").status_code == 200
    assert site.client.get(f"/trainer/clients/{site.bo_id}").status_code == 404
    assert site.client.get(f"/trainer/api/clients/{site.bo_id}").status_code == 404


def test_approve_one_reject_another_and_the_client_sees_only_the_approved(site: Site) -> None:
    csrf = sign_in(site.client)
    site.client.post(f"/trainer/clients/{site.ann_id}/checkins", data={"csrf_token": csrf})
    changes = {
        row[1]: row[0]
        for row in site.rows(
            "SELECT id, kind FROM checkin_changes WHERE user_id = ?", [site.ann_id]
        )
    }
    base = f"/trainer/clients/{site.ann_id}/changes"
    approve = site.client.post(
        f"{base}/{changes['fewer_days']}", data={"csrf_token": csrf, "action": "approve"}
    )
    assert approve.status_code == 303
    reject = site.client.post(
        f"{base}/{changes['shorter_sessions']}", data={"csrf_token": csrf, "action": "reject"}
    )
    assert reject.status_code == 303
    again = site.client.post(
        f"{base}/{changes['shorter_sessions']}", data={"csrf_token": csrf, "action": "approve"}
    )
    assert again.status_code == 400
    assert "already rejected" in again.text
    bearer = {"Authorization": f"Bearer {site.ann_token}"}
    week = site.client.get("/v1/plan/week?which=next", headers=bearer).json()
    assert week["days_per_week"] == 2
    trainer_lines = [r for r in week["reasons"] if r.startswith("Your trainer")]
    assert len(trainer_lines) == 1
    assert "Your trainer sam changed this: 2 training days a week" in trainer_lines[0]
    audit = site.rows("SELECT actor, action FROM audit_log WHERE action LIKE 'trainer.change_%'")
    assert audit == [("trainer:sam", "trainer.change_approved"), ("trainer:sam",
                     "trainer.change_rejected")]  # fmt: skip


def test_drafted_messages_reach_the_client_only_after_sending(site: Site) -> None:
    csrf = sign_in(site.client)
    _draft(site, csrf)
    bearer = {"Authorization": f"Bearer {site.ann_token}"}
    assert site.client.get("/v1/trainer", headers=bearer).json() == {
        "trainer": "sam",
        "messages": [],
    }
    drafted = site.rows("SELECT id FROM trainer_messages WHERE status = 'draft'")[0][0]
    sent = site.client.post(
        f"/trainer/clients/{site.ann_id}/messages/{drafted}",
        data={"csrf_token": csrf, "action": "send", "text": f"See you Monday {XSS}"},
    )
    assert sent.status_code == 303
    messages = site.client.get("/v1/trainer", headers=bearer).json()["messages"]
    assert [m["text"] for m in messages] == [f"See you Monday {XSS}"]
    page = site.client.get(f"/trainer/clients/{site.ann_id}")
    assert "See you Monday &lt;script&gt;" in page.text
    reply = site.client.post("/v1/trainer/messages", headers=bearer, json={"text": "thanks"})
    assert reply.status_code == 200
    assert "message_waiting" in [
        i["rule_id"] for i in site.client.get("/trainer/api/attention").json()["items"]
    ]


def test_the_client_accepts_an_invite_on_the_web_and_can_end_the_link(site: Site) -> None:
    db = connect(site.db_path)
    code = service.create_invite(db, "kim", site.now)
    _, token = make_token_user(db, site.now, "cy")
    db.close()
    bearer = {"Authorization": f"Bearer {token}"}
    assert site.client.get("/v1/trainer", headers=bearer).json()["trainer"] is None
    bad = site.client.post("/v1/trainer/accept", headers=bearer, json={"code": "tr-nothing"})
    assert bad.status_code == 400
    ok = site.client.post("/v1/trainer/accept", headers=bearer, json={"code": code})
    assert ok.json()["trainer"] == "kim"
    kim = _second_client(site)
    sign_in(kim, "kim")
    cy_id = site.rows("SELECT id FROM users WHERE name = 'cy'")[0][0]
    assert kim.get(f"/trainer/clients/{cy_id}").status_code == 200
    assert site.client.delete("/v1/trainer", headers=bearer).status_code == 200
    assert kim.get(f"/trainer/clients/{cy_id}").status_code == 404
    assert site.client.delete("/v1/trainer", headers=bearer).status_code == 404


def test_the_trainer_unlinks_and_loses_access_at_once(site: Site) -> None:
    csrf = sign_in(site.client)
    response = site.client.post(f"/trainer/clients/{site.ann_id}/unlink", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert site.client.get(f"/trainer/clients/{site.ann_id}").status_code == 404
    assert site.client.get(f"/trainer/api/clients/{site.ann_id}").status_code == 404


def test_status_form_sets_a_holiday_that_pauses_next_week(site: Site) -> None:
    csrf = sign_in(site.client)
    monday = site.now.date() - timedelta(days=site.now.weekday()) + timedelta(days=7)
    response = site.client.post(
        f"/trainer/clients/{site.ann_id}/status",
        data={"csrf_token": csrf, "status": "holiday", "starts_on": monday.isoformat(),
              "ends_on": (monday + timedelta(days=6)).isoformat(), "note": XSS},
    )  # fmt: skip
    assert response.status_code == 303
    bad = site.client.post(
        f"/trainer/clients/{site.ann_id}/status",
        data={"csrf_token": csrf, "status": "holiday", "starts_on": "next tuesday"},
    )
    assert bad.status_code == 400
    assert "must be a date" in bad.text
    bearer = {"Authorization": f"Bearer {site.ann_token}"}
    week = site.client.get("/v1/plan/week?which=next", headers=bearer).json()
    assert week["days"] == []
    page = site.client.get(f"/trainer/clients/{site.ann_id}")
    assert XSS not in page.text


def test_templates_are_built_edited_assigned_and_private(site: Site) -> None:
    csrf = sign_in(site.client)
    built = site.client.post(
        "/trainer/templates",
        data={"csrf_token": csrf, "name": f"Base {XSS}", "weeks": "2", "days_per_week": "3",
              "minutes": "40", "equipment": "dumbbells, bench"},
    )  # fmt: skip
    assert built.status_code == 303
    template_url = built.headers["location"]
    page = site.client.get(template_url)
    assert page.status_code == 200
    assert XSS not in page.text
    broken = site.client.post(template_url, data={"csrf_token": csrf, "text": "name: ["})
    assert broken.status_code == 400
    assert "not valid YAML" in broken.text
    template_id = int(template_url.rsplit("/", 1)[1])
    assigned = site.client.post(
        f"/trainer/clients/{site.ann_id}/program",
        data={"csrf_token": csrf, "template_id": str(template_id), "starts_on": "2026-11-23"},
    )
    assert assigned.status_code == 303
    kim = _second_client(site)
    kim_csrf = sign_in(kim, "kim")
    assert kim.get(template_url).status_code == 404
    assert kim.post(template_url, data={"csrf_token": kim_csrf, "text": "x"}).status_code == 404
    stolen = kim.post(
        f"/trainer/clients/{site.bo_id}/program",
        data={"csrf_token": kim_csrf, "template_id": str(template_id), "starts_on": "2026-11-23"},
    )
    assert stolen.status_code == 404
    assert site.rows("SELECT user_id FROM program_assignments") == [(site.ann_id,)]


def test_rules_page_saves_checked_rules_and_refuses_bad_ones(site: Site) -> None:
    csrf = sign_in(site.client)
    page = site.client.get("/trainer/rules")
    assert "min_missed: 2" in page.text
    bad = site.client.post("/trainer/rules", data={"csrf_token": csrf, "text": f"rules: {XSS}"})
    assert bad.status_code == 400
    assert XSS not in bad.text
    tuned = page.text.split('id="rules-text">', 1)[1].split("</textarea>", 1)[0]
    tuned = tuned.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
    tuned = tuned.replace("min_missed: 2", "min_missed: 3")
    assert (
        site.client.post("/trainer/rules", data={"csrf_token": csrf, "text": tuned}).status_code
        == 303
    )
    items = site.client.get("/trainer/api/attention").json()["items"]
    assert "missed_sessions" not in [i["rule_id"] for i in items]


def test_sign_out_ends_the_session(site: Site) -> None:
    csrf = sign_in(site.client)
    assert site.client.post("/trainer/logout", data={"csrf_token": csrf}).status_code == 303
    assert site.client.get("/trainer/api/clients").status_code == 401
    db = connect(site.db_path)
    assert checkins.latest_draft_id(db, site.ann_id) is None
    db.close()


def test_the_client_page_shows_the_consultation_and_assessments(
    db_path: str, now: datetime
) -> None:
    db = connect(db_path)
    earlier = now - timedelta(days=40)
    make_trainer(db, earlier, "sam")
    user_id = make_client(db, earlier, "sam", "cal")
    consultation.save_form(
        db, user_id, {"goal": "get stronger", "barriers": "long work shifts"}, earlier
    )
    assessments.record(db, user_id, "pushup", 14, earlier)
    assessments.record(db, user_id, "pushup", 18, now - timedelta(days=2))
    db.close()
    app = create_app(db_path, model=ScriptedModel([]), clock=lambda: now)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client)
        page = client.get(f"/trainer/clients/{user_id}").text
    assert "No consultation recorded." not in page
    assert "get stronger" in page and "long work shifts" in page
    assert "No assessments recorded." not in page
    newest = (now - timedelta(days=2)).date().isoformat()
    assert re.search(rf"{newest} Push-up[^:]*: 18 ", page)
    assert f"+4 since {earlier.date().isoformat()}, better" in page
