"""The console's records read from what the features store: recovery data, assessments."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from agent.coaching import assessments, attention, consultation
from agent.coaching.client_records import StoredRecords, default_records
from agent.memory import wearables
from tests.factories import make_user
from tests.recovery_data import as_import, hrv, replace_last
from tests.trainer_factories import make_client, make_trainer


def _hits(db: sqlite_utils.Database, trainer_id: int, now: datetime) -> dict[str, str]:
    found = attention.needs_attention(db, trainer_id, now, default_records())
    return {h.rule_id: h.reason for h in found}


def test_the_console_reads_the_stored_records() -> None:
    assert isinstance(default_records(), StoredRecords)


def test_an_overdue_retest_fires_assessment_due_with_its_date(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now - timedelta(days=60))
    user_id = make_client(db, now - timedelta(days=60))
    taken = now - timedelta(days=assessments.DEFAULT_INTERVAL_DAYS + 10)
    assessments.record(db, user_id, "resting_hr", 64, taken)
    due_on = (taken + timedelta(days=assessments.DEFAULT_INTERVAL_DAYS)).date()
    reason = _hits(db, trainer_id, now)["assessment_due"]
    assert reason == f"reassessment Resting heart rate overdue since {due_on.isoformat()}."
    # Retested today: nothing is due any more.
    assessments.record(db, user_id, "resting_hr", 61, now)
    assert "assessment_due" not in _hits(db, trainer_id, now)


def test_a_run_of_low_recovery_days_fires_readiness_low(
    db: sqlite_utils.Database, now: datetime
) -> None:
    trainer_id = make_trainer(db, now - timedelta(days=80))
    user_id = make_client(db, now - timedelta(days=80))
    today = now.date()
    steady = hrv(today, 70)
    wearables.save(db, user_id, as_import(steady), now, "oura.csv")
    assert "readiness_low" not in _hits(db, trainer_id, now)
    dropping = replace_last(steady, today, 7, [56, 53, 50, 48, 46, 44, 42])
    wearables.save(db, user_id, as_import(dropping), now, "oura.csv")
    days = StoredRecords().readiness(db, user_id, today - timedelta(days=2), today)
    assert [d.band for d in days] == ["low", "low", "low"]
    first = (today - timedelta(days=2)).isoformat()
    reason = _hits(db, trainer_id, now)["readiness_low"]
    assert reason == f"readiness low 3 days in a row ({first} to {today.isoformat()})."


def test_readiness_while_calibrating_has_no_band(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now, "new")
    today = now.date()
    wearables.save(db, user_id, as_import(hrv(today, 5)), now, "oura.csv")
    assert StoredRecords().readiness(db, user_id, today - timedelta(days=3), today) == []


def test_consultation_lines_keep_the_persons_words_and_what_is_left(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now, "cal")
    records = StoredRecords()
    assert records.consultation(db, user_id, now.date()) == []
    consultation.save_form(
        db, user_id, {"goal": "get stronger", "goal_target": "20 push-ups by June"}, now
    )
    lines = {line.topic: line.answer for line in records.consultation(db, user_id, now.date())}
    assert "get stronger" in lines.values()
    assert "20 push-ups by June" in lines.values()
    assert lines["SMART goal"].endswith("(not agreed yet)")
    assert lines["Status"].startswith("in progress, ")
