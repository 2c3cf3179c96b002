"""Assessments: every norm boundary, exclusions, reported results, reassessment."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from agent.coaching import assessments, consultation
from agent.coaching.assessment_reports import parse_report
from agent.memory import store
from agent.models.offline import OfflineModel
from tests.factories import make_coach, make_user

_CASES = [
    (table.test, band, rank, lowest)
    for table in assessments.norm_tables().values()
    for band in table.bands
    for rank, lowest in enumerate(band.min)
]


@pytest.mark.parametrize(("test_id", "band", "rank", "lowest"), _CASES)
def test_every_band_boundary(
    test_id: str, band: assessments.NormBand, rank: int, lowest: float
) -> None:
    table = assessments.norm_tables()[test_id]
    for age in band.age:  # both ends of the age band
        at = assessments.rate(test_id, lowest, age=age, sex=band.sex)
        assert at.rank == rank and at.category == table.categories[rank]
        assert at.band == f"{band.sex} {band.age[0]}-{band.age[1]}"
        if rank < len(band.min) - 1:  # one below the lowest score falls a category
            below = assessments.rate(test_id, lowest - 1, age=age, sex=band.sex)
            assert below.rank == rank + 1


@pytest.mark.parametrize(
    ("test_id", "value", "age", "sex", "category"),
    [
        # Cells read straight from the published tables (data/norms/*.yaml sources).
        ("pushup", 36, 25, "male", "excellent"),
        ("pushup", 35, 29, "male", "very_good"),
        ("pushup", 16, 20, "male", "needs_improvement"),
        ("pushup", 22, 42, "female", "very_good"),
        ("pushup", 4, 45, "female", "needs_improvement"),
        ("pushup", 12, 65, "female", "very_good"),
        ("chair_stand", 11, 62, "female", "below_range"),
        ("chair_stand", 14, 62, "male", "within_range"),
        ("chair_stand", 20, 64, "male", "above_range"),
        ("chair_stand", 7, 92, "male", "within_range"),
    ],
)
def test_published_cells(test_id: str, value: float, age: int, sex: str, category: str) -> None:
    assert assessments.rate(test_id, value, age=age, sex=sex).category == category


def test_age_bands_do_not_overlap_or_leave_gaps() -> None:
    for table in assessments.norm_tables().values():
        for sex in ("female", "male"):
            bands = sorted(b.age for b in table.bands if b.sex == sex)
            assert all(b[0] <= b[1] for b in bands)
            assert all(nxt[0] == prev[1] + 1 for prev, nxt in itertools.pairwise(bands))
            # Category minimums strictly fall from best to worst.
            for band in (b for b in table.bands if b.sex == sex):
                assert band.min == sorted(band.min, reverse=True) and len(set(band.min)) == len(
                    band.min
                )
                assert len(band.min) == len(table.categories)


def test_unverified_and_unknown_are_not_rated_and_say_why() -> None:
    step = assessments.rate("step_test", 100, age=30, sex="male")
    assert step.category is None and "none was verified" in step.note
    no_sex = assessments.rate("pushup", 20, age=30, sex=None)
    assert no_sex.category is None and "age and sex" in no_sex.note
    too_old = assessments.rate("pushup", 20, age=75, sex="male")
    assert too_old.category is None and "no band" in too_old.note
    # Every test has a table or a stated reason.
    for test_id in assessments.catalog():
        assert test_id in assessments.norm_tables() or test_id in assessments.unverified()


@given(st.sampled_from(list(assessments.norm_tables())), st.floats(0, 500), st.integers(0, 110))
def test_rating_is_total(test_id: str, value: float, age: int) -> None:
    for sex in ("female", "male", None):
        rating = assessments.rate(test_id, value, age=age, sex=sex)
        assert (rating.category is None) == (rating.rank is None)
        assert rating.category is not None or rating.note.startswith("Not rated")


def _facts(**changes: object) -> assessments.PersonFacts:
    base = assessments.PersonFacts(
        goal="general_fitness", level="intermediate", age=40, sex="female", hr_medication=False
    )
    return base.model_copy(update=changes)


@pytest.mark.parametrize(
    ("test_id", "facts", "reason"),
    [
        ("step_test", _facts(hr_medication=True), "heart-rate-lowering medication"),
        ("rockport_walk", _facts(hr_medication=True), "heart-rate-lowering medication"),
        ("step_test", _facts(hr_medication=None), "don't know yet"),
        ("pushup", _facts(level="beginner"), "not for beginners"),
        ("plank", _facts(level="beginner"), "not for beginners"),
        ("pushup", _facts(standing_flags=1), "safety flag"),
        ("step_test", _facts(standing_flags=1), "safety flag"),
        ("chair_stand", _facts(age=59), "60 and over"),
        ("arm_curl", _facts(age=None), "60 and over"),
        ("waist", _facts(plan_locked=True), "safety flag stands"),
        ("e1rm", _facts(), "logged set"),
    ],
)
def test_exclusions_prevent_the_listed_tests(
    test_id: str, facts: assessments.PersonFacts, reason: str
) -> None:
    reasons = assessments.exclusions(assessments.spec(test_id), facts)
    assert any(reason in r for r in reasons), reasons
    offered = {o.test_id: o for o in assessments.offers(facts)}
    if test_id in offered:
        assert not offered[test_id].allowed


def test_allowed_when_nothing_excludes() -> None:
    facts = _facts(goal="endurance", age=64)
    allowed = {o.test_id for o in assessments.offers(facts) if o.allowed}
    assert {"step_test", "rockport_walk", "resting_hr", "chair_stand", "arm_curl"} <= allowed


@pytest.mark.parametrize(
    ("text", "test_id", "value"),
    [
        ("did the push-up test, 22", "pushup", 22),
        ("Pushup test: 15", "pushup", 15),
        ("max push ups was 31", "pushup", 31),
        ("held the plank for 1:30", "plank", 90),
        ("plank test 95 seconds", "plank", 95),
        ("resting heart rate 58 this morning", "resting_hr", 58),
        ("waist is 33 inches", "waist", 83.8),
        ("waist 84 cm", "waist", 84),
        ("step test 112", "step_test", 112),
        ("did the ymca step test, pulse 104 after 3 minutes", "step_test", 104),
        ("30 second chair stand: 12", "chair_stand", 12),
        ("chair stands 14 in 30 seconds", "chair_stand", 14),
        ("sit and reach 31 cm", "sit_and_reach", 31),
        ("arm curl test 17", "arm_curl", 17),
    ],
)
def test_reported_results_are_read(text: str, test_id: str, value: float) -> None:
    found = parse_report(text)
    assert found is not None and found.test_id == test_id and found.value == value


@pytest.mark.parametrize(
    "text",
    ["did 22 push-ups", "3x10 push-ups", "planking is hard", "my heart rate was high", "hi"],
)
def test_ordinary_talk_is_not_a_result(text: str) -> None:
    assert parse_report(text) is None


def test_rockport_is_read_and_estimated() -> None:
    found = parse_report("rockport walk 14:30, heart rate 132, I weigh 70 kg")
    assert found is not None
    assert (found.minutes, found.heart_rate, found.weight_kg) == (14.5, 132, 70)
    # Kline et al. (1987): 132.853 - 0.0769*154.32 - 0.3877*40 + 0 - 3.2649*14.5 - 0.1565*132
    vo2 = assessments.rockport_vo2max(
        minutes=14.5, heart_rate=132, weight_kg=70, age=40, sex="female"
    )
    assert vo2 == pytest.approx(37.5, abs=0.05)


@given(st.text(max_size=200))
def test_report_parser_never_raises(text: str) -> None:
    found = parse_report(text)
    assert found is None or found.test_id in assessments.catalog()


def _adult(db: sqlite_utils.Database, now: datetime, name: str = "pat") -> tuple[int, int]:
    user_id, conversation_id = make_user(db, now, name)
    store.save_profile(
        db, user_id, store.Profile(goal="strength", level="intermediate", age=34), now
    )
    consultation.save_form(db, user_id, {"sex": "male", "hr_medication": "no"}, now)
    return user_id, conversation_id


def test_a_result_said_in_chat_is_stored_rated_and_compared(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = _adult(db, now)
    coach = make_coach(db, OfflineModel(), now)
    first = coach.turn(user_id, conversation_id, "did the push-up test, 22")
    assert [c["name"] for c in first.tool_calls] == ["record_assessment"]
    assert "good for male 30-39" in first.reply
    later = now + timedelta(weeks=5)
    retest = make_coach(db, OfflineModel(), later).turn(user_id, conversation_id, "pushup test 27")
    assert "very good" in retest.reply and "+5" in retest.reply and "improvement" in retest.reply
    results = assessments.results_of(db, user_id, later)
    assert [r.value for r in results] == [22, 27]
    assert results[1].compared is not None and results[1].compared.direction == "better"


def test_reassessment_comes_due_and_can_be_adjusted(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = _adult(db, now)
    assessments.record(db, user_id, "resting_hr", 64, now)
    default = assessments.DEFAULT_INTERVAL_DAYS
    assert assessments.due_reassessments(db, user_id, now + timedelta(days=default - 1)) == []
    due = assessments.due_reassessments(db, user_id, now + timedelta(days=default))
    assert [d.test_id for d in due] == ["resting_hr"] and due[0].overdue_days == 0
    assessments.set_interval(db, user_id, "resting_hr", 28, now)
    assert assessments.due_reassessments(db, user_id, now + timedelta(days=28))
    with pytest.raises(ValueError, match="7-365"):
        assessments.set_interval(db, user_id, "resting_hr", 3, now)
    # The retest is compared with the last one; lower is better for resting heart rate.
    retest = assessments.record(db, user_id, "resting_hr", 60, now + timedelta(days=28))
    assert retest.result.compared is not None
    assert retest.result.compared.direction == "better" and retest.result.compared.change == -4
    assert assessments.due_reassessments(db, user_id, now + timedelta(days=29)) == []


def test_reassessment_is_brought_up_at_session_start_but_never_during_a_lock(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = _adult(db, now)
    assessments.record(db, user_id, "pushup", 20, now)
    later = now + timedelta(weeks=6)
    conversation_id = store.start_conversation(db, user_id, later)
    coach = make_coach(db, OfflineModel(), later)
    opening = coach.turn(user_id, conversation_id, "hi")
    assert "Retest due: Push-up test" in opening.reply
    again = coach.turn(user_id, conversation_id, "thanks")
    assert "Retest due" not in again.reply  # once per session, at its start
    # A chest-pain message locks the plan; the next session does not mention tests.
    locked = store.start_conversation(db, user_id, later)
    coach.turn(user_id, locked, "I have chest pain right now")
    calm = store.start_conversation(db, user_id, later)
    assert "Retest due" not in coach.turn(user_id, calm, "hello").reply


def test_excluded_tests_are_kept_when_reported_but_flagged(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now, "newbie")
    store.save_profile(db, user_id, store.Profile(level="beginner", age=30), now)
    done = assessments.record(db, user_id, "pushup", 10, now)
    assert any("not for beginners" in r for r in done.excluded_because)
    assert assessments.results_of(db, user_id, now)[0].value == 10


def test_estimated_1rm_uses_only_sets_of_ten_reps_or_fewer(
    db: sqlite_utils.Database, now: datetime
) -> None:
    from agent.memory import history

    user_id, _ = _adult(db, now)
    with pytest.raises(ValueError, match="no logged set"):
        assessments.record_e1rm(db, user_id, now)
    light = [history.SetInput(reps=15, load=80, unit="kg")]
    history.log_sets(
        db, user_id, exercise_id="back_squat", exercise_name="Back squat", sets=light, now=now
    )
    assert assessments.best_logged_e1rm(db, user_id, now) is None  # 15 reps say too little
    heavy = [history.SetInput(reps=5, load=100, unit="kg")]
    history.log_sets(
        db, user_id, exercise_id="back_squat", exercise_name="Back squat", sets=heavy, now=now
    )
    facts = assessments.facts_for(db, user_id, now)
    assert assessments.exclusions(assessments.spec("e1rm"), facts) == []
    done = assessments.record_e1rm(db, user_id, now)
    assert done.result.value == 116.7  # Epley: 100 x (1 + 5/30)
    assert done.result.inputs["exercise_id"] == "back_squat"
    assert done.result.rating.category is None and "own earlier" in done.result.rating.note
