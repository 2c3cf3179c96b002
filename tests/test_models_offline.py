"""The offline model: tool calls chosen from messages, replies rendered from tool results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.errors import tool_error_result
from agent.models.base import AssistantMessage
from agent.models.offline import OfflineModel, understand
from agent.models.offline.grammar import intents, question_field
from agent.tools import default_registry
from tests.factories import make_coach, make_user

SYSTEM = {"role": "system", "content": "You are coachloop.\nToday: 2026-11-16."}


def schema(name: str, *params: str) -> dict[str, Any]:
    """A tool schema as the registry offers it (only names matter to the offline model)."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": name,
            "parameters": {"type": "object", "properties": {p: {} for p in params}},
        },
    }


TOOLS = [
    schema("get_profile"),
    schema("update_profile", "goal", "level", "equipment", "days_per_week", "session_minutes"),
    schema("plan_today", "minutes", "equipment", "goal", "energy", "poor_sleep", "avoid"),
    schema("shorten_session", "minutes"),
    schema("swap_equipment", "equipment"),
    schema("swap_exercise", "exercise", "reason"),
    schema("adjust_difficulty", "direction"),
    schema("weekly_program"),
    schema("next_progression", "exercise"),
    schema("log_sets", "exercise", "sets", "days_ago"),
    schema("record_feedback", "difficulty", "enjoyment", "note"),
    schema("workout_history", "start", "end"),
    schema("adherence", "weeks"),
    schema("resolve_constraint", "area"),
    schema("forget_note", "target"),
    schema("add_note", "kind", "subject", "text"),
    schema("last_performance", "exercise"),
]

SESSION = {
    "session": {
        "est_minutes": 14.5,
        "exercises": [
            {"id": "goblet_squat", "name": "Goblet squat", "sets": 2, "reps": "8-10", "rest_s": 60},
            {"id": "db_row", "name": "Dumbbell row", "sets": 2, "reps": 10, "rest_s": 60},
        ],
    }
}


def _calls(message: AssistantMessage) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, json.loads(c.arguments)) for c in message.tool_calls]


def ask(text: str, *history: dict[str, Any], tools: list[dict[str, Any]] | None = None) -> Any:
    """The offline model's answer to ``text`` after ``history``."""
    messages = [SYSTEM, *history, {"role": "user", "content": text}]
    return OfflineModel().complete(messages, TOOLS if tools is None else tools)


def answered(
    text: str, results: list[tuple[str, dict[str, Any], Any]], *history: dict[str, Any]
) -> AssistantMessage:
    """The model's answer once ``results`` (name, arguments, result) came back for ``text``."""
    request = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"c{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for i, (name, args, _) in enumerate(results)
        ],
    }
    tool_messages = [
        {
            "role": "tool",
            "tool_call_id": f"c{i}",
            "name": name,
            "content": result if isinstance(result, str) else json.dumps(result),
        }
        for i, (name, _, result) in enumerate(results)
    ]
    messages = [SYSTEM, *history, {"role": "user", "content": text}, request, *tool_messages]
    return OfflineModel().complete(messages, TOOLS)


