"""The /review pages through HTTP: sign-in, sessions, CSRF, escaping, queue, forms, trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from agent.memory.db import connect
from agent.server.app import create_app
from agent.server.operator_auth import SESSION_TTL, add_operator
from agent.server.review import SESSION_COOKIE, review_router
from safety import review
from tests.factories import make_flagged_conversation, make_token_user, query_rows
from tests.page_forms import csrf_field, sign_in_through_form

PASSWORD = "correct horse battery"
XSS = "<script>alert(1)</script>"


class Clock:
    """A clock a test can move forward."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Site:
    """``create_app`` over a database file with one operator and one flagged conversation."""

    def __init__(self, db_path: str, now: datetime) -> None:
        self.db_path = db_path
        self.clock = Clock(now)
        db = connect(db_path)
        add_operator(db, "sam", PASSWORD, now)
        add_operator(db, "kim", PASSWORD, now)
        self.user_id, self.conversation_id, self.flag_id = make_flagged_conversation(
            db, now, f"I feel dizzy {XSS}", name="Jordan Example"
        )
        self.pseudonym = review.get_flag(db, self.flag_id, now).pseudonym
        _, self.user_token = make_token_user(db, now, "Jordan Example")
        db.close()
        self.app = create_app(db_path, clock=self.clock)
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
    return sign_in_through_form(client, "/review", name, password)


def _review_routes() -> list[tuple[str, str]]:
    router = review_router(lambda: None)
    return [
        (method, route.path)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods or ())
    ]


def test_every_page_and_form_needs_a_signed_in_operator(site: Site) -> None:
    routes = _review_routes()
    assert len(routes) >= 8
    for method, path in routes:
        url = path.replace("{flag_id}", str(site.flag_id))
        if path == "/review/login":
            continue
        response = site.client.request(method, url, data={"csrf_token": "x", "status": "resolved"})
        if method == "GET":
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/review/login?next=")
        else:
            assert response.status_code == 401, url
    assert site.rows("SELECT COUNT(*) FROM flag_events") == [(0,)]


def test_a_coach_users_token_never_opens_the_review_pages(site: Site) -> None:
    bearer = {"Authorization": f"Bearer {site.user_token}"}
    assert site.client.get("/v1/history", headers=bearer).status_code == 200
    assert site.client.get("/review", headers=bearer).status_code == 303
    flag_url = f"/review/flags/{site.flag_id}/resolve"
    assert site.client.post(flag_url, headers=bearer).status_code == 401
    site.client.cookies.set(SESSION_COOKIE, site.user_token, path="/review")
    assert site.client.get("/review").status_code == 303


def test_sign_in_shows_the_queue_with_the_flag_on_top(site: Site) -> None:
    sign_in(site.client)
    page = site.client.get("/review")
    assert page.status_code == 200
    rows = re.findall(r'data-flag-id="(\d+)"', page.text)
    assert rows[0] == str(site.flag_id)
    assert site.pseudonym in page.text
    assert "Jordan" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'none'" in page.headers["content-security-policy"]
    cookie = page.request.headers.get("cookie", "")
    assert SESSION_COOKIE in cookie


def test_the_session_cookie_is_httponly_and_strict(site: Site) -> None:
    form = site.client.get("/review/login")
    response = site.client.post(
        "/review/login", data={"name": "sam", "password": PASSWORD, "csrf_token": _csrf(form.text)}
    )
    set_cookie = response.headers["set-cookie"].lower()
    assert (
        "httponly" in set_cookie
        and "samesite=strict" in set_cookie
        and "path=/review" in set_cookie
    )
    stored = site.rows("SELECT token_hash FROM operator_sessions")
    assert response.cookies[SESSION_COOKIE] not in str(stored)


