"""Population rules: every generated person of a population gets only what suits them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning import populations
from agent.planning.catalog import load_catalog
from agent.planning.invariants import population_violations, violations
from agent.planning.models import Readiness, Session, SessionRequest
from agent.planning.session import build_session

CAT = load_catalog()
PROFILES = sorted(CAT.vocabulary.profiles)
TODAY = date(2026, 12, 1)

_common = st.fixed_dictionaries(
    {
        "goal": st.sampled_from(["strength", "hypertrophy", "general_fitness", "fat_loss"]),
        "level": st.sampled_from(["beginner", "intermediate", "advanced"]),
        "equipment": st.sampled_from(PROFILES).map(lambda p: list(CAT.vocabulary.profiles[p])),
        "minutes": st.integers(min_value=10, max_value=90),
        "variation": st.integers(min_value=0, max_value=2),
        "difficulty": st.sampled_from([0, 0, -1, 1, 2]),
        "readiness": st.builds(Readiness, energy=st.integers(min_value=1, max_value=5)),
        "today": st.just(TODAY),
    }
)

_population = st.one_of(
    st.integers(min_value=1, max_value=42).map(lambda w: {"pregnancy_week": w}),
    st.integers(min_value=0, max_value=12).map(lambda w: {"postpartum_weeks": w}),
    st.integers(min_value=65, max_value=95).map(lambda a: {"age": a}),
    st.integers(min_value=12, max_value=17).map(lambda a: {"age": a}),
    st.sets(st.sampled_from(populations.CONDITIONS), min_size=1).map(
        lambda c: {"conditions": sorted(c)}
    ),
    st.sampled_from(["running", "field"]).map(lambda s: {"sport": s, "goal": "strength"}),
)


@settings(max_examples=150, deadline=None)
@given(common=_common, population=_population)
def test_a_population_never_gets_an_excluded_movement(
    common: dict[str, object], population: dict[str, object]
) -> None:
    request = SessionRequest.model_validate({**common, **population})
    session = build_session(request)
    assert violations(request, session) == []
    pop = populations.plan_for(request.facts())
    ids = [p.id for p in session.exercises]
    ids += [i.id for i in (*session.warmup.items, *session.cooldown.items) if i.id is not None]
    for exercise_id in ids:
        assert not set(CAT.get(exercise_id).tags) & pop.exclude_tags, exercise_id


def test_the_invariants_catch_a_plan_that_ignores_the_population() -> None:
    healthy = SessionRequest(equipment=list(CAT.vocabulary.profiles["dumbbells"]), minutes=40)
    session = build_session(healthy)
    pregnant = healthy.model_copy(update={"pregnancy_week": 24})
    problems = violations(pregnant, session)
    assert any("excluded tags" in p and "supine" in p for p in problems), problems
    youth = healthy.model_copy(update={"age": 15, "goal": "strength", "level": "advanced"})
    adult_strength = build_session(
        healthy.model_copy(update={"goal": "strength", "level": "advanced"})
    )
    assert population_violations(youth, adult_strength)
    older = healthy.model_copy(update={"age": 70})
    assert "no balance drill for an older adult" in population_violations(older, session)


@pytest.mark.parametrize(
    ("week", "expected"), [(6, 1), (13, 1), (14, 2), (27, 2), (28, 3), (40, 3)]
)
def test_trimesters_follow_the_reference(week: int, expected: int) -> None:
    assert populations.trimester(week) == expected


def test_the_pregnancy_week_advances_with_the_calendar() -> None:
    said_on = date(2026, 9, 1)
    due = populations.due_date_for_week(20, said_on)
    assert populations.pregnancy_week(due, said_on) == 20
    assert populations.pregnancy_week(due, said_on + timedelta(weeks=9)) == 29
    later = SessionRequest(pregnancy_week=populations.pregnancy_week(due, TODAY))
    assert "pregnancy_third_trimester" in populations.plan_for(later.facts()).groups
    # Well past the due date the pregnancy rules stop; postpartum is its own fact.
    assert populations.pregnancy_week(due, due + timedelta(weeks=4)) is None


def test_second_trimester_has_no_lying_on_the_back_and_says_the_stop_signs() -> None:
    request = SessionRequest(
        pregnancy_week=22, equipment=["dumbbells", "bench", "barbell", "rack"], minutes=45
    )
    session = build_session(request)
    ids = [p.id for p in session.exercises]
    assert "barbell_bench_press" not in ids and "db_bench_press" not in ids
    assert all("supine" not in p.tags for p in session.exercises)
    assert all(p.target_rir is None or p.target_rir >= 2 for p in session.exercises)
    text = " ".join(session.reasons)
    assert "talk test" in text and "bleeding" in text


def test_an_older_adult_gets_balance_and_power_every_session() -> None:
    for minutes in (10, 20, 45):
        for energy in (1, 3, 5):
            request = SessionRequest(
                age=74,
                conditions=["knee_osteoarthritis"],
                minutes=minutes,
                readiness=Readiness(energy=energy),
            )
            session = build_session(request)
            assert population_violations(request, session) == []
            steps = [i.id for i in session.warmup.items] + [p.id for p in session.exercises]
            assert any(s is not None and CAT.get(s).pattern == "balance" for s in steps)
    assert "settles within a day" in populations.education("osteoarthritis_ache")


def test_youth_lifts_are_technique_first_with_no_singles() -> None:
    request = SessionRequest(
        age=15, goal="strength", level="advanced", equipment=["barbell", "rack", "bench"]
    )
    session = build_session(request)
    assert all(p.rep_low is None or p.rep_low >= 6 for p in session.exercises)
    assert all(p.target_rir is None or p.target_rir >= 2 for p in session.exercises)
    assert any("supervising" in r for r in session.reasons)


def test_heart_rate_medication_sets_effort_by_feel_not_zones() -> None:
    request = SessionRequest(conditions=["heart_rate_medication", "hypertension"], goal="fat_loss")
    session = build_session(request)
    text = " ".join(session.reasons)
    assert "not heart-rate zones" in text and "never hold your breath" in text
    assert all(p.role != "finisher" for p in session.exercises)


def test_a_runner_who_wants_strength_gets_heavy_low_reps_with_long_rests() -> None:
    kit = ["barbell", "rack", "bench", "dumbbells"]
    plain = build_session(SessionRequest(goal="endurance", level="intermediate", equipment=kit))
    runner = build_session(
        SessionRequest(
            goal="strength", sport="running", level="intermediate", equipment=kit, minutes=60
        )
    )
    mains = [p for p in runner.exercises if p.role == "main"]
    assert mains and all(p.rep_high is not None and p.rep_high <= 6 for p in mains)
    assert all(p.rest_s >= 150 or p.rest_s == 0 for p in mains)
    plain_high = max(p.rep_high or 0 for p in plain.exercises if p.role == "main")
    assert plain_high > 6


def test_strength_days_fit_around_the_running_week() -> None:
    week: dict[str, populations.RunKind] = {
        "tue": "hard",
        "thu": "hard",
        "sat": "long",
        "mon": "easy",
        "wed": "easy",
    }
    days = populations.strength_days_around_runs(week, 2)
    assert days == ["tue", "thu"] or set(days) <= {"tue", "thu", "mon", "sun", "wed"}
    for day in days:
        assert week.get(day) != "long"
        after = populations.DAYS[(populations.DAYS.index(day) + 1) % 7]
        assert week.get(after) not in {"hard", "long"}
    with pytest.raises(ValueError, match="unknown day"):
        populations.strength_days_around_runs({"funday": "easy"}, 1)


def test_a_stated_layoff_cuts_then_rebuilds() -> None:
    base = SessionRequest(today=TODAY, minutes=40, equipment=["dumbbells", "bench"])
    normal = build_session(base)
    first = build_session(base.model_copy(update={"layoff_weeks": 6, "back_since": TODAY}))
    later = build_session(
        base.model_copy(update={"layoff_weeks": 6, "back_since": TODAY - timedelta(days=14)})
    )
    done = build_session(
        base.model_copy(update={"layoff_weeks": 6, "back_since": TODAY - timedelta(days=60)})
    )

    def sets(s: Session) -> int:
        return sum(p.sets for p in s.exercises if p.hard)

    assert sets(first) < sets(normal)
    assert sets(first) <= sets(later) <= sets(normal)
    assert sets(done) == sets(normal)
    assert any("Back after 6 weeks off" in r for r in first.reasons)


def test_unknown_conditions_are_refused_with_the_list() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        SessionRequest(conditions=["bad knees"])
