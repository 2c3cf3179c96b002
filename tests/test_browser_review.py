"""The review pages in a real browser: Debian's headless chromium driven by Playwright.

Skipped, with the reason, where /usr/bin/chromium is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from agent.memory.db import connect
from agent.models.scripted import ScriptedModel
from agent.server.app import create_app
from agent.server.operator_auth import add_operator
from safety import screen
from tests.browser import artifact_path, chromium, live_server
from tests.factories import make_flagged_conversation

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
XSS = "<script>alert(1)</script>"
DIZZY_SIGNALS = ", ".join(s.label for s in screen("I feel dizzy").signals)


@dataclass
class Site:
    base_url: str
    dizzy_flag: int
    other_flag: int


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(db_path: str, now: datetime) -> Iterator[Site]:
    db = connect(db_path)
    add_operator(db, "sam", PASSWORD, now)
    # The dizzy turn is the oldest stop flag, so it tops the queue; the later one carries
    # markup a person typed, which must reach the operator as text.
    _, _, dizzy = make_flagged_conversation(db, now, "I feel dizzy", name="ann")
    _, _, other = make_flagged_conversation(
        db, now + timedelta(minutes=5), f"dizzy again {XSS}", name="bo", before=(XSS,)
    )
    db.close()
    app = create_app(db_path, model=ScriptedModel([]))
    with live_server(app) as base_url:
        yield Site(base_url, dizzy, other)


def _sign_in(page: Page, site: Site) -> None:
    page.goto(site.base_url + "/review")
    expect(page).to_have_url(f"{site.base_url}/review/login?next=%2Freview")
    page.fill("input[name=name]", "sam")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(site.base_url + "/review")


def test_sign_in_open_the_dizzy_conversation_and_escalate_it(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    _sign_in(page, site)
    expect(page.locator("#operator-name")).to_have_text("sam")
    top = page.locator("tr.flag-row").first
    expect(top).to_have_attribute("data-flag-id", str(site.dizzy_flag))
    expect(top).to_contain_text(DIZZY_SIGNALS)
    top.locator("a").click()
    flag_url = f"{site.base_url}/review/flags/{site.dizzy_flag}"
    expect(page).to_have_url(flag_url)
    flagged = page.locator("#flagged-message")
    expect(flagged).to_contain_text("I feel dizzy")
    expect(flagged).to_contain_text("FLAGGED MESSAGE")
    expect(page.locator("#signals")).to_have_text(DIZZY_SIGNALS)

    page.select_option("#resolve-form select[name=status]", "escalated")
    page.select_option("#resolve-form select[name=action]", "contacted_user")
    page.fill("#resolve-form textarea[name=note]", "Phoned them; passed to the lead coach.")
    page.click("#resolve-form button[type=submit]")
    expect(page).to_have_url(flag_url)
    expect(page.locator("h1")).to_contain_text("escalated")
    last = page.locator("#audit-trail tr.event").filter(has_text="escalated")
    expect(last).to_contain_text("sam")
    expect(last).to_contain_text("Phoned them; passed to the lead coach.")
    page.screenshot(path=str(artifact_path("review-conversation.png")), full_page=True)


def test_a_typed_script_tag_is_shown_as_text_and_never_runs(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    _sign_in(page, site)
    expect(page.locator(f"tr[data-flag-id='{site.other_flag}']")).to_contain_text(XSS)
    page.goto(f"{site.base_url}/review/flags/{site.other_flag}")
    expect(page.locator("#flagged-message")).to_contain_text(f"dizzy again {XSS}")
    expect(page.locator("#transcript .msg.role-user").first).to_contain_text(XSS)
    assert page.locator("main script").count() == 0
    assert dialogs == []


def test_without_signing_in_the_browser_lands_on_the_sign_in_page(
    browser: Browser, site: Site
) -> None:
    page = browser.new_page()
    page.goto(f"{site.base_url}/review/flags/{site.dizzy_flag}")
    expect(page.locator("h1")).to_have_text("Operator sign-in")
    expect(page.locator("body")).not_to_contain_text("dizzy")
