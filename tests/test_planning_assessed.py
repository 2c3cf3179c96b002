"""The planner reacts to what assessments showed, with a reason in the plan (issue 19)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.coaching import assessments, consultation
from agent.coaching.plan import Overrides, build_request
from agent.memory import store
from agent.planning.invariants import violations
from agent.planning.models import AssessmentFact, Readiness, SessionRequest
from agent.planning.session import build_session
from tests.factories import PLAN_TODAY, plan_requests

PUSH_LOW = AssessmentFact(kind="push_capacity_low", reason="Push-up test 8 reps (fair)")
LEGS_LOW = AssessmentFact(kind="leg_strength_low", reason="30-second chair stand 9 reps")
AEROBIC = AssessmentFact(kind="aerobic_recovery_poor", reason="Step test 120 bpm, up from 110")


def _request(**changes: object) -> SessionRequest:
    base = SessionRequest(
        goal="general_fitness",
        level="intermediate",
        equipment=["bodyweight"],
        minutes=40,
        today=PLAN_TODAY,
    )
    return base.model_copy(update=changes)


def _main(request: SessionRequest, pattern: str) -> str:
    session = build_session(request)
    return next(p.id for p in session.exercises if p.pattern == pattern and p.role == "main")


def test_a_low_push_up_score_starts_the_push_pattern_lower_with_a_reason() -> None:
    before = build_session(_request())
    after = build_session(_request(assessments=[PUSH_LOW]))
    assert "push_up" in [p.id for p in before.exercises]
    pushed = [p for p in after.exercises if p.pattern == "horizontal_push" and p.role == "main"]
    assert [p.id for p in pushed] == ["negative_push_up"]
    reason = "Push-up test 8 reps (fair): starting one step lower on the ladder, Push-up -> "
    assert any(r.startswith(reason) for r in after.reasons)
    assert any(n.startswith(reason) for n in pushed[0].notes)
    # Nothing else moved.
    assert [p.id for p in before.exercises if p.pattern != "horizontal_push"] == [
        p.id for p in after.exercises if p.pattern != "horizontal_push"
    ]


def test_low_chair_stands_start_the_squat_lower() -> None:
    request = _request(age=68)
    assert _main(request, "squat") == "pause_bodyweight_squat"
    lowered = request.model_copy(update={"assessments": [LEGS_LOW]})
    assert _main(lowered, "squat") == "bodyweight_squat"
    session = build_session(lowered)
    assert "30-second chair stand 9 reps: starting one step lower on the ladder, " in " ".join(
        session.reasons
    )
    # Without a lower rung that fits the kit, the same exercise gets one more rep in reserve.
    kit = _request(equipment=["dumbbells"], age=68)
    easier = build_session(kit.model_copy(update={"assessments": [LEGS_LOW]}))
    squat = next(p for p in easier.exercises if p.id == "db_front_squat")
    plain = next(p for p in build_session(kit).exercises if p.id == "db_front_squat")
    assert squat.target_rir == (plain.target_rir or 0) + 1


def test_poor_step_test_recovery_keeps_intervals_easier() -> None:
    request = _request(goal="fat_loss", minutes=90, readiness=Readiness(energy=5))
    before = build_session(request)
    after = build_session(request.model_copy(update={"assessments": [AEROBIC]}))
    [hard] = [b for b in before.blocks if b.format == "intervals"]
    [easy] = [b for b in after.blocks if b.format == "intervals"]
    assert hard.note.startswith("40 s hard") and easy.note.startswith("20 s hard, 40 s easy")
    assert "Step test 120 bpm, up from 110: intervals kept easier" in " ".join(after.reasons)


@settings(max_examples=40, deadline=None)
@given(plan_requests(), st.lists(st.sampled_from([PUSH_LOW, LEGS_LOW, AEROBIC]), max_size=3))
def test_any_facts_keep_every_planning_rule(
    request: SessionRequest, facts: list[AssessmentFact]
) -> None:
    request = request.model_copy(update={"assessments": facts})
    session = build_session(request)
    assert violations(request, session) == []
    assert session.model_dump_json() == build_session(request).model_dump_json()


def test_results_in_the_database_reach_the_plan(db: sqlite_utils.Database, now: datetime) -> None:
    user_id = store.ensure_user(db, "ravi", now)
    store.save_profile(
        db, user_id, store.Profile(goal="general_fitness", level="intermediate", age=34), now
    )
    consultation.save_form(db, user_id, {"sex": "male", "hr_medication": "no"}, now)
    assessments.record(db, user_id, "pushup", 14, now - timedelta(weeks=5))  # fair, 30-39
    assessments.record(db, user_id, "step_test", 110, now - timedelta(weeks=5))
    assessments.record(db, user_id, "step_test", 121, now)
    request, _ = build_request(db, user_id, now, Overrides(), carry_today=False)
    kinds = [f.kind for f in request.assessments]
    assert kinds == ["aerobic_recovery_poor", "push_capacity_low"]
    assert (
        request.assessments[1].reason == "Push-up test 14 reps on 2026-10-12 (fair for male 30-39)"
    )
    # A good retest lifts the push fact; a result older than 120 days no longer counts.
    assessments.record(db, user_id, "pushup", 25, now)
    request, _ = build_request(db, user_id, now, Overrides(), carry_today=False)
    assert [f.kind for f in request.assessments] == ["aerobic_recovery_poor"]
    later = now + timedelta(days=assessments.FACT_MAX_AGE_DAYS + 1)
    assert build_request(db, user_id, later, Overrides(), carry_today=False)[0].assessments == []
