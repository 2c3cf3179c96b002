"""Every needs-attention rule on scripted histories: fires with its reason, else stays quiet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.coaching import attention
from agent.coaching import compliance as comp
from agent.coaching import trainers as service
from agent.coaching.client_records import AssessmentDue, NoRecordsYet, ReadinessDay
from agent.memory import trainers as trainer_store
from agent.memory.db import connect, transaction
from tests.trainer_factories import at, make_client, make_trainer, planned_not_done, skip, train


@dataclass
class Scripted(NoRecordsYet):
    """Readiness and assessments as another feature would store them."""

    bands: dict[date, str]
    due: list[AssessmentDue]

    def readiness(
        self, db: sqlite_utils.Database, user_id: int, first: date, last: date
    ) -> list[ReadinessDay]:
        return [ReadinessDay(d, b) for d, b in sorted(self.bands.items()) if first <= d <= last]

    def assessments_due(
        self, db: sqlite_utils.Database, user_id: int, today: date
    ) -> list[AssessmentDue]:
        return self.due


def _hits(
    db: sqlite_utils.Database, trainer_id: int, now: datetime, records: NoRecordsYet | None = None
) -> dict[str, str]:
    found = attention.needs_attention(db, trainer_id, now, records or NoRecordsYet())
    return {h.rule_id: h.reason for h in found}


@pytest.fixture
def linked(db: sqlite_utils.Database, now: datetime) -> tuple[int, int]:
    trainer_id = make_trainer(db, now - timedelta(days=60))
    user_id = make_client(db, now - timedelta(days=60))
    return trainer_id, user_id


def _days_ago(now: datetime, *days: int) -> list[date]:
    return [now.date() - timedelta(days=d) for d in days]


def test_the_shipped_rules_parse_and_cover_every_kind() -> None:
    rules = attention.parse_rules(attention.default_rules_text())
    kinds = {r.kind for r in rules.rules}
    assert kinds == {
        "safety_flag",
        "missed_sessions",
        "compliance_drop",
        "readiness_low",
        "assessment_due",
        "message_waiting",
    }


def test_a_steady_client_needs_no_attention(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    train(db, user_id, _days_ago(now, 27, 25, 23, 20, 18, 16, 13, 11, 9, 6, 4, 2))
    assert _hits(db, trainer_id, now) == {}


def test_two_missed_sessions_fire_with_the_days_and_reasons(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    train(db, user_id, _days_ago(now, 27, 25, 23, 20, 18, 16, 13, 11, 9, 2))
    skip(db, user_id, now.date() - timedelta(days=6), "work travel")
    planned_not_done(db, user_id, now.date() - timedelta(days=4))
    reason = _hits(db, trainer_id, now)["missed_sessions"]
    assert reason.startswith("2 missed sessions in 14 days")
    assert "(work travel)" in reason
    assert (now.date() - timedelta(days=4)).strftime("%d %b") in reason


def test_one_missed_session_is_not_enough(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    skip(db, user_id, now.date() - timedelta(days=3), "tired")
    assert "missed_sessions" not in _hits(db, trainer_id, now)


def test_missed_sessions_on_holiday_do_not_count(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    skip(db, user_id, now.date() - timedelta(days=6), None)
    skip(db, user_id, now.date() - timedelta(days=5), None)
    service.set_status(
        db,
        trainer_id,
        user_id,
        "holiday",
        now.date() - timedelta(days=7),
        now.date() - timedelta(days=3),
        "Lisbon",
        now,
    )
    assert "missed_sessions" not in _hits(db, trainer_id, now)


def test_compliance_down_twenty_points_fires(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    # Six of six expected days in the two weeks before, three of six in the last two.
    train(db, user_id, _days_ago(now, 27, 25, 23, 20, 18, 16, 12, 8, 3))
    reason = _hits(db, trainer_id, now)["compliance_drop"]
    assert reason.startswith("compliance 100% -> 50% (down 50 points)")


def test_a_small_dip_in_compliance_does_not_fire(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    train(db, user_id, _days_ago(now, 27, 25, 23, 20, 18, 16, 12, 10, 8, 5, 3))
    assert "compliance_drop" not in _hits(db, trainer_id, now)


def test_a_holiday_is_not_a_compliance_drop(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    # Three a week before the holiday, and back on schedule (two in four days) after it.
    train(db, user_id, _days_ago(now, 27, 25, 23, 20, 18, 16, 3, 1))
    service.set_status(
        db,
        trainer_id,
        user_id,
        "holiday",
        now.date() - timedelta(days=14),
        now.date() - timedelta(days=5),
        "",
        now,
    )
    assert "compliance_drop" not in _hits(db, trainer_id, now)


def _flag(db: sqlite_utils.Database, user_id: int, when: datetime, tier: str, lock: int) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO safety_flags (user_id, tier, signals, rule_ids, excerpt, lock_active, "
            "review_status, created_at, updated_at) VALUES (?, ?, ?, '[]', 'x', ?, 'open', ?, ?)",
            [user_id, tier, '["dizziness"]', lock, when.isoformat(), when.isoformat()],
        )


def test_a_recent_safety_flag_fires_with_tier_label_and_review(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    _flag(db, user_id, now - timedelta(days=2), "stop", 1)
    reason = _hits(db, trainer_id, now)["safety_flag"]
    assert "stop flag" in reason
    assert "dizziness" in reason
    assert "review open" in reason
    assert "plan is locked" in reason


def test_an_old_cleared_flag_does_not_fire(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    _flag(db, user_id, now - timedelta(days=40), "caution", 0)
    assert "safety_flag" not in _hits(db, trainer_id, now)


def test_readiness_low_three_days_in_a_row_fires(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, _ = linked
    today = now.date()
    low = Scripted({today - timedelta(days=i): "low" for i in (1, 2, 3)}, [])
    assert "3 days in a row" in _hits(db, trainer_id, now, low)["readiness_low"]
    broken = Scripted({today - timedelta(days=1): "low", today - timedelta(days=2): "high",
                       today - timedelta(days=3): "low"}, [])  # fmt: skip
    assert "readiness_low" not in _hits(db, trainer_id, now, broken)


def test_assessment_due_fires_within_the_horizon_only(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, _ = linked
    today = now.date()
    soon = Scripted({}, [AssessmentDue("movement screen", today + timedelta(days=3))])
    assert "movement screen due" in _hits(db, trainer_id, now, soon)["assessment_due"]
    overdue = Scripted({}, [AssessmentDue("push-up test", today - timedelta(days=2))])
    assert "overdue since" in _hits(db, trainer_id, now, overdue)["assessment_due"]
    later = Scripted({}, [AssessmentDue("movement screen", today + timedelta(days=30))])
    assert "assessment_due" not in _hits(db, trainer_id, now, later)


def test_a_client_message_waits_until_the_trainer_answers(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    service.client_message(db, user_id, "can we move Thursday?", now - timedelta(hours=3))
    assert "waiting since" in _hits(db, trainer_id, now)["message_waiting"]
    service.send_message(db, trainer_id, user_id, "sure, Friday works", now - timedelta(hours=1))
    assert "message_waiting" not in _hits(db, trainer_id, now)


def test_tuned_rules_change_what_fires(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    skip(db, user_id, now.date() - timedelta(days=3), "tired")
    assert "missed_sessions" not in _hits(db, trainer_id, now)
    tuned = attention.default_rules_text().replace("min_missed: 2", "min_missed: 1")
    attention.save_rules(db, trainer_id, tuned, now)
    assert "1 missed sessions" in _hits(db, trainer_id, now)["missed_sessions"]
    off = tuned.replace("    min_missed: 1", "    min_missed: 1\n    enabled: false")
    attention.save_rules(db, trainer_id, off, now)
    assert "missed_sessions" not in _hits(db, trainer_id, now)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules: [", "not valid YAML"),
        ("rules:\n  - {id: x, kind: nope, title: X}", "rules.0"),
        (
            "rules:\n  - {id: x, kind: missed_sessions, title: X, min_missed: 0, window_days: 14}",
            "min_missed",
        ),
        (
            "rules:\n"
            "  - {id: x, kind: message_waiting, title: X, min_hours: 1}\n"
            "  - {id: x, kind: message_waiting, title: Y, min_hours: 2}",
            "own id",
        ),
    ],
)
def test_bad_rules_are_refused_with_the_place(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int], text: str, problem: str
) -> None:
    trainer_id, _ = linked
    with pytest.raises(attention.RulesError, match=problem):
        attention.save_rules(db, trainer_id, text, now)
    assert trainer_store.rules_yaml(db, trainer_id) is None


def test_attention_lists_only_the_trainers_own_clients(
    db: sqlite_utils.Database, now: datetime, linked: tuple[int, int]
) -> None:
    trainer_id, user_id = linked
    other = make_trainer(db, now, "kim")
    skip(db, user_id, now.date() - timedelta(days=3), None)
    skip(db, user_id, now.date() - timedelta(days=2), None)
    assert "missed_sessions" in _hits(db, trainer_id, now)
    assert _hits(db, other, now) == {}


@settings(max_examples=40, deadline=None)
@given(
    trained=st.sets(st.integers(min_value=1, max_value=28), max_size=28),
    per_week=st.integers(min_value=1, max_value=7),
    holiday=st.tuples(st.integers(min_value=1, max_value=28), st.integers(0, 10)),
)
def test_compliance_is_a_share_and_holidays_never_lower_it(
    trained: set[int], per_week: int, holiday: tuple[int, int]
) -> None:
    db = connect(":memory:")
    now = at(date(2026, 11, 16))
    trainer_id = make_trainer(db, now)
    user_id = make_client(db, now, days_per_week=per_week)
    train(db, user_id, [now.date() - timedelta(days=d) for d in trained])
    first, last = now.date() - timedelta(days=28), now.date() - timedelta(days=1)
    before = comp.compliance(db, user_id, first, last)
    assert before.rate is None or 0.0 <= before.rate <= 1.0
    start = now.date() - timedelta(days=holiday[0])
    service.set_status(
        db, trainer_id, user_id, "holiday", start, start + timedelta(days=holiday[1]), "", now
    )
    after = comp.compliance(db, user_id, first, last)
    assert after.done == before.done
    assert after.expected <= before.expected
    if before.rate is not None and after.rate is not None:
        assert after.rate >= before.rate
    db.close()
