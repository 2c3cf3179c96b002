"""The consultation form over two visits on a phone, and the progress report page.

Drives Debian's headless chromium through Playwright (tests/browser.py); skipped with
the reason when chromium is not installed. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from agent.coaching import assessments
from agent.memory.db import connect
from agent.server.app import create_app
from tests.browser import artifact_path, chromium, live_server
from tests.factories import make_token_user
from tests.test_coaching_consultation import FORM_ANSWERS

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


def _fill(page: Page, answers: dict[str, str]) -> None:
    from playwright.sync_api import expect

    for question_id, text in answers.items():
        field = page.locator(f"#q-{question_id}")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(text)
        else:
            field.fill(text)
    saved = re.compile(r"^(Saved\.|All done: your consultation is complete\.)$")
    expect(page.locator("#save-state")).to_have_text(saved, timeout=TIMEOUT_MS)


def test_form_over_two_visits_then_the_progress_report(db_path: str, now: datetime) -> None:
    from playwright.sync_api import expect

    db = connect(db_path)
    user_id, token = make_token_user(db, now - timedelta(weeks=6), "pia")
    db.close()
    app = create_app(db_path, clock=lambda: now, operator_auth=False, rate_capacity=200)
    items = list(FORM_ANSWERS.items())
    with live_server(app) as base_url, chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        # Visit one: sign in, answer the first half, leave.
        page.goto(base_url + "/consult")
        page.fill("#token", token)
        page.click("#sign-in-form button[type=submit]")
        expect(page.locator("#consult-form")).to_be_visible(timeout=TIMEOUT_MS)
        _fill(page, dict(items[:8]))
        expect(page.locator("#goal-draft")).to_contain_text("20 push-ups", timeout=TIMEOUT_MS)
        page.close()
        # Visit two, later: what was saved is there, the rest gets filled.
        page = context.new_page()
        page.goto(base_url + "/consult")
        expect(page.locator("#consult-form")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#q-goal")).to_have_value(FORM_ANSWERS["goal"], timeout=TIMEOUT_MS)
        expect(page.locator("#q-goal_agreed")).to_have_value("yes")
        expect(page.locator("#progress-count")).to_have_text(f"8 of {len(items)} answered.")
        page.screenshot(path=str(artifact_path("consult-phone-second-visit.png")), full_page=True)
        _fill(page, dict(items[8:]))
        expect(page.locator("#save-state")).to_contain_text("complete", timeout=TIMEOUT_MS)
        # Two push-up tests five weeks apart, then the report page.
        db = connect(db_path)
        assessments.record(db, user_id, "pushup", 12, now - timedelta(weeks=5))
        assessments.record(db, user_id, "pushup", 17, now)
        db.close()
        page.goto(base_url + "/progress")
        report = page.frame_locator("#report-frame").locator("#progress-report")
        expect(report).to_contain_text("Push-up test", timeout=TIMEOUT_MS)
        expect(report).to_contain_text("very good")
        page.locator("#report-frame").evaluate("f => { f.style.height = '2000px'; }")
        page.screenshot(path=str(artifact_path("progress-report-phone.png")), full_page=True)
        href = page.locator("#download").get_attribute("href", timeout=TIMEOUT_MS)
        assert href is not None and href.startswith("blob:")
        context.close()
