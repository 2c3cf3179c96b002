"""The offline model on what people actually write: each class of failure the issue names.

The phrasings here are our own, standing for classes (none is special-cased in code).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlite_utils

from agent.coaching.compliance import days_per_week_on
from agent.memory import intake, notes, store
from agent.models.offline import OfflineModel
from agent.models.offline.answers import explain_exercise, find_faq, how_to_phrase
from agent.models.offline.policy import forget_target, schedule_end, understand
from agent.models.offline.slots import Load, find_minutes, find_period, find_poor_sleep, find_sets
from agent.models.offline.state import find_session
from tests.factories import make_coach, make_user
from tests.test_models_offline import TOOLS, _calls, _planned, answered, ask, schema


def _add_note() -> object:
    return next(t for t in TOOLS if t["function"]["name"] == "add_note")


def test_a_session_request_without_the_magic_words_gets_a_session() -> None:
    calls = _calls(ask("only a resistance band here and ten minutes, throw something at me"))
    assert calls and calls[0][0] == "plan_today"
    assert calls[0][1]["minutes"] == 10 and calls[0][1]["equipment"] == ["bands"]


def test_casual_remarks_do_not_rewrite_the_profile() -> None:
    for text in (
        "whats on 2day",
        "ran a 5k in 31 min on sunday, felt ok",
        "is it fine to train when my hamstrings feel this tight?",
    ):
        assert "update_profile" not in [name for name, _ in _calls(ask(text))], text


def test_an_ambiguous_standing_change_is_confirmed_first_then_applied() -> None:
    text = "could the weekly schedule be 2 days instead?"
    first = ask(text)
    assert [c.name for c in first.tool_calls] == ["weekly_program"]  # answer first
    reply = answered(text, [("weekly_program", {}, {"days": []})]).content or ""
    assert "Shall I make it 2 days a week from now on?" in reply
    yes = ask(
        "yes please", {"role": "user", "content": text}, {"role": "assistant", "content": reply}
    )
    assert _calls(yes) == [("update_profile", {"days_per_week": 2})]


def test_a_time_bound_change_is_stored_with_an_end_not_on_the_profile() -> None:
    tools = [*TOOLS, schema("add_note", "kind", "subject", "text", "until")]
    text = "only 2 days this week, work is mad"
    calls = _calls(ask(text, tools=[t for t in tools if t is not _add_note()]))
    assert calls == [("add_note", {"kind": "schedule", "text": text, "until": "2026-11-22"})]


def test_a_time_bound_day_count_rides_with_the_note() -> None:
    tools = [*TOOLS, schema("add_note", "kind", "subject", "text", "until", "days_per_week")]
    text = "this week only 2 days, in-laws are staying"
    calls = _calls(ask(text, tools=[t for t in tools if t is not _add_note()]))
    assert calls == [
        (
            "add_note",
            {"kind": "schedule", "text": text, "until": "2026-11-22", "days_per_week": 2},
        )
    ]


def test_the_week_follows_a_temporary_day_count_until_it_ends(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    full = {"goal": "strength", "level": "beginner", "equipment": ["dumbbells"]}
    intake.update_profile(db, user_id, {**full, "days_per_week": 4, "session_minutes": 45}, now)
    coach = make_coach(db, OfflineModel(), now)
    turn = coach.turn(user_id, conversation_id, "this week only 2 days, in-laws are staying")
    (call,) = [c for c in turn.tool_calls if c["name"] == "add_note"]
    end = date.fromisoformat(call["arguments"]["until"])
    assert days_per_week_on(db, user_id, now.date()) == 2
    assert days_per_week_on(db, user_id, end) == 2
    assert days_per_week_on(db, user_id, end + timedelta(days=1)) == 4
    assert store.get_profile(db, user_id).days_per_week == 4
    week = coach.turn(user_id, conversation_id, "what's my plan for the week?")
    (program,) = [c for c in week.tool_calls if c["name"] == "weekly_program"]
    assert len(program["result"]["days"]) == 2
    assert any("until" in reason for reason in program["result"]["reasons"])


def test_the_swap_question_names_the_planned_exercises(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    full = {"goal": "strength", "level": "beginner", "equipment": ["dumbbells"]}
    intake.update_profile(db, user_id, {**full, "days_per_week": 3, "session_minutes": 30}, now)
    coach = make_coach(db, OfflineModel(), now)
    plan = coach.turn(user_id, conversation_id, "what should I do today?")
    (planned,) = [c for c in plan.tool_calls if c["name"] == "plan_today"]
    session = find_session(planned["result"])
    assert session is not None
    names = [e["name"] for e in session["exercises"]]
    assert names
    swap = coach.turn(user_id, conversation_id, "can I swap an exercise?")
    assert "Which exercise would you like to swap: " in swap.reply
    assert all(name in swap.reply for name in names)


def test_sets_without_an_exercise_are_asked_about_as_read() -> None:
    reply = ask("did 12 with the 20s").content or ""
    assert reply.startswith("Which exercise was that (12 reps at 20)?")
    assert "(3x10 at 40 kg)" in (ask("3 sets of 10 at 40kg").content or "")


def test_periods_and_their_ends() -> None:
    monday = date(2026, 11, 16)
    assert find_period("away for two weeks") == "14"
    assert find_period("travelling till Sunday") == "until_sun"
    assert find_period("4 days a week please") is None
    assert schedule_end("week", monday) == date(2026, 11, 22)
    assert schedule_end("next_week", monday) == date(2026, 11, 29)
    assert schedule_end("14", monday) == date(2026, 11, 29)
    assert schedule_end("until_fri", monday) == date(2026, 11, 20)
    assert schedule_end("today", monday) == monday


def test_schedule_notes_expire_by_themselves(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    notes.add_note(db, user_id, kind="schedule", text="hotel all week", now=now, ends_on=now.date())
    assert [n["text"] for n in notes.notes(db, user_id, today=now.date())] == ["hotel all week"]
    later = date.fromordinal(now.date().toordinal() + 1)
    assert notes.notes(db, user_id, today=later) == []


def test_numbers_are_read_in_their_frame() -> None:
    assert find_minutes("slept 5 hours last night, feeling rough") is None
    assert find_poor_sleep("slept 5 hours last night, feeling rough")
    assert find_minutes("got 40 min, slept 4h") == 40
    calls = _calls(ask("only 4 hours of sleep, got 30 min for a workout"))
    assert calls[0] == ("plan_today", {"minutes": 30, "poor_sleep": True})


def test_logging_in_lifters_notation() -> None:
    raises = find_sets("did 12 with the 8s on curls")
    assert raises[0].reps == 12 and raises[0].load == Load(8.0, None)
    assert raises[0].exercise == "curls"
    pulls = find_sets("275 for 2 on deadlift")
    assert (pulls[0].sets, pulls[0].reps, pulls[0].load) == (1, 2, Load(275.0, None))
    rows = find_sets("bench 80 kg x 5, x5, x4")
    assert [e.reps for e in rows] == [5, 5, 4] and {e.exercise for e in rows} == {"bench"}
    named = find_sets("next step ups, 3x10 with 12s")
    assert named[0].exercise == "step ups" and named[0].load == Load(12.0, None)


def test_one_log_call_per_exercise_and_a_feeling_stays_with_its_set() -> None:
    calls = _calls(ask("barbell rows 50 kg x 10, x10, x9, felt easy"))
    assert calls == [
        (
            "log_sets",
            {
                "exercise": "barbell rows",
                "sets": [
                    {"reps": 10, "load": 50.0, "unit": "kg"},
                    {"reps": 10, "load": 50.0, "unit": "kg"},
                    {"reps": 9, "load": 50.0, "unit": "kg", "rpe": 6.0},
                ],
            },
        )
    ]


def test_a_loaded_lift_is_never_logged_as_its_bodyweight_variant(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    result = make_coach(db, OfflineModel(), now).turn(
        user_id, conversation_id, "squats 3x5 at 100 kg"
    )
    logged = [c for c in result.tool_calls if c["name"] == "log_sets"]
    assert logged and logged[0]["result"]["exercise_id"] == "barbell_back_squat"


def test_questions_get_answers_from_the_catalog_and_the_faq() -> None:
    assert how_to_phrase("what's the technique for a sumo deadlift?") == "sumo deadlift"
    explained = explain_exercise("any cues for goblet squats")
    assert explained is not None and explained["name"] == "Goblet squat" and explained["cues"]
    entry = find_faq("is a bit of achiness in my elbows normal when lifting?")
    assert entry is not None and entry.id == "soreness_vs_pain"
    reply = ask("can crunches get rid of my love handles?").content or ""
    assert "can't choose where fat comes off" in reply


def test_medication_is_declined_kindly_and_referred() -> None:
    reply = ask("should I skip my heart pills on training days?")
    assert not reply.tool_calls
    content = reply.content or ""
    assert "doctor" in content and "don't stop or change a medicine" in content


def test_small_talk_is_answered_properly_and_not_with_the_menu() -> None:
    for text in (
        "r u a real person",
        "cya later",
        "cheers, you're a legend",
    ):
        content = ask(text).content or ""
        assert content and "rule-based coach (not" not in content, text


def test_low_motivation_reads_the_person_s_record_then_answers_with_it() -> None:
    text = "feeling so lazy lately"
    assert _calls(ask(text)) == [("adherence", {})]
    record = {"target_per_week": 3, "weeks": [["2026-11-30", 1]], "total_workouts": 6}
    content = answered(text, [("adherence", {}, {**record, "days_since_last": 4})]).content
    assert content and "rule-based coach (not" not in content
    assert "6 days" in content and "4 days ago" in content


def test_a_short_yes_after_the_plan_is_acknowledged() -> None:
    content = ask("ok", *_planned()).content or ""
    assert "didn't catch" not in content


def test_forget_targets_name_the_note() -> None:
    assert forget_target("pls forget the thing about hating burpees") == "burpees"
    assert forget_target("forget what I told you about evenings, they're fine now") == "evenings"


def test_a_progression_question_about_their_own_lift_gets_their_progression_not_the_faq() -> None:
    for text in ("when should I go heavier on goblet squats?", "when can I increase my squat"):
        intents = understand(text).intents
        assert "progression" in intents
        assert "training_question" not in intents
