"""Intake and notes: what is still unknown, and profile changes from ordinary conversation.

Tools are exercised through the real turn loop with a scripted model, so these tests also
check what the model is shown and what the database holds afterwards.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlite_utils

from agent.memory import intake, notes, store
from agent.models.scripted import ScriptedModel, call, calls, say
from tests.factories import make_coach, make_user, sample_exercise_index, use_exercise_index


def _run(
    db: sqlite_utils.Database, now: datetime, text: str, *tool_calls: tuple[str, dict[str, object]]
) -> tuple[int, list[dict[str, object]]]:
    user_id, conversation_id = make_user(db, now)
    script = [calls(call(name, args, f"c{i}")) for i, (name, args) in enumerate(tool_calls)]
    model = ScriptedModel([*script, say("Done.")])
    result = make_coach(db, model, now).turn(user_id, conversation_id, text)
    model.assert_complete()
    return user_id, result.tool_calls


def test_missing_fields_follow_the_asking_order(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    assert intake.missing_fields(db, user_id) == list(intake.INTAKE_FIELDS)
    intake.update_profile(db, user_id, {"goal": "strength", "equipment": []}, now)
    assert intake.next_questions(db, user_id) == ["level", "days_per_week"]
    intake.update_profile(
        db,
        user_id,
        {"level": "beginner", "days_per_week": 3, "session_minutes": 30, "no_barriers": True},
        now,
    )
    assert intake.missing_fields(db, user_id) == ["constraints"]
    notes.add_note(db, user_id, kind="constraint", subject="knee", text="sore knee", now=now)
    assert intake.missing_fields(db, user_id) == []


def test_equipment_is_added_and_removed_without_duplicates(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    intake.update_profile(db, user_id, {"equipment": ["Dumbbells", "dumbbells"]}, now)
    intake.add_equipment(db, user_id, ["Kettlebell", "kettlebell", "nothing"], now)
    assert store.get_profile(db, user_id).equipment == ["dumbbells", "kettlebell"]
    intake.remove_equipment(db, user_id, ["kettlebells"], now)
    assert store.get_profile(db, user_id).equipment == ["dumbbells"]


def test_correct_profile_sets_or_clears_a_field(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    intake.update_profile(db, user_id, {"level": "beginner", "days_per_week": 4}, now)
    intake.correct_profile(db, user_id, "level", "intermediate", now)
    intake.correct_profile(db, user_id, "days_per_week", None, now)
    profile = store.get_profile(db, user_id)
    assert (profile.level, profile.days_per_week) == ("intermediate", None)
    with pytest.raises(ValueError):
        intake.correct_profile(db, user_id, "name", "x", now)
    with pytest.raises(ValueError):
        intake.correct_profile(db, user_id, "days_per_week", "many", now)


def test_notes_are_forgotten_by_id_subject_or_words(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    lunges = notes.add_note(
        db, user_id, kind="dislike", subject="Lunges", text="I hate lunges", now=now
    )
    morning = notes.add_note(db, user_id, kind="preference", text="trains at 6am", now=now)
    barrier = notes.add_note(db, user_id, kind="barrier", text="night shifts", now=now)
    assert notes.forget_note(db, user_id, "lunge", now) == [lunges]
    assert notes.forget_note(db, user_id, f"#{morning}", now) == [morning]
    assert notes.forget_note(db, user_id, "night shifts", now) == [barrier]
    assert notes.forget_note(db, user_id, "anything else", now) == []
    rows = db.execute("SELECT status, text, subject FROM notes").fetchall()
    # Forgetting erases the words, not just hides them.
    assert rows == [("forgotten", "", None)] * 3


def test_an_identical_note_is_not_stored_twice(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now)
    first = notes.add_note(
        db, user_id, kind="dislike", subject="burpee", text="no burpees", now=now
    )
    again = notes.add_note(
        db, user_id, kind="dislike", subject="burpees", text="no  burpees", now=now
    )
    assert first == again
    with pytest.raises(ValueError):
        notes.add_note(db, user_id, kind="wish", text="x", now=now)


def test_i_bought_a_kettlebell_adds_equipment(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, tool_calls = _run(
        db, now, "I bought a kettlebell", ("add_equipment", {"items": ["kettlebell"]})
    )
    assert tool_calls[0]["result"]["profile"]["equipment"] == ["kettlebell"]  # type: ignore[index]
    assert store.get_profile(db, user_id).equipment == ["kettlebell"]


def test_two_days_now_updates_the_schedule(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = _run(db, now, "I can only do 2 days now", ("update_profile", {"days_per_week": 2}))
    assert store.get_profile(db, user_id).days_per_week == 2


def test_my_knee_is_fine_again_resolves_the_constraint(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    notes.add_note(db, user_id, kind="constraint", subject="knee", text="knee sore", now=now)
    model = ScriptedModel(
        [
            calls(call("resolve_constraint", {"area": "knees"})),
            calls(call("resolve_constraint", {"area": "shoulder"}, "again")),
            say("Great news."),
        ]
    )
    result = make_coach(db, model, now).turn(user_id, conversation_id, "my knee is fine again")
    assert store.active_constraint_areas(db, user_id) == []
    assert db.execute("SELECT status, ended_at FROM notes").fetchone()[0] == "resolved"
    # A constraint that does not exist comes back to the model as a fixable error.
    assert result.tool_calls[1]["result"]["error"]["message"].startswith("no active constraint")


def test_forget_that_i_hate_lunges_and_im_not_a_beginner(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    notes.add_note(db, user_id, kind="dislike", subject="lunge", text="hates lunges", now=now)
    intake.update_profile(db, user_id, {"level": "beginner"}, now)
    model = ScriptedModel(
        [
            calls(
                call("forget_note", {"target": "lunges"}, "a"),
                call("correct_profile", {"field": "level", "value": "intermediate"}, "b"),
            ),
            say("Noted."),
        ]
    )
    make_coach(db, model, now).turn(
        user_id, conversation_id, "forget that I hate lunges, and I'm not a beginner"
    )
    assert notes.notes(db, user_id) == []
    assert store.get_profile(db, user_id).level == "intermediate"


def test_add_note_tool_and_intake_none_answers(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = _run(
        db,
        now,
        "work travel gets in the way; no injuries",
        ("add_note", {"kind": "barrier", "subject": "work", "text": "travels for work"}),
        ("update_profile", {"no_constraints": True}),
    )
    assert "constraints" not in intake.missing_fields(db, user_id)
    assert "barriers" not in intake.missing_fields(db, user_id)


def test_log_sets_resolves_names_and_unknown_ones_get_close_matches(
    db: sqlite_utils.Database, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_exercise_index(monkeypatch, sample_exercise_index())
    set_ = {"reps": 8, "load": 35, "unit": "lb", "rpe": 8}
    _, tool_calls = _run(
        db,
        now,
        "did db rows 3x8 with 35 lb, and some goblin squats",
        ("log_sets", {"exercise": "db rows", "sets": [set_, set_, set_]}),
        ("log_sets", {"exercise": "goblin squad", "sets": [{"reps": 10}]}),
    )
    assert tool_calls[0]["result"]["exercise_id"] == "dumbbell_row"  # type: ignore[index]
    error = tool_calls[1]["result"]["error"]["message"]  # type: ignore[index]
    assert error.startswith("unknown exercise") and "Goblet squat" in error
    rows = db.execute("SELECT exercise_id, unit, load_kg FROM set_logs").fetchall()
    assert len(rows) == 3 and rows[0][:2] == ("dumbbell_row", "lb")


def test_history_tools_answer_from_logged_sets(
    db: sqlite_utils.Database, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_exercise_index(monkeypatch, sample_exercise_index())
    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel(
        [
            calls(call("log_sets", {"exercise": "squat", "sets": [{"reps": 5, "load": 100}]})),
            calls(
                call("last_performance", {"exercise": "back squat"}, "a"),
                call("exercise_progress", {"exercise": "squat"}, "b"),
                call("weekly_muscle_sets", {"weeks": 1}, "c"),
                call("adherence", {}, "d"),
                call("workout_history", {}, "e"),
                call("skipped_workouts", {}, "f"),
                call("preferred_substitutions", {}, "g"),
                call("record_feedback", {"difficulty": "too_hard", "enjoyment": 3}, "h"),
            ),
            say("Here you go."),
        ]
    )
    result = make_coach(db, model, now).turn(user_id, conversation_id, "how am I doing?")
    by_name = {c["name"]: c["result"] for c in result.tool_calls}
    last = by_name["last_performance"]["last_time"]["sets"]
    assert [(s["reps"], s["load"]) for s in last] == [(5, 100)]
    assert by_name["exercise_progress"]["progress"]["best_e1rm_kg"] == 116.7
    week = by_name["weekly_muscle_sets"]["weeks"][0]
    assert week["sets"]["quads"] == 1.0
    assert by_name["adherence"]["total_workouts"] == 1
    assert by_name["workout_history"]["workouts"][0]["exercises"] == ["Back squat 5x100kg"]
    assert by_name["skipped_workouts"] == {"skipped": []}
    assert by_name["preferred_substitutions"] == {"substitutions": []}
    assert json.loads(json.dumps(by_name["record_feedback"]))["feedback_id"] == 1


def test_equipment_and_areas_use_the_catalog_vocabulary(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    intake.add_equipment(db, user_id, ["a pair of DBs", "pull-up bar", "TRX straps"], now)
    assert store.get_profile(db, user_id).equipment == ["dumbbells", "pullup_bar", "trx straps"]
    notes.add_note(db, user_id, kind="constraint", subject="Lower Back", text="tweaky", now=now)
    assert store.active_constraint_areas(db, user_id) == ["lower_back"]
    assert notes.resolve_constraint(db, user_id, "lower back", now)
