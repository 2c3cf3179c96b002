"""Adaptations rebuild the plan under the same rules and say what changed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning import adapt
from agent.planning.catalog import load_catalog
from agent.planning.invariants import LOWER, PULL, PUSH, violations
from agent.planning.models import Readiness, SessionRequest
from agent.planning.session import build_session
from tests.factories import plan_requests

CATALOG = load_catalog()
BASE = SessionRequest(
    goal="hypertrophy", level="intermediate", equipment=["dumbbells", "bench", "cables"], minutes=45
)


@settings(max_examples=250, deadline=None, derandomize=True)
@given(plan_requests(), st.integers(10, 90))
def test_shortening_any_session_obeys_the_rules(request: SessionRequest, minutes: int) -> None:
    session = adapt.shorten(build_session(request), minutes)
    assert session.request.minutes == minutes
    assert violations(session.request, session) == []
    assert session.changes


@settings(max_examples=250, deadline=None, derandomize=True)
@given(plan_requests(), st.sampled_from(sorted(CATALOG.vocabulary.constraint_tags)))
def test_a_new_constraint_removes_its_tags(request: SessionRequest, area: str) -> None:
    session = adapt.add_constraint(build_session(request), area)
    banned = set(CATALOG.vocabulary.constraint_tags[area])
    assert not any(set(p.tags) & banned for p in session.exercises)
    assert violations(session.request, session) == []


def test_shorten_45_to_15_keeps_lower_push_pull_in_supersets() -> None:
    short = adapt.shorten(build_session(BASE), 15)
    patterns = {p.pattern for p in short.exercises}
    assert patterns & LOWER and patterns & PUSH and patterns & PULL
    assert any(b.format == "superset" for b in short.blocks)
    assert 12 <= short.est_minutes <= 15
    assert short.changes[0].startswith("Shortened to fit 15 minutes")


def test_shorten_under_twelve_is_an_emom_and_can_lengthen_again() -> None:
    short = adapt.shorten(build_session(BASE), 10)
    assert [b.format for b in short.blocks] == ["emom"]
    longer = adapt.shorten(short, 60)
    assert longer.est_minutes > 48 and "Lengthened" in longer.changes[0]
    with pytest.raises(ValueError):
        adapt.shorten(short, 2)


def test_swap_equipment_keeps_patterns_and_explains() -> None:
    session = build_session(BASE)
    bands = adapt.swap_equipment(session, ["bands"])
    assert all(set(p.equipment) <= {"bands", "bodyweight"} for p in bands.exercises)
    assert any("->" in c for c in bands.changes)
    with pytest.raises(ValueError):
        adapt.swap_equipment(session, ["laser"])


def test_swap_exercise_keeps_pattern_and_main_muscle() -> None:
    session = build_session(BASE)
    old = session.exercises[0]
    swapped = adapt.swap_exercise(session, old.id, "I don't like it")
    new = next(p for p in swapped.exercises if p.block == old.block and p.pattern == old.pattern)
    assert new.id != old.id
    assert CATALOG.get(new.id).main_muscle == CATALOG.get(old.id).main_muscle
    assert old.id in swapped.request.dislikes and old.id in swapped.request.exclude
    assert "you would rather not do it" in swapped.changes[0]


def test_swap_respects_constraints_and_reports_failures() -> None:
    request = BASE.model_copy(update={"constraints": ["knee"]})
    session = build_session(request)
    squat = next(p for p in session.exercises if p.pattern == "squat")
    swapped = adapt.swap_exercise(session, squat.id, "pain in my knee")
    assert not any({"deep_knee_flexion", "impact"} & set(p.tags) for p in swapped.exercises)
    assert squat.id not in swapped.request.dislikes  # pain is not a dislike
    with pytest.raises(KeyError):
        adapt.swap_exercise(session, "pistol_squat")


def test_nothing_to_swap_to_is_an_error() -> None:
    request = SessionRequest(
        constraints=sorted(CATALOG.vocabulary.constraint_tags), avoid_tags=["floor_work"]
    )
    session = build_session(request)
    lonely = [p for p in session.exercises if not adapt.substitutes(p.id, request, avoid=[p.id])]
    for p in lonely:
        with pytest.raises(LookupError):
            adapt.swap_exercise(session, p.id)


def test_reason_classification() -> None:
    assert adapt.classify_reason("it hurts my shoulder") == "pain"
    assert adapt.classify_reason("I hate lunges") == "dislike"
    assert adapt.classify_reason("the machine is taken") == "equipment"
    assert adapt.classify_reason(None) == "other"


def test_easier_and_harder_step_the_ladder_or_the_effort() -> None:
    bodyweight = build_session(SessionRequest(goal="general_fitness", minutes=30))
    push = next(p for p in bodyweight.exercises if p.pattern == "horizontal_push")
    harder = adapt.adjust_difficulty(bodyweight, "harder")
    easier = adapt.adjust_difficulty(bodyweight, "easier")
    up = CATALOG.find(push.id)
    assert up is not None
    assert any(p.id == (up.progression or "") for p in harder.exercises)
    assert any(p.id == (up.regression or "") for p in easier.exercises)
    loaded = build_session(BASE)
    tougher = adapt.adjust_difficulty(loaded, "harder")
    assert tougher.request.difficulty == 1
    assert any("reserve" in c or "->" in c for c in tougher.changes)


def test_difficulty_has_limits() -> None:
    session = build_session(BASE)
    for _ in range(3):
        session = adapt.adjust_difficulty(session, "easier")
    with pytest.raises(ValueError):
        adapt.adjust_difficulty(session, "easier")


def test_readiness_and_deload_adaptations() -> None:
    session = build_session(BASE)
    tired = adapt.set_readiness(session, Readiness(energy=1))
    assert tired.kind == "recovery" and tired.est_minutes <= 20
    deloaded = adapt.deload(session)
    assert deloaded.request.deload
    assert sum(p.sets for p in deloaded.exercises if p.hard) < sum(
        p.sets for p in session.exercises if p.hard
    )


def test_unknown_constraint_is_rejected() -> None:
    with pytest.raises(ValueError):
        adapt.add_constraint(build_session(BASE), "spleen")


def test_describe_changes_is_empty_for_the_same_session() -> None:
    session = build_session(BASE)
    assert adapt.describe_changes(session, session) == []
