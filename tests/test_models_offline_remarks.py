"""What a message says beyond its intent, and the replies that answer it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.models.offline import remarks
from agent.models.offline.policy import Understanding
from agent.models.offline.replies import render_reply
from agent.models.offline.slots import Slots
from agent.models.offline.state import DialogueState, ToolResult


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("skipping today, I've got the flu", "ill"),
        ("rest day, my legs are still sore from Monday", "sore"),
        ("too knackered to train, slept 4 hours", "tired"),
        ("no gym today, work is mental", "busy"),
        ("it's pouring with rain so I'm not going", "weather"),
        ("I'm at the airport all day, no training", "away"),
        ("cba today", "low"),
        ("I'll rest today", "other"),
    ],
)
def test_the_reason_for_a_skipped_day_is_read(text: str, reason: str) -> None:
    assert remarks.skip_reason(text) == reason


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("what's the point, nothing ever changes", "results"),
        ("honestly thinking of quitting", "quitting"),
        ("everyone at the gym is fitter than me", "comparison"),
        ("I feel so guilty, I missed the whole week", "guilt"),
        ("been off for two months and can't get going again", "restart"),
        ("I just sit on the couch and keep putting it off", "inertia"),
        ("the workouts are so repetitive", "bored"),
        ("work is so stressful I have nothing left", "drained"),
        ("meh", "other"),
    ],
)
def test_what_lies_behind_low_motivation_is_read(text: str, theme: str) -> None:
    assert remarks.motivation(text) == theme


@pytest.mark.parametrize(
    ("text", "verdict", "difficulty"),
    [
        ("that was a bit pointless, didn't feel it anywhere", "pointless", None),
        ("so boring today", "bored", None),
        ("that took forever", "long", None),
        ("loved that one", "enjoyed", None),
        ("that was brutal", "other", "too_hard"),
        ("way too easy", "other", "too_easy"),
    ],
)
def test_what_a_session_was_like_is_read(text: str, verdict: str, difficulty: str | None) -> None:
    assert remarks.session_verdict(text) == verdict
    assert remarks.difficulty(text) == difficulty


@given(st.text(max_size=200))
def test_every_message_gets_one_kind_from_each_table(text: str) -> None:
    for table in ("skip_reason", "motivation", "feedback", "difficulty"):
        assert isinstance(remarks.kind(table, text), str)


def _reply(text: str, intents: list[str], results: list[ToolResult], **state: Any) -> str:
    understood = Understanding(text=text, intents=intents, slots=Slots())
    dialogue = DialogueState(user_text=text, results=results, **state)
    return render_reply(understood, dialogue, frozenset({"log_sets"}))


def _skip(text: str, done: int, target: int = 4) -> str:
    week = {"target_per_week": target, "weeks": [["2026-11-30", done]]}
    result = {"skipped": "2026-12-02", "session_id": 1, "week": week}
    return _reply(text, ["skip_today"], [ToolResult("skip_today", {"reason": text}, result)])


def test_a_skipped_day_is_answered_by_its_reason_and_the_week_so_far() -> None:
    ill = _skip("skipping today, I've got the flu", done=1)
    busy = _skip("no training today, work is mental", done=1)
    assert "while you're ill" in ill
    assert "10 minutes" in busy
    assert ill != busy
    assert "1 of your 4 days" in ill
    assert "meets your target of 3" in _skip("rest day", done=3, target=3)


def _feedback(text: str, recorded: dict[str, Any]) -> str:
    result = {"feedback_id": 1, "recorded": recorded}
    return _reply(text, ["feedback"], [ToolResult("record_feedback", recorded, result)])


def test_feedback_without_a_difficulty_is_not_told_it_felt_about_right() -> None:
    bored = _feedback("that was so boring", {"enjoyment": 1, "note": "that was so boring"})
    assert "about right" not in bored
    assert "swap the lunges" in bored
    long = _feedback("that took forever", {"note": "that took forever"})
    assert "minutes you have" in long


def _motivation(text: str, facts: dict[str, Any] | None) -> str:
    results = [] if facts is None else [ToolResult("adherence", {}, facts)]
    return _reply(text, ["motivation"], results)


_FACTS = {
    "target_per_week": 3,
    "weeks": [["2026-11-23", 2], ["2026-11-30", 1]],
    "done_last_weeks": 2,
    "skipped_last_weeks": 1,
    "rate": 0.67,
    "current_streak_weeks": 0,
    "longest_streak_weeks": 2,
    "days_since_last": 9,
    "total_workouts": 14,
}


def test_low_motivation_is_answered_by_its_cause_and_the_person_s_own_record() -> None:
    results = _motivation("what's the point, nothing changes", _FACTS)
    guilt = _motivation("I feel so guilty about missing sessions", _FACTS)
    assert "14 days" in results and "9 days ago" in results and "1 of your 3" in results
    assert "how am I progressing" in results
    assert "guilt isn't a plan" in guilt
    assert results.split("\n")[0] != guilt.split("\n")[0]
    # The figures are said once, in the answer's words, not again as a bare section.
    assert "Consistency:" not in results


def test_low_motivation_with_no_record_yet_says_so() -> None:
    assert "haven't logged a session" in _motivation(
        "can't be bothered lately", {**_FACTS, "total_workouts": 0}
    )


def test_a_log_with_no_sets_asks_for_the_sets_of_the_exercise_it_names() -> None:
    reply = _reply("did the goblet squats earlier", ["log_sets"], [])
    assert "How many sets and reps of Goblet squat" in reply


def test_a_log_with_no_exercise_offers_today_s_planned_ones() -> None:
    plan = {"exercises": [{"name": "Push-up", "sets": 3}, {"name": "Goblet squat", "sets": 3}]}
    reply = _reply("done, log it", ["log_sets"], [], earlier_plans=[plan])
    assert "Which exercise was that: Push-up or Goblet squat?" in reply
