"""The readiness card in a real browser: band, drivers and the HRV chart match the API.

Drives Debian's headless chromium through Playwright (tests/browser.py); skipped with
the reason when chromium is not installed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from agent.coaching.readiness import readiness_payload
from agent.memory import wearables
from agent.memory.db import connect
from agent.server.app import create_app
from tests.browser import artifact_path, chromium, live_server
from tests.factories import make_token_user
from tests.recovery_data import as_import, hrv, replace_last, steady

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 15_000
DATA = Path(__file__).parent / "data" / "import"


def test_the_readiness_chart_shows_what_the_api_says(db_path: str, now: datetime) -> None:
    from playwright.sync_api import expect

    db = connect(db_path)
    user_id, token = make_token_user(db, now, "ann")
    today = now.date()
    readings = replace_last(hrv(today, 70), today, 7, [56, 53, 50, 48, 46, 44, 42])
    readings += steady("resting_hr", today, 70, 52, 1.0)
    wearables.save(db, user_id, as_import(readings), now, "oura.csv")
    expected = readiness_payload(db, user_id, today)
    db.close()
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(base_url + "/")
        page.fill("#token", token)
        page.click("#sign-in-form button[type=submit]")
        band = page.locator("#readiness-band")
        expect(band).to_have_text("Low: a lighter day", timeout=TIMEOUT_MS)
        drivers = page.locator("#readiness-drivers li")
        expect(drivers).to_have_text(expected["drivers"])
        expect(page.locator("#readiness-effect")).to_have_text(expected["effect"])
        days_with_hrv = sum(1 for d in expected["chart"] if d["hrv"] is not None)
        expect(page.locator("#readiness-chart circle.hrv-day")).to_have_count(days_with_hrv)
        expect(page.locator("#hrv-range")).to_have_count(1)
        expect(page.locator("#hrv-rolling")).to_have_count(1)
        expect(page.locator("#resting-line")).to_have_count(1)
        shown = page.evaluate(
            "async () => (await fetch('/v1/readiness', {headers: {Authorization: "
            "'Bearer ' + localStorage.getItem('coachloop.token')}})).json()"
        )
        assert shown == expected  # JSON numbers: 52.0 arrives as 52, equal in Python
        page.set_input_files("#import-file", str(DATA / "track_hr.gpx"))
        page.click("#import-send")
        expect(page.locator("#import-result")).to_contain_text(
            "track_hr.gpx: 0 daily values added", timeout=TIMEOUT_MS
        )
        page.locator("#readiness-card").screenshot(path=str(artifact_path("readiness.png")))