def _planned() -> list[dict[str, Any]]:
    """Conversation history in which today's session was already planned."""
    return [
        {"role": "user", "content": "what should I do today?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "p",
                    "type": "function",
                    "function": {"name": "plan_today", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "p", "name": "plan_today", "content": json.dumps(SESSION)},
        {"role": "assistant", "content": "Today's session ..."},
    ]


def test_intake_message_updates_the_profile() -> None:
    reply = ask("I want to get stronger, I have dumbbells and a bench, 3 days a week, 45 minutes")
    assert _calls(reply) == [
        (
            "update_profile",
            {
                "goal": "strength",
                "equipment": ["dumbbells", "bench"],
                "days_per_week": 3,
                "session_minutes": 45,
            },
        )
    ]


def test_complete_intake_is_followed_by_a_plan_then_a_reply_from_both() -> None:
    text = "I want to get stronger with dumbbells, 45 minutes"
    profile = {
        "profile": {"goal": "strength", "equipment": ["dumbbells"], "session_minutes": 45},
        "missing": ["level", "days_per_week"],
    }
    follow = answered(text, [("update_profile", {"goal": "strength"}, profile)])
    assert _calls(follow) == [("plan_today", {})]
    # Both rounds' results in, the reply shows the session and asks the next question.
    messages: list[dict[str, Any]] = [
        SYSTEM,
        {"role": "user", "content": text},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "update_profile", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": json.dumps(profile)},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "b",
                    "type": "function",
                    "function": {"name": "plan_today", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "b", "content": json.dumps(SESSION)},
    ]
    final = OfflineModel().complete(messages, TOOLS)
    assert not final.tool_calls
    text_out = final.content or ""
    assert "Goblet squat: 2 x 8-10, rest 60 s" in text_out
    assert "about 14 minutes" in text_out or "about 15 minutes" in text_out
    assert "How experienced are you" in text_out


def test_incomplete_intake_asks_the_next_question_instead_of_planning() -> None:
    profile = {"profile": {"goal": "strength"}, "missing": ["level", "equipment"]}
    reply = answered("I want to get stronger", [("update_profile", {"goal": "strength"}, profile)])
    assert not reply.tool_calls
    assert "saved: goal strength" in (reply.content or "")
    assert (reply.content or "").endswith("beginner, intermediate or advanced?")


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("How many days a week can you train?", "3", {"days_per_week": 3}),
        ("How long can a session be, in minutes?", "forty five", {"session_minutes": 45}),
        ("What equipment do you have? For example dumbbells.", "DBs", {"equipment": ["dumbbells"]}),
        ("What equipment do you have?", "nothing", {"equipment": ["bodyweight"]}),
        (
            "How experienced are you: beginner, intermediate or advanced?",
            "beginner",
            {"level": "beginner"},
        ),
    ],
)
def test_short_answers_are_read_against_the_last_question(
    question: str, answer: str, expected: dict[str, Any]
) -> None:
    reply = ask(
        answer, {"role": "user", "content": "hi"}, {"role": "assistant", "content": question}
    )
    assert _calls(reply) == [("update_profile", expected)]


def test_a_bare_number_without_a_question_is_not_guessed() -> None:
    reply = ask("3")
    assert not reply.tool_calls
    # Below the classifier's confidence: a specific question with the two likeliest readings.
    assert "do you want" in (reply.content or "")


def test_what_should_i_do_today_plans() -> None:
    assert _calls(ask("what should I do today?")) == [("plan_today", {})]


def test_several_intents_in_one_message_are_all_served() -> None:
    reply = ask("I have 20 minutes and my shoulder is sore, what should I do?")
    assert _calls(reply) == [("plan_today", {"minutes": 20, "avoid": ["shoulder"]})]
    reply = ask("3x8 goblet squats at 20 kg, RPE 7. that was too easy, what did I do last week?")
    assert [name for name, _ in _calls(reply)] == [
        "log_sets",
        "record_feedback",
        "workout_history",
    ]


def test_shorten_after_a_plan_and_before_one() -> None:
    assert _calls(ask("I only have 15 minutes actually", *_planned())) == [
        ("shorten_session", {"minutes": 15})
    ]
    assert _calls(ask("only got twelve minutes")) == [("plan_today", {"minutes": 12})]
    shortened = answered("only 15 minutes", [("shorten_session", {"minutes": 15}, SESSION)])
    assert (shortened.content or "").startswith("Shortened to fit your time")


def test_equipment_changes() -> None:
    assert _calls(ask("the gym is closed, I only have bands", *_planned())) == [
        ("swap_equipment", {"equipment": ["bands"]})
    ]
    assert _calls(ask("no equipment today", *_planned())) == [
        ("swap_equipment", {"equipment": ["bodyweight"]})
    ]
    assert _calls(ask("I'm at a hotel with just a pair of dumbbells")) == [
        ("plan_today", {"equipment": ["dumbbells"]})
    ]


def test_easier_harder_and_swaps() -> None:
    assert _calls(ask("this is too hard, make it easier", *_planned())) == [
        ("adjust_difficulty", {"direction": "easier"})
    ]
    assert _calls(ask("too easy", *_planned())) == [("adjust_difficulty", {"direction": "harder"})]
    swap = _calls(ask("can you swap the lunges? they hurt my knee"))
    # The sore knee is remembered as a constraint, and the lunges are swapped.
    assert swap == [
        (
            "add_note",
            {
                "kind": "constraint",
                "subject": "knee",
                "text": "can you swap the lunges? they hurt my knee",
            },
        ),
        (
            "swap_exercise",
            {"exercise": "lunges", "reason": "can you swap the lunges? they hurt my knee"},
        ),
    ]
    which = ask("can you swap it?")
    assert not which.tool_calls and "Which exercise" in (which.content or "")


