"""Reading consultation answers and drafting the SMART goal: pure, in several voices."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.coaching import consultation_answers as ca

TODAY = date(2026, 11, 16)


def test_questions_cover_the_consultation_and_the_parq() -> None:
    ids = ca.question_ids()
    assert ids[:3] == ["goal", "goal_target", "goal_agreed"]
    assert [i for i in ids if i.startswith("PARQ")] == [f"PARQ-{n}" for n in range(1, 8)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("question", "text", "value", "also"),
    [
        ("days_per_week", "3", 3, {}),
        ("days_per_week", "three days, maybe 45 min each", 3, {"session_minutes": 45}),
        ("days_per_week", "prolly 4x a wk", 4, {}),
        ("days_per_week", "Every day if I can.", 7, {}),
        ("days_per_week", "Mondays and Thursdays", 2, {}),
        ("days_per_week", "tues/thurs/sat", 3, {}),
        ("days_per_week", "twice weekly", 2, {}),
        ("days_per_week", "I am able to train three times in the week", 3, {}),
        ("session_minutes", "forty five minutes", 45, {}),
        ("session_minutes", "half an hour", 30, {}),
        ("session_minutes", "an hour tops", 60, {}),
        ("session_minutes", "20-30 mins", 20, {}),
        ("age", "I am 67 years old", 67, {}),
        ("sex", "female tables pls", "female", {}),
        ("sex", "I'd rather not say", "unspecified", {}),
        ("hr_medication", "nope", False, {}),
        ("hr_medication", "Yes, bisoprolol", True, {}),
        ("assessments_wanted", "maybe later", "later", {}),
        (
            "equipment",
            "a pair of dumbbells, a bench and bands",
            ["dumbbells", "bench", "bands"],
            {},
        ),
        ("equipment", "nothing", [], {}),
        ("history", "never really trained", "never really trained", {"level": "beginner"}),
        (
            "history",
            "been lifting for 2 years",
            "been lifting for 2 years",
            {"level": "intermediate"},
        ),
    ],
)
def test_answers_are_read(question: str, text: str, value: object, also: dict[str, object]) -> None:
    parsed = ca.parse_answer(question, text, TODAY)
    assert parsed.ok and parsed.value == value and parsed.also == also


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("days_per_week", "it depends"),
        ("days_per_week", "10 days"),
        ("session_minutes", "not long"),
        ("age", "old enough"),
        ("age", "250"),
        ("hr_medication", "what's a beta blocker"),
        ("sex", "why do you ask"),
    ],
)
def test_answers_that_do_not_fit(question: str, text: str) -> None:
    assert not ca.parse_answer(question, text, TODAY).ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 12 weeks", date(2027, 2, 8)),
        ("by June", date(2027, 6, 1)),
        ("before summer", date(2027, 6, 1)),
        ("by 2027-03-01", date(2027, 3, 1)),
        ("within 3 months", date(2027, 2, 14)),
        ("by december", date(2026, 12, 1)),
        ("someday", None),
    ],
)
def test_target_dates(text: str, expected: date | None) -> None:
    assert ca.target_date(text, TODAY) == expected


def test_a_smart_goal_keeps_the_persons_words_and_adds_measure_and_date() -> None:
    goal = ca.draft_goal("get strong enough to do real push-ups", "20 in a row by june", TODAY)
    assert goal.what == "get strong enough to do real push-ups"
    assert goal.category == "strength" and goal.target.test_id == "pushup"
    assert goal.target.value == 20 and goal.by == date(2027, 6, 1) and not goal.date_assumed
    assert goal.text == (
        "Get strong enough to do real push-ups; target: 20 push-ups; by 2027-06-01; "
        "measured by the push-up test."
    )


def test_without_a_date_the_draft_says_twelve_weeks_and_flags_it() -> None:
    goal = ca.draft_goal("lose weight", "lose 6 kg", TODAY)
    assert goal.date_assumed and goal.by == date(2027, 2, 8)
    assert goal.category == "fat_loss" and goal.target.value == 6
    assert "(12 weeks from now)" in goal.text and "scale" in goal.text


def test_the_number_of_weeks_is_not_taken_for_the_target() -> None:
    goal = ca.draft_goal("run further", "run 5 km in 10 weeks", TODAY)
    assert goal.target.value == 5 and goal.by == date(2027, 1, 25)


@given(st.sampled_from(ca.question_ids()), st.text(max_size=120))
def test_parsing_never_raises_and_fits_its_range(question: str, text: str) -> None:
    parsed = ca.parse_answer(question, text, TODAY)
    if parsed.ok and question == "days_per_week":
        assert 1 <= parsed.value <= 7
    if parsed.ok and question == "session_minutes":
        assert 5 <= parsed.value <= 180
    if parsed.ok and question == "age":
        assert 13 <= parsed.value <= 100


@given(st.text(max_size=80), st.text(max_size=80))
def test_drafting_never_raises(goal: str, target: str) -> None:
    assert ca.draft_goal(goal or "x", target, TODAY).by >= TODAY
