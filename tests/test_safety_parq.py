"""PAR-Q+ at intake: seven questions, any yes -> caution flag and a clearance note."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlite_utils

from safety import parq
from tests.factories import make_user


def test_seven_questions_with_ids_and_text() -> None:
    questions = parq.questions()
    assert [q.id for q in questions] == [f"PARQ-{n}" for n in range(1, 8)]
    assert all(q.text.endswith("?") and q.topic for q in questions)


def test_all_no_is_recorded_without_a_flag(db: sqlite_utils.Database, now: datetime) -> None:
    user, _ = make_user(db, now)
    result = parq.record_answers(db, user, {q.id: False for q in parq.questions()}, now)
    assert not result.clearance_recommended and result.flag_id is None
    assert result.recommendation is None
    assert db["parq_answers"].count == 7 and db["safety_flags"].count == 0
    assert not parq.clearance_recommended(db, user)


def test_any_yes_records_a_caution_flag_and_recommends_clearance(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user, conversation = make_user(db, now)
    answers = {q.id: q.id in ("PARQ-1", "PARQ-6") for q in parq.questions()}
    result = parq.record_answers(db, user, answers, now, conversation_id=conversation)
    assert result.yes == ["PARQ-1", "PARQ-6"] and result.clearance_recommended
    assert result.recommendation is not None and "vigorous" in result.recommendation
    flag = db.execute(
        "SELECT tier, source, lock_active FROM safety_flags WHERE id = ?", [result.flag_id]
    ).fetchone()
    assert tuple(flag) == ("caution", "parq", 0)
    assert parq.clearance_recommended(db, user)
    assert parq.latest_answers(db, user)["PARQ-6"] is True


def test_unknown_or_missing_answers_are_refused(db: sqlite_utils.Database, now: datetime) -> None:
    user, _ = make_user(db, now)
    with pytest.raises(parq.ParqError, match="unanswered"):
        parq.record_answers(db, user, {"PARQ-1": True}, now)
    with pytest.raises(parq.ParqError, match="unknown"):
        parq.record_answers(db, user, {"PARQ-99": True}, now)
    assert db["parq_answers"].count == 0
