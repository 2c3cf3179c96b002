"""The trainer console in a real browser, on a phone and a desktop viewport.

A trainer signs in, opens "needs attention", opens the client flagged for missed
sessions, drafts a check-in, approves one proposed change and rejects another; the
client's next plan then shows only the approved change. A second trainer gets 404 on
that client's pages and JSON routes. Screenshots go to ``test-artifacts/``.
Skipped, with the reason, where /usr/bin/chromium is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from agent.memory.db import connect
from agent.models.scripted import ScriptedModel
from agent.server.app import create_app
from tests.browser import artifact_path, chromium, live_server
from tests.factories import make_token_user
from tests.trainer_factories import PASSWORD, make_client, make_trainer, skip, train

pytestmark = pytest.mark.browser

VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}


@dataclass
class Site:
    base_url: str
    ann_id: int
    ann_token: str


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(db_path: str, now: datetime) -> Iterator[Site]:
    db = connect(db_path)
    earlier = now - timedelta(days=40)
    make_trainer(db, earlier, "sam")
    make_trainer(db, earlier, "kim")
    ann_id, token = make_token_user(db, earlier, "ann")
    make_client(db, earlier, "sam", "ann")
    make_client(db, earlier, "kim", "bo")
    today = now.date()
    train(db, ann_id, [today - timedelta(days=d) for d in (27, 25, 23, 20, 18, 16, 2)])
    skip(db, ann_id, today - timedelta(days=6), "work travel")
    skip(db, ann_id, today - timedelta(days=4), "kid was sick")
    db.close()
    app = create_app(db_path, model=ScriptedModel([]), clock=lambda: now)
    with live_server(app) as base_url:
        yield Site(base_url, ann_id, token)


def _sign_in(page: Page, site: Site, name: str) -> None:
    page.goto(site.base_url + "/trainer")
    expect(page).to_have_url(f"{site.base_url}/trainer/login?next=%2Ftrainer")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(site.base_url + "/trainer")
    expect(page.locator("#trainer-name")).to_have_text(name)


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_review_a_missed_sessions_client_and_decide_the_check_in(
    browser: Browser, site: Site, device: str
) -> None:
    page = browser.new_page(viewport=VIEWPORTS[device])
    _sign_in(page, site, "sam")
    row = page.locator('tr.attention-row[data-rule="missed_sessions"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ann")
    expect(row).to_contain_text("Missed sessions")
    page.screenshot(path=str(artifact_path(f"trainer-{device}-attention.png")), full_page=True)
    row.locator("a").click()
    expect(page).to_have_url(f"{site.base_url}/trainer/clients/{site.ann_id}")
    expect(page.locator("#client-name")).to_have_text("ann")
    expect(page.locator("#trends")).to_contain_text("skipped (work travel)")

    page.click("#draft-checkin")
    fewer = page.locator('li.change[data-kind="fewer_days"]')
    shorter = page.locator('li.change[data-kind="shorter_sessions"]')
    expect(fewer).to_contain_text("work travel")
    expect(shorter).to_have_attribute("data-status", "proposed")
    page.screenshot(path=str(artifact_path(f"trainer-{device}-checkin.png")), full_page=True)
    fewer.locator("button[value=approve]").click()
    expect(fewer).to_have_attribute("data-status", "approved")
    shorter.locator("button[value=reject]").click()
    expect(shorter).to_have_attribute("data-status", "rejected")
    expect(page.locator("#audit")).to_contain_text("trainer.change_approved")
    expect(page.locator("#audit")).to_contain_text("trainer.change_rejected")
    expect(page.locator("#thread")).to_contain_text("Plan changed by sam: fewer days")
    page.screenshot(path=str(artifact_path(f"trainer-{device}-decided.png")), full_page=True)

    # The client's next plan: two days (approved), full-length sessions (rejected).
    response = page.request.get(
        site.base_url + "/v1/plan/week?which=next",
        headers={"Authorization": f"Bearer {site.ann_token}"},
    )
    assert response.ok
    week = response.json()
    assert week["days_per_week"] == 2
    assert len(week["days"]) == 2
    trainer_lines = [r for r in week["reasons"] if r.startswith("Your trainer")]
    assert trainer_lines == [
        line for line in trainer_lines if "Your trainer sam changed this: 2 training days" in line
    ]
    assert len(trainer_lines) == 1
    assert all(day["est_minutes"] > 30 for day in week["days"])
    page.close()


def test_a_second_trainer_gets_404_on_the_clients_pages(browser: Browser, site: Site) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    _sign_in(page, site, "kim")
    expect(page.locator("#attention")).not_to_contain_text("ann")
    for path in (f"/trainer/clients/{site.ann_id}", f"/trainer/api/clients/{site.ann_id}"):
        response = page.goto(site.base_url + path)
        assert response is not None
        assert response.status == 404, path
    expect(page.locator("body")).not_to_contain_text("work travel")
    page.screenshot(path=str(artifact_path("trainer-second-trainer-404.png")), full_page=True)
    context.close()