def test_log_sets_builds_one_entry_per_set() -> None:
    calls = _calls(ask("3x8 goblet squats at 20 kg, RPE 7"))
    one = {"reps": 8, "load": 20.0, "unit": "kg", "rpe": 7.0}
    assert calls == [("log_sets", {"exercise": "goblet squats", "sets": [one, one, one]})]
    logged = {
        "exercise_id": "goblet_squat",
        "exercise_name": "Goblet squat",
        "logged": 3,
        "last_time": None,
        "best_e1rm_kg": 25.33,
    }
    reply = answered("3x8 goblet squats at 20 kg", [("log_sets", {}, logged)])
    assert reply.content == "Logged 3 sets of Goblet squat.\nEstimated best one-rep max: 25.3 kg."


def test_feedback_history_progression_and_notes() -> None:
    assert _calls(ask("great session, loved it")) == [
        (
            "record_feedback",
            {"difficulty": "about_right", "enjoyment": 5, "note": "great session, loved it"},
        )
    ]
    assert _calls(ask("what did I do last week?")) == [("workout_history", {})]
    assert _calls(ask("when should I increase my goblet squat?")) == [
        ("next_progression", {"exercise": "goblet squat"})
    ]
    assert _calls(ask("my knee feels fine now")) == [("resolve_constraint", {"area": "knee"})]
    assert _calls(ask("forget what I said about mornings")) == [
        ("forget_note", {"target": "mornings"})
    ]
    assert _calls(ask("remember that I prefer to train in the morning"))[0][0] == "add_note"


def test_history_reply_lists_what_the_tool_returned() -> None:
    result = {
        "start": "2026-11-09",
        "end": "2026-11-15",
        "workouts": [
            {
                "date": "2026-11-12",
                "status": "done",
                "title": None,
                "exercises": ["Goblet squat 3x8"],
            }
        ],
    }
    reply = answered("what did I do last week?", [("workout_history", {}, result)])
    assert reply.content == "From 2026-11-09 to 2026-11-15:\n- 2026-11-12: Goblet squat 3x8"
    empty = answered(
        "what did I do last week?", [("workout_history", {}, {**result, "workouts": []})]
    )
    assert "Nothing logged between 2026-11-09 and 2026-11-15" in (empty.content or "")


def test_scope_questions_get_honest_limits_without_tools() -> None:
    reply = ask("can you diagnose my knee?")
    assert not reply.tool_calls
    assert "can't diagnose" in (reply.content or "")
    assert "not a clinician" in (reply.content or "")


def test_unknown_messages_get_two_readings_then_the_menu_as_a_last_resort() -> None:
    first = ask("purple monkey dishwasher")
    question = first.content or ""
    assert not first.tool_calls
    assert "do you want" in question and "rule-based" not in question
    refused = ask(
        "neither",
        {"role": "user", "content": "purple monkey dishwasher"},
        {"role": "assistant", "content": question},
    )
    content = refused.content or ""
    assert "rule-based" in content and "not an AI language model" in content
    assert '"what should i do today"' in content


def test_only_offered_tools_are_called_and_arguments_follow_the_schema() -> None:
    tools = [schema("plan_today", "available_minutes")]
    assert _calls(ask("I have 20 minutes, what should I do?", tools=tools)) == [
        ("plan_today", {"available_minutes": 20})
    ]
    # A plan request without the plan tool reads as the safety lock (see the locked test);
    # any other request whose tool is not offered says so instead of improvising.
    reply = ask("what did I do last week?", tools=[schema("get_profile")])
    assert not reply.tool_calls
    assert "a look at your history" in (reply.content or "")
    assert "aren't available" in (reply.content or "")


def test_tool_errors_are_explained_and_safety_locks_respected() -> None:
    locked = answered(
        "what should I do today?",
        [("plan_today", {}, tool_error_result("plan_locked", "a safety flag is open, ..."))],
    )
    assert "safety concern" in (locked.content or "")
    failed = answered(
        "swap the flibbertigibbet",
        [("swap_exercise", {}, tool_error_result("retry", "unknown exercise 'flibbertigibbet'"))],
    )
    assert failed.content == "I couldn't swap exercise: unknown exercise 'flibbertigibbet'"


def test_intent_grammar_is_data() -> None:
    names = [i.name for i in intents()]
    assert {"plan_today", "shorten", "log_sets", "history", "medication_diagnosis"} <= set(names)
    assert all(i.examples for i in intents())
    # Every example phrasing is understood as its own intent.
    for intent in intents():
        for example in intent.examples:
            assert intent.name in understand(example).intents, example
    assert question_field("Saved. How many days a week can you train?") == "days_per_week"
    assert question_field("How long? Thanks. Great.") == "session_minutes"
    assert question_field(None) is None


