"""Isolation: nothing of person A ever reaches person B's context, export or replies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlite_utils

from agent.memory import history, intake, notes, portability
from agent.memory.context import build_context
from agent.memory.history import SetInput
from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, call, calls
from tests.factories import make_coach, make_user, sample_exercise_index, use_exercise_index

A_MARKERS = (
    "Zephyrine",
    "kettlebell-a",
    "mountain-bike-a",
    "137.5",
    "Sled drag",
    "wedding prep",
    "wedding nerves",
)


def _person_a(db: sqlite_utils.Database, now: datetime) -> int:
    user_id, _ = make_user(db, now, "Zephyrine Alpha")
    intake.update_profile(db, user_id, {"goal": "endurance", "equipment": ["kettlebell-a"]}, now)
    notes.add_note(db, user_id, kind="preference", text="loves mountain-bike-a rides", now=now)
    notes.add_note(db, user_id, kind="barrier", subject="wedding", text="wedding prep", now=now)
    history.log_sets(
        db,
        user_id,
        exercise_id="back_squat",
        exercise_name="Back squat",
        sets=[SetInput(reps=3, load=137.5, unit="kg")],
        now=now - timedelta(days=1),
    )
    history.log_sets(
        db,
        user_id,
        exercise_id="custom:sled_drag",
        exercise_name="Sled drag",
        sets=[SetInput(reps=1, load=90, unit="kg")],
        now=now - timedelta(days=1),
    )
    history.skip_session(db, user_id, now=now - timedelta(days=2), reason="wedding prep")
    history.record_feedback(db, user_id, now=now, difficulty="too_hard", note="wedding nerves")
    return user_id


def _person_b(db: sqlite_utils.Database, now: datetime) -> tuple[int, int]:
    user_id, conversation_id = make_user(db, now, "Bo Beta")
    intake.update_profile(db, user_id, {"goal": "strength", "equipment": ["dumbbells"]}, now)
    history.log_sets(
        db,
        user_id,
        exercise_id="back_squat",
        exercise_name="Back squat",
        sets=[SetInput(reps=8, load=40, unit="kg")],
        now=now - timedelta(days=3),
    )
    return user_id, conversation_id


def _assert_clean(blob: str) -> None:
    for marker in A_MARKERS:
        assert marker.lower() not in blob.lower(), marker


def test_b_context_and_export_hold_nothing_of_a(db: sqlite_utils.Database, now: datetime) -> None:
    _person_a(db, now)
    b, _ = _person_b(db, now)
    _assert_clean(build_context(db, b, now))
    _assert_clean(json.dumps(portability.export_user(db, b), default=str))
    for function in (history.adherence, history.top_exercises):
        _assert_clean(json.dumps(function(db, b, now).__repr__()))
    assert history.skipped_sessions(db, b) == []
    assert history.recent_feedback(db, b) == []


def _echo_everything(messages: list[dict[str, Any]]) -> AssistantMessage:
    # The worst case for a leak: the reply repeats every tool result it was shown.
    shown = [m["content"] for m in messages if m["role"] == "tool"]
    return AssistantMessage(content=json.dumps(shown))


def test_b_replies_never_show_a_even_when_the_model_repeats_everything(
    db: sqlite_utils.Database, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_exercise_index(monkeypatch, sample_exercise_index())
    a = _person_a(db, now)
    b, conversation_id = _person_b(db, now)
    queries = [
        call("get_profile", {}, "1"),
        call("last_performance", {"exercise": "back squat"}, "2"),
        call("exercise_progress", {"exercise": "back squat"}, "3"),
        call("workout_history", {"start": "2026-01-01"}, "4"),
        call("skipped_workouts", {}, "5"),
        call("adherence", {}, "6"),
        call("weekly_muscle_sets", {}, "7"),
        call("preferred_substitutions", {}, "8"),
        call("last_performance", {"exercise": "sled-drag"}, "9"),
        call("forget_note", {"target": "wedding"}, "10"),
        call("record_feedback", {"difficulty": "too_easy"}, "11"),
    ]
    model = ScriptedModel([calls(*queries), _echo_everything])
    result = make_coach(db, model, now).turn(b, conversation_id, "what do you know about me?")
    model.assert_complete()
    _assert_clean(result.reply)
    _assert_clean(json.dumps([c["result"] for c in result.tool_calls], default=str))
    for messages, _ in model.requests:
        shown = [m["content"] for m in messages if m["role"] in {"system", "tool"}]
        _assert_clean(json.dumps(shown))
    # B's own data is there, so the echo did carry memory.
    assert "Back squat 8x40kg" in result.reply
    # B's attempt to forget "wedding" touched none of A's notes.
    assert len(notes.notes(db, a)) == 2
    assert len(history.recent_feedback(db, a)) == 1
