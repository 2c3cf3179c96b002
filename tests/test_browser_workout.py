"""The web workout follows the server, on a phone-sized page.

Skip rest is a server action, so the next Done logs the set; after an emergency reply the
workout card shows that training is paused (no timer, no set buttons); re-opening the
page shows the same true state. Drives Debian's headless chromium (tests/browser.py);
skipped with the reason when it is not installed.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from agent.memory.db import connect
from agent.server.app import create_app
from tests.browser import artifact_path, chromium, live_server
from tests.factories import make_token_user
from tests.test_browser_chat import PHONE, SEEDED_PLAN, TIMEOUT_MS, _sign_in, _start

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _seed(db_path: str, now: datetime) -> str:
    db = connect(db_path)
    user_id, token = make_token_user(db, now, "ann")
    db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, created_at) "
        "VALUES (?, 'planned', ?, ?, 'coach', ?)",
        [user_id, now.date().isoformat(), json.dumps(SEEDED_PLAN), now.isoformat()],
    )
    db.conn.commit()
    db.close()
    return token


def _sets(db_path: str) -> list[tuple[str, int, float | None]]:
    db = connect(db_path)
    rows = db.execute("SELECT exercise_id, reps, load FROM set_logs ORDER BY id").fetchall()
    db.close()
    return [(str(r[0]), int(r[1]), r[2]) for r in rows]


def test_skip_rest_then_done_logs_the_set(db_path: str, now: datetime) -> None:
    token = _seed(db_path, now)
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with live_server(app) as base_url, chromium() as browser:
        from playwright.sync_api import expect

        page = browser.new_page(viewport=PHONE)
        _sign_in(page, base_url, token)
        _start(page)
        page.fill("#log-reps", "10")
        page.fill("#log-load", "12")
        page.click("#log-set")
        expect(page.locator("#rest")).to_be_visible(timeout=TIMEOUT_MS)
        page.click("#rest-skip")
        # The server ended the rest: the card shows the next set, with no countdown.
        expect(page.locator("#rest")).to_be_hidden(timeout=TIMEOUT_MS)
        expect(page.locator("#live-set")).to_contain_text("Set 2 of", timeout=TIMEOUT_MS)
        answers = page.locator("#messages li.assistant")
        before = answers.count()
        page.click(".quick button[data-action=done]")
        # Done logged set 2 on the server, which says so and starts the next rest.
        expect(answers).to_have_count(before + 1, timeout=TIMEOUT_MS)
        expect(answers.last).to_contain_text("Logged")
        expect(page.locator("#rest")).to_be_visible(timeout=TIMEOUT_MS)
        page.screenshot(path=str(artifact_path("workout-phone-skip-done.png")), full_page=True)
        # Re-opening the page shows the server's state, not what the page remembered.
        page.reload()
        expect(page.locator("#live-card")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#live-phase")).not_to_contain_text("Warm-up")
    sets = _sets(db_path)
    assert len(sets) == 2, sets
    assert sets[0] == ("goblet_squat", 10, 12.0)
    assert sets[1][0] == "goblet_squat"


def test_an_emergency_mid_workout_pauses_the_card(db_path: str, now: datetime) -> None:
    token = _seed(db_path, now)
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with live_server(app) as base_url, chromium() as browser:
        from playwright.sync_api import expect

        page = browser.new_page(viewport=PHONE)
        _sign_in(page, base_url, token)
        _start(page)
        page.fill("#log-reps", "10")
        page.fill("#log-load", "12")
        page.click("#log-set")
        expect(page.locator("#rest")).to_be_visible(timeout=TIMEOUT_MS)
        answers = page.locator("#messages li.assistant")
        before = answers.count()
        page.fill("#chat-input", "crushing pain in my chest and my left arm is numb")
        page.click("#send")
        expect(answers).to_have_count(before + 1, timeout=TIMEOUT_MS)
        expect(page.locator("#live-paused")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#rest")).to_be_hidden()
        expect(page.locator("#live-buttons")).to_be_hidden()
        expect(page.locator("#log-form")).to_be_hidden()
        expect(page.locator("#live-phase")).to_have_text("Training paused")
        page.screenshot(path=str(artifact_path("workout-phone-paused.png")), full_page=True)
        # The same after re-opening the page: the server holds the pause.
        page.reload()
        expect(page.locator("#live-paused")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#rest")).to_be_hidden()
    assert len(_sets(db_path)) == 1