def test_a_whole_conversation_through_the_loop(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now)
    coach = make_coach(db, OfflineModel(), now)
    first = coach.turn(user_id, conversation_id, "hi")
    assert [c["name"] for c in first.tool_calls] == ["get_profile"]
    assert "What's your main goal" in first.reply
    second = coach.turn(user_id, conversation_id, "build muscle")
    assert second.tool_calls[0]["arguments"] == {"goal": "hypertrophy"}
    assert second.reply.endswith("beginner, intermediate or advanced?")
    third = coach.turn(user_id, conversation_id, "intermediate")
    assert third.tool_calls[0]["result"]["profile"]["level"] == "intermediate"
    assert third.reply.endswith(
        "What equipment do you have? For example dumbbells, a bench, bands, a full gym, "
        "or nothing at all."
    )
    fourth = coach.turn(user_id, conversation_id, "just bands")
    assert fourth.tool_calls[0]["result"]["profile"]["equipment"] == ["bands"]
    assert fourth.reply.endswith("How many days a week can you train?")
    fifth = coach.turn(user_id, conversation_id, "4")
    assert fifth.tool_calls[0]["result"]["profile"]["days_per_week"] == 4
    logged = coach.turn(user_id, conversation_id, "3x12 band rows, 2 left in the tank")
    assert logged.tool_calls[0]["name"] == "log_sets"
    assert logged.reply.startswith("Logged 3 sets of")
    history = coach.turn(user_id, conversation_id, "what did I do this week?")
    assert history.tool_calls[0]["name"] == "workout_history"
    assert "3x" in history.reply or "12" in history.reply


def test_unclear_exercise_names_get_a_clarifying_question() -> None:
    reply = ask("swap the zercher thing")
    assert not reply.tool_calls
    assert (reply.content or "").startswith('I\'m not sure which exercise "zercher thing" is.')
    assert "Zercher carry" in (reply.content or "")
    assert not ask("3x5 zercher thing at 60 kg").tool_calls
    # Confident names ("goblet squats", "db row") go straight to the tools.
    assert [n for n, _ in _calls(ask("3x8 db row at 20 kg"))] == ["log_sets"]


def test_model_directed_hints_are_not_shown() -> None:
    failed = answered(
        "3x8 flibbertigibbet",
        [
            (
                "log_sets",
                {},
                tool_error_result(
                    "retry", "unknown exercise 'flibbertigibbet'; ask the person to rephrase"
                ),
            )
        ],
    )
    assert failed.content == "I couldn't log sets: unknown exercise 'flibbertigibbet'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("give me a 30 minute session", [("plan_today", {"minutes": 30})]),
        ("plan me a 45 minute session", [("plan_today", {"minutes": 45})]),
        (
            "feeling wiped out today, energy 2/5, I have 45 minutes",
            [("plan_today", {"energy": 2, "minutes": 45})],
        ),
        (
            "the bench is taken, I only have dumbbells today",
            [("plan_today", {"equipment": ["dumbbells"]})],
        ),
        (
            "I'm not a beginner, I've been lifting for five years",
            [("update_profile", {"level": "intermediate"})],
        ),
        ("how consistent have I been lately?", [("adherence", {})]),
        (
            "how did my goblet squats go last time?",
            [("last_performance", {"exercise": "goblet squats"})],
        ),
        ("what should I do if I ever feel dizzy during a workout?", []),
        (
            "four days is a pain in the neck to schedule, can we do 3 days a week?",
            # The change is said outright; the new week is shown with it (answer first).
            [("update_profile", {"days_per_week": 3}), ("weekly_program", {})],
        ),
        (
            "did 5 deadlifts at 100 kg, RPE 8",
            [
                (
                    "log_sets",
                    {
                        "exercise": "deadlifts",
                        "sets": [{"reps": 5, "load": 100.0, "unit": "kg", "rpe": 8.0}],
                    },
                )
            ],
        ),
        (
            "forget that I hate lunges, I've come around to them",
            [("forget_note", {"target": "lunges"})],
        ),
        (
            "I hate burpees",
            [("add_note", {"kind": "dislike", "subject": "burpees", "text": "I hate burpees"})],
        ),
        (
            "what usually gets in the way is evenings",
            [("add_note", {"kind": "barrier", "text": "what usually gets in the way is evenings"})],
        ),
    ],
)
def test_phrasings_from_the_eval_scenarios(text: str, expected: list[Any]) -> None:
    assert _calls(ask(text)) == expected