def test_wrong_passwords_and_forged_sign_ins_are_refused(site: Site) -> None:
    form = site.client.get("/review/login")
    token = _csrf(form.text)
    wrong = site.client.post(
        "/review/login", data={"name": "sam", "password": "not it at all", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    unknown = site.client.post(
        "/review/login", data={"name": "eve", "password": PASSWORD, "csrf_token": _csrf(wrong.text)}
    )
    assert unknown.status_code == 401
    fresh = TestClient(site.app, follow_redirects=False)
    forged = fresh.post(
        "/review/login", data={"name": "sam", "password": PASSWORD, "csrf_token": token}
    )
    assert forged.status_code == 403
    assert SESSION_COOKIE not in forged.cookies


def test_a_post_without_the_sessions_csrf_token_is_refused(site: Site) -> None:
    good = sign_in(site.client)
    url = f"/review/flags/{site.flag_id}/resolve"
    data = {"status": "escalated", "note": "forged"}
    assert site.client.post(url, data=data).status_code == 403
    assert site.client.post(url, data={**data, "csrf_token": "x" + good}).status_code == 403
    other = TestClient(site.app, follow_redirects=False)
    other_token = sign_in(other, "kim")
    assert site.client.post(url, data={**data, "csrf_token": other_token}).status_code == 403
    assert site.rows("SELECT review_status FROM safety_flags WHERE id = ?", [site.flag_id]) == [
        ("open",)
    ]
    done = site.client.post(url, data={**data, "note": "called them", "csrf_token": good})
    assert done.status_code == 303


def test_resolve_from_the_page_and_see_the_audit_entry(site: Site) -> None:
    token = sign_in(site.client)
    url = f"/review/flags/{site.flag_id}"
    response = site.client.post(
        url + "/resolve",
        data={
            "status": "escalated",
            "note": "phoned, advised a doctor",
            "action": "contacted_user",
            "csrf_token": token,
        },
    )
    assert response.headers["location"] == url
    page = site.client.get(url).text
    trail = page[page.index('id="audit-trail"') :]
    assert "phoned, advised a doctor" in trail
    assert re.search(r"<td>sam</td><td>status</td><td>in_review</td><td>escalated</td>", trail)
    assert "<td>action</td><td>-</td><td>contacted_user</td>" in trail.replace(
        "contacted user", "contacted_user"
    )


def test_assign_form_and_refusals_render_on_the_page(site: Site) -> None:
    token = sign_in(site.client)
    url = f"/review/flags/{site.flag_id}"
    assert (
        site.client.post(url + "/assign", data={"operator": "kim", "csrf_token": token}).status_code
        == 303
    )
    flag = site.rows(
        "SELECT review_status, assigned_to FROM safety_flags WHERE id = ?", [site.flag_id]
    )
    assert flag == [("in_review", "kim")]
    refused = site.client.post(
        url + "/resolve", data={"status": "resolved", "note": "", "csrf_token": token}
    )
    assert refused.status_code == 400 and "a note is required" in refused.text
    missing = site.client.get("/review/flags/9999")
    assert missing.status_code == 404


def test_a_transcript_is_shown_as_text(site: Site) -> None:
    sign_in(site.client)
    page = site.client.get(f"/review/flags/{site.flag_id}").text
    assert XSS not in page
    assert "I feel dizzy &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'id="flagged-message"' in page
    assert "Jordan" not in page


def test_sessions_expire_and_sign_out_ends_them(site: Site, now: datetime) -> None:
    token = sign_in(site.client)
    site.clock.now = now + SESSION_TTL + timedelta(seconds=1)
    assert site.client.get("/review").status_code == 303
    assert (
        site.client.post(
            f"/review/flags/{site.flag_id}/assign", data={"csrf_token": token}
        ).status_code
        == 401
    )
    token = sign_in(site.client)  # a fresh session, at the later time
    assert site.client.post("/review/logout", data={"csrf_token": token}).status_code == 303
    assert site.client.get("/review").status_code == 303


def test_sign_in_only_returns_to_review_pages(site: Site) -> None:
    form = site.client.get("/review/login?next=https://evil.example/")
    assert 'value="/review"' in form.text
    response = site.client.post(
        "/review/login",
        data={
            "name": "sam",
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
            "next": "//evil",
        },
    )
    assert response.headers["location"] == "/review"


def test_queue_filters_and_pages(site: Site, now: datetime) -> None:
    db = connect(site.db_path)
    for i in range(27):
        make_flagged_conversation(db, now + timedelta(minutes=i + 1), name=f"p{i}")
    db.close()
    sign_in(site.client)
    first = site.client.get("/review").text
    assert "page 1 of 2" in first and 'rel="next"' in first
    second = site.client.get("/review?status=active&page=2").text
    assert len(re.findall(r'data-flag-id="', second)) == 3
    mine = site.client.get(f"/review?user={site.pseudonym}").text
    assert re.findall(r'data-flag-id="(\d+)"', mine) == [str(site.flag_id)]
    bad = site.client.get("/review?status=nope")
    assert bad.status_code == 400 and "unknown status" in bad.text


def test_the_router_mounts_on_any_app_with_a_database_dependency(
    db_path: str, now: datetime
) -> None:
    db = connect(db_path)
    add_operator(db, "sam", PASSWORD, now)
    _, _, flag_id = make_flagged_conversation(db, now)
    app = FastAPI()
    app.include_router(review_router(lambda: db, get_now=lambda: now))
    client = TestClient(app, follow_redirects=False)
    sign_in(client)
    assert f'data-flag-id="{flag_id}"' in client.get("/review").text
    db.close()


def test_repeated_wrong_passwords_lock_the_name_for_a_while(site: Site, now: datetime) -> None:
    form = site.client.get("/review/login")
    for _ in range(5):
        form = site.client.post(
            "/review/login",
            data={"name": "sam", "password": "guess guess guess", "csrf_token": _csrf(form.text)},
        )
        assert form.status_code == 401
    locked = site.client.post(
        "/review/login", data={"name": "SAM", "password": PASSWORD, "csrf_token": _csrf(form.text)}
    )
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert SESSION_COOKIE not in locked.cookies
    site.clock.now = now + timedelta(minutes=16)
    assert sign_in(site.client)
