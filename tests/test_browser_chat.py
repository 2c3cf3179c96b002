"""The web chat in a real browser at a phone's size: sign in, plan, start, log, rest.

Drives Debian's headless chromium through Playwright (tests/browser.py); skipped with
the reason when chromium is not installed. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from agent.memory.db import connect
from agent.server.app import create_app
from tests.browser import artifact_path, chromium, live_server
from tests.factories import make_token_user

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE: ViewportSize = {"width": 390, "height": 844}
"""An iPhone 12-14 sized viewport."""

TIMEOUT_MS = 15_000

SEEDED_PLAN = {
    "title": "Dumbbells, 20 minutes",
    "est_minutes": 19.0,
    "exercises": [
        {
            "id": "goblet_squat",
            "name": "Goblet squat",
            "pattern": "squat",
            "equipment": ["dumbbells"],
            "sets": 2,
            "reps": "8-12",
            "rest_s": 60,
            "tags": ["deep_knee_flexion"],
        },
        {
            "id": "db_row",
            "name": "Dumbbell row",
            "pattern": "horizontal_pull",
            "equipment": ["dumbbells"],
            "sets": 2,
            "reps": "8-12",
            "rest_s": 60,
            "tags": [],
        },
    ],
}
"""Today's session in the ``coach plan --json`` shape, as the planner stores it."""


def _sign_in(page: object, base_url: str, token: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(base_url + "/")
    page.fill("#token", token)
    page.click("#sign-in-form button[type=submit]")
    expect(page.locator("#app")).to_be_visible(timeout=TIMEOUT_MS)


def _start(page: object) -> None:
    """From a visible plan card: start the session and finish the warm-up."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.click("#start-session")
    expect(page.locator("#live-card")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#live-phase")).to_contain_text("Warm-up")
    page.click(".quick button[data-action=done]")
    expect(page.locator("#live-set")).to_contain_text("Set 1 of", timeout=TIMEOUT_MS)


def _log_until_rest(page: object, load: str | None, max_sets: int) -> int:
    """Log sets with the form until a rest countdown runs; returns how many it took.

    Paired exercises (supersets) have no rest between the two, so the countdown may only
    come after the partner's set.
    """
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    answers = page.locator("#messages li.assistant")
    for logged in range(1, max_sets + 1):
        before = answers.count()
        page.fill("#log-reps", "10")
        page.fill("#log-load", load or "")
        page.click("#log-set")
        expect(answers).to_have_count(before + 1, timeout=TIMEOUT_MS)
        expect(answers.last).to_contain_text("Logged")
        countdown = page.locator("#rest-countdown")
        if page.locator("#rest").is_visible() and countdown.inner_text() != "0:00":
            expect(countdown).to_have_text(re.compile(r"^\d+:\d\d$"))
            return logged
    raise AssertionError(f"no rest countdown after {max_sets} logged sets")


def test_a_planned_session_from_card_to_rest_countdown(db_path: str, now: datetime) -> None:
    db = connect(db_path)
    user_id, token = make_token_user(db, now, "ann")
    db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, created_at) "
        "VALUES (?, 'planned', ?, ?, 'coach', ?)",
        [user_id, now.date().isoformat(), json.dumps(SEEDED_PLAN), now.isoformat()],
    )
    db.conn.commit()
    db.close()
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        _sign_in(page, base_url, token)
        from playwright.sync_api import expect

        card = page.locator("#plan-card")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Goblet squat")
        expect(card).to_contain_text("Dumbbells, 20 minutes")
        # Whatever is typed is shown as text, never run or rendered as markup.
        page.fill("#chat-input", "<img src=x onerror=\"document.title='pwned'\"> hi")
        page.click("#send")
        expect(page.locator("#messages li.user").last).to_have_text(
            "<img src=x onerror=\"document.title='pwned'\"> hi"
        )
        expect(page.locator("#messages li.assistant")).to_have_count(1, timeout=TIMEOUT_MS)
        assert page.title() == "coachloop"
        _start(page)
        assert _log_until_rest(page, "12", max_sets=1) == 1
        expect(page.locator("#live-set")).to_contain_text("Set 2 of")
        # Nothing on the page is wider than the phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        page.screenshot(path=str(artifact_path("chat-phone-planned.png")), full_page=True)
    db = connect(db_path)
    rows = db.execute("SELECT exercise_id, reps, load, unit FROM set_logs").fetchall()
    db.close()
    assert rows == [("goblet_squat", 10, 12.0, "kg")]


def test_ask_for_a_session_start_it_log_a_set(db_path: str, now: datetime) -> None:
    db = connect(db_path)
    _, token = make_token_user(db, now, "ann")
    db.close()
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with live_server(app) as base_url, chromium() as browser:
        from playwright.sync_api import expect

        page = browser.new_page(viewport=PHONE)
        _sign_in(page, base_url, token)
        page.fill("#chat-input", "Give me a 20-minute dumbbell session")
        page.click("#send")
        answers = page.locator("#messages li.assistant")
        expect(answers).to_have_count(1, timeout=TIMEOUT_MS)
        card = page.locator("#plan-card")
        if not card.is_visible():
            # A new person: the coach may first ask what it does not know yet (the goal).
            page.fill("#chat-input", "general fitness")
            page.click("#send")
            expect(answers).to_have_count(2, timeout=TIMEOUT_MS)
        expect(card).to_be_visible(timeout=TIMEOUT_MS)
        expect(card).to_contain_text("min")
        expect(page.locator("#start-session")).to_be_visible()
        _start(page)
        _log_until_rest(page, None, max_sets=4)
        expect(page.locator("#live-card")).to_be_visible()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifact_path("chat-phone.png")), full_page=False)