def test_symptom_questions_get_conservative_advice() -> None:
    reply = ask("what should I do if I ever feel dizzy during a workout?")
    assert "stop straight away" in (reply.content or "")


def test_new_equipment_is_added_to_the_stored_list() -> None:
    assert _calls(ask("Good news, I bought a kettlebell!")) == [("get_profile", {})]
    profile = {"profile": {"equipment": ["dumbbells", "bench"]}, "missing": []}
    follow = answered("Good news, I bought a kettlebell!", [("get_profile", {}, profile)])
    assert _calls(follow) == [
        ("update_profile", {"equipment": ["dumbbells", "bench", "kettlebell"]})
    ]


def test_readiness_reaches_the_planner() -> None:
    text = "Slept terribly, energy is 1 out of 5 today. I have 45 minutes, what should I do?"
    assert _calls(ask(text)) == [("plan_today", {"energy": 1, "minutes": 45, "poor_sleep": True})]


def test_weekly_program_and_progression_replies_come_from_the_tools() -> None:
    week = {
        "split": "full body A/B/C",
        "days_per_week": 3,
        "days": [
            {
                "weekday": "Mon",
                "label": "Full body A",
                "status": "done",
                "est_minutes": 0,
                "exercises": [],
            },
            {
                "weekday": "Wed",
                "label": "Full body B",
                "status": "planned",
                "est_minutes": 44.5,
                "exercises": ["Push-up"],
            },
        ],
        "today": {"focus": None, "label": "Rest day", "reasons": ["Trained yesterday"]},
    }
    reply = answered("what does my week look like?", [("weekly_program", {}, week)])
    assert reply.content == (
        "Your week: full body A/B/C, 3 days.\n- Mon: Full body A (done)\n"
        "- Wed: Full body B, about 44 minutes: Push-up\nToday: Rest day (Trained yesterday)."
    )
    step = {
        "exercise_name": "Goblet squat",
        "load": 22.5,
        "unit": "kg",
        "target_reps": 8,
        "rep_low": 8,
        "rep_high": 12,
        "next_exercise_name": None,
        "reasons": ["Hit 12 reps on every set."],
    }
    reply = answered("when should I go heavier on goblet squats?", [("next_progression", {}, step)])
    assert reply.content == (
        "Goblet squat: next time 22.5 kg for 8 reps.\n- Hit 12 reps on every set."
    )


def test_a_locked_plan_is_not_even_requested() -> None:
    # While a safety flag stands the loop does not offer the plan-changing tools.
    changing = default_registry().plan_changing()
    locked = [t for t in TOOLS if t["function"]["name"] not in changing]
    messages = [SYSTEM, {"role": "user", "content": "ok then give me a quick 10 minute workout"}]
    reply = OfflineModel().complete(messages, locked)
    assert not reply.tool_calls
    assert (reply.content or "").startswith("I can't change your plan while the safety concern")
    # Logging and history still work while the plan is locked.
    messages = [SYSTEM, {"role": "user", "content": "what did I do last week?"}]
    assert _calls(OfflineModel().complete(messages, locked)) == [("workout_history", {})]


@settings(max_examples=150, deadline=None)
@given(text=st.text(min_size=1, max_size=160))
def test_any_message_gets_calls_to_offered_tools_or_a_reply(text: str) -> None:
    reply = ask(text)
    offered = {t["function"]["name"]: t["function"]["parameters"]["properties"] for t in TOOLS}
    if reply.tool_calls:
        for call in reply.tool_calls:
            assert call.name in offered
            assert set(json.loads(call.arguments)) <= set(offered[call.name])
    else:
        assert (reply.content or "").strip()


def test_equipment_named_in_a_request_limits_todays_plan() -> None:
    assert _calls(ask("Give me a 20-minute dumbbell session")) == [
        ("plan_today", {"equipment": ["dumbbells"], "minutes": 20})
    ]
    # Buying something adds to what the person owns; it does not narrow today's plan to it.
    bought = _calls(ask("I bought a kettlebell, what should I do today?"))
    assert ("plan_today", {}) in bought


def test_the_lock_is_read_from_the_tools_offered_never_from_the_prompt() -> None:
    # The context still tells an LLM about the lock in words; the offline model goes by
    # what it is offered, so the words alone change nothing.
    prose = {"role": "system", "content": "Safety flags: stop on 2026-11-16 (plan changes locked)."}
    messages = [prose, {"role": "user", "content": "give me a quick 10 minute workout"}]
    assert _calls(OfflineModel().complete(messages, TOOLS)) == [("plan_today", {"minutes": 10})]
