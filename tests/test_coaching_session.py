"""The live session through the real turn loop: scripted model calls, database end state."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from agent.coaching import session
from agent.live.state import LiveState
from agent.loop import Coach
from agent.memory import store
from agent.memory import workouts as persist
from agent.models.scripted import ScriptedModel, call, calls, say
from agent.planning.catalog import constraint_tags
from tests.factories import make_coach, make_user


class _Driver:
    """One conversation: each step scripts a tool call and a reply, then runs the turn."""

    def __init__(self, db: sqlite_utils.Database, now: datetime, name: str = "alex") -> None:
        self.db = db
        self.now = now
        self.user_id, self.conversation_id = make_user(db, now, name)
        store.save_profile(
            db,
            self.user_id,
            store.Profile(equipment=["dumbbells", "bench"], session_minutes=40, units="kg"),
            now,
        )
        self.model = ScriptedModel()

    def coach(self) -> Coach:
        return make_coach(self.db, self.model, self.now)

    def say(self, text: str, tool: str, arguments: dict[str, Any] | None = None) -> Any:
        self.model.push(calls(call(tool, arguments or {})), say("ok"))
        result = self.coach().turn(self.user_id, self.conversation_id, text)
        self.model.assert_complete()
        assert result.tool_calls, result
        return result.tool_calls[0]["result"]


def test_a_whole_session_logs_adapts_compresses_and_summarises(
    db: sqlite_utils.Database, now: datetime
) -> None:
    d = _Driver(db, now)
    warm = d.say("let's go", "start_workout")
    assert warm["phase"] == "warmup" and warm["gap_days"] is None
    first = d.say("done", "next_step")
    assert first["phase"] == "set" and first["exercise"]["name"] == "Goblet squat"
    assert first["exercise"]["cues"]
    assert first["exercise"]["load"] is None  # no history: the guidance says how to choose
    logged = d.say("10 at 12 kg", "log_set", {"reps": 10, "load": 12, "unit": "kg"})
    assert logged["rest_s"] == first["exercise"]["rest_s"] > 0
    assert logged["exercise"]["load"] == 12.0 and logged["set"] == 2
    d.say("did 10", "log_set", {"reps": 10})
    d.say("RPE 9", "log_set", {"reps": 9, "rpe": 9})
    bench = d.say("done", "next_step")
    assert bench["exercise"]["name"] == "Dumbbell bench press"
    d.say("8 reps with 25 lb", "log_set", {"reps": 8, "load": 25, "unit": "lb"})
    heavy = d.say("too heavy", "adjust_load", {"direction": "down"})
    assert heavy["exercise"]["load"] < 25 and heavy["exercise"]["unit"] == "lb"
    d.say("8, 2 left in the tank", "log_set", {"reps": 8, "rir": 2})
    third = d.say("ready", "next_step")
    assert third["exercise"]["id"] == "db_row"
    remaining_before = third["remaining_minutes"]
    squeezed = d.say("only 5 minutes left", "compress_remaining", {"minutes": 5})
    assert squeezed["compressed"]["after_minutes"] <= 5
    assert squeezed["compressed"]["after_minutes"] < remaining_before
    assert squeezed["compressed"]["changes"]
    # The cut is said, with its reason, before what to do now.
    assert squeezed["message"].startswith("To fit 5 minutes")
    d.say("8 at 16", "log_set", {"reps": 8, "load": 16})
    summary = d.say("I'm done for today", "finish_workout")
    assert summary["sets"] == 6 and summary["exercises"] == 3
    assert summary["volume_kg"] > 0
    assert "too easy" in summary["question"]
    rows = db.execute(
        "SELECT exercise_id, reps, load, unit, load_kg FROM set_logs ORDER BY id"
    ).fetchall()
    assert len(rows) == 6
    assert all(None not in r for r in rows)
    assert ("db_bench_press", 8, 25.0, "lb", 11.34) in rows
    assert ("db_bench_press", 8, heavy["exercise"]["load"], "lb") in [r[:4] for r in rows]
    assert ("goblet_squat", 10, 12.0, "kg", 12.0) in rows
    status = db.execute("SELECT status FROM workout_sessions").fetchone()[0]
    assert status == "done"


def test_reps_below_range_lower_and_far_too_easy_raises_the_next_load(
    db: sqlite_utils.Database, now: datetime
) -> None:
    d = _Driver(db, now)
    d.say("start", "start_workout")
    d.say("done", "next_step")
    low = d.say("only got 5", "log_set", {"reps": 5, "load": 20, "unit": "kg"})
    assert low["exercise"]["load"] == 18.0 and low["adjusted"]
    easy = d.say("10, could do 6 more", "log_set", {"reps": 10, "rir": 6})
    assert easy["exercise"]["load"] > 18.0


def test_a_safety_stop_mid_session_keeps_logging_but_refuses_plan_changes(
    db: sqlite_utils.Database, now: datetime
) -> None:
    d = _Driver(db, now)
    d.say("start", "start_workout")
    d.say("done", "next_step")
    stopped = d.coach().turn(d.user_id, d.conversation_id, "my chest hurts and I feel faint")
    assert stopped.safety["tier"] in {"stop", "emergency"}
    refused = d.say("next", "next_step")
    assert refused["error"]["code"] == "plan_locked"
    logged = d.say("I did 10 before that", "log_set", {"reps": 10})
    assert logged["locked"] is True and "paused" in logged["message"]
    assert db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0] == 1
    summary = d.say("finish", "finish_workout")
    assert summary["sets"] == 1


def test_swap_keeps_the_pattern_and_skip_moves_on(db: sqlite_utils.Database, now: datetime) -> None:
    d = _Driver(db, now)
    d.say("start", "start_workout")
    d.say("done", "next_step")
    skipped = d.say("skip this one", "skip_exercise")
    assert skipped["skipped"] == "Goblet squat"
    assert skipped["exercise"]["name"] == "Dumbbell bench press"
    swapped = d.say(
        "swap it, the bench is taken", "swap_current", {"unavailable_equipment": ["bench"]}
    )
    assert swapped["exercise"]["pattern"] == "horizontal_push"
    assert swapped["exercise"]["name"] == "Dumbbell floor press"  # same muscle, no bench
    assert swapped["message"].startswith("Swapped ") and "no bench right now" in swapped["message"]


def _one_session_then_back(
    db: sqlite_utils.Database, now: datetime, name: str, days: int, feedback: str | None
) -> tuple[_Driver, dict[str, Any]]:
    d = _Driver(db, now, name)
    d.say("start", "start_workout")
    d.say("done", "next_step")
    d.say("10 at 20", "log_set", {"reps": 10, "load": 20, "unit": "kg"})
    d.say("done for today", "finish_workout")
    if feedback:
        session.feedback(db, d.user_id, now, difficulty=feedback, enjoyment=4, note=None)
    d.now = now + timedelta(days=days)
    return d, d.say("let's go", "start_workout")


def _work(db: sqlite_utils.Database, user_id: int) -> tuple[int, int]:
    row = persist.in_progress(db, user_id)
    assert row is not None
    return (
        sum(e.sets for e in row.state.exercises),
        sum(e.target_rir * e.sets for e in row.state.exercises),
    )


def test_feedback_reaches_the_next_sessions_plan(db: sqlite_utils.Database, now: datetime) -> None:
    plain, first = _one_session_then_back(db, now, "plain", 2, None)
    hard, second = _one_session_then_back(db, now, "hard", 2, "too_hard")
    assert first["gap_days"] == second["gap_days"] == 2
    sets_plain, rir_plain = _work(db, plain.user_id)
    sets_hard, rir_hard = _work(db, hard.user_id)
    assert (sets_hard, -rir_hard) < (sets_plain, -rir_plain)  # fewer sets or more in reserve
    squat = plain.say("done", "next_step")
    assert squat["exercise"]["name"] == "Goblet squat"
    assert squat["exercise"]["load"] == 20.0  # starts from the last load lifted


def test_two_weeks_away_gets_the_gap_table_session_not_the_old_plan(
    db: sqlite_utils.Database, now: datetime
) -> None:
    recent, _ = _one_session_then_back(db, now, "recent", 2, None)
    d = _Driver(db, now, "away")
    d.say("start", "start_workout")
    d.say("done", "next_step")
    d.say("10 at 20", "log_set", {"reps": 10, "load": 20, "unit": "kg"})
    d.say("done", "finish_workout")
    # The old plan: a session planned for two days later, never done.
    old_day = (now + timedelta(days=2)).date().isoformat()
    old_plan = {"exercises": [{"id": "goblet_squat", "name": "Goblet squat", "sets": 5}]}
    db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, created_at) "
        "VALUES (?, 'planned', ?, ?, ?)",
        [d.user_id, old_day, json.dumps(old_plan), str(now)],
    )
    d.now = now + timedelta(days=16)
    back = d.say("let's go", "start_workout")
    assert back["gap_days"] == 16
    assert "Welcome back" in back["message"]
    # The planner's gap-table reason, and less work than the same session after 2 days.
    assert any("16 days" in a or "break" in a.lower() for a in back["adjustments"])
    assert _work(db, d.user_id)[0] < _work(db, recent.user_id)[0]
    missed = db.execute(
        "SELECT status, skip_reason FROM workout_sessions WHERE user_id = ? AND planned_for = ?",
        [d.user_id, old_day],
    )
    assert missed.fetchone() == ("skipped", "missed")


def test_resume_after_a_crash_is_at_the_same_set(db: sqlite_utils.Database, now: datetime) -> None:
    d = _Driver(db, now)
    d.say("start", "start_workout")
    d.say("done", "next_step")
    d.say("did 10", "log_set", {"reps": 10})
    d.now = now + timedelta(minutes=20)
    resumed = session.start(db, d.user_id, d.now)
    assert resumed["event"] == "resumed"
    assert resumed["exercise"]["name"] == "Goblet squat" and resumed["set"] == 2


def test_a_swap_to_spare_a_joint_avoids_exercises_that_load_it(
    db: sqlite_utils.Database, now: datetime
) -> None:
    d = _Driver(db, now)
    d.say("start", "start_workout")
    d.say("done", "next_step")
    knee = d.say("my knee is cranky", "swap_current", {"protect": ["knee"]})
    assert knee["spared"]["changes"] == ["Goblet squat -> Dumbbell box squat"]
    assert knee["exercise"]["pattern"] == "squat"
    assert "professional" in knee["message"]
    back = d.say("my lower back is cranky", "swap_current", {"protect": ["lower_back"]})
    # The squat in play is fine for the back; the deadlift later in the session is not.
    assert back["exercise"]["name"] == "Dumbbell box squat"
    [change] = back["spared"]["changes"]
    assert change.startswith("Dumbbell Romanian deadlift -> ")
    state = LiveState.model_validate_json(
        db.execute("SELECT state FROM workout_sessions").fetchone()[0]
    )
    hinge = next(e for e in state.exercises if e.swapped_from == "Dumbbell Romanian deadlift")
    assert hinge.pattern == "hinge"
    assert not set(hinge.joints) & set(constraint_tags(["lower_back"]))


def test_a_session_planned_earlier_today_is_the_one_that_runs(
    db: sqlite_utils.Database, now: datetime
) -> None:
    d = _Driver(db, now)
    planned = d.say("plan today, 30 minutes", "plan_today", {"minutes": 30})
    ids = [e["id"] for e in planned["session"]["exercises"]]
    started = d.say("let's go", "start_workout")
    assert started["session_id"] == planned["session_id"]
    row = persist.in_progress(db, d.user_id)
    assert row is not None and [e.id for e in row.state.exercises] == ids
    assert all(e.rest_s > 0 for e in row.state.exercises)  # supersets rest after the round
    first = d.say("done", "next_step")
    assert first["exercise"]["id"] == ids[0]
    later = next(e for e in row.state.exercises[1:] if "bench" in e.equipment)
    swapped = d.say("the bench is taken", "swap_current", {"unavailable_equipment": ["bench"]})
    assert swapped["swapped"]["from"] == later.name
    assert swapped["announced"].startswith(f"Later on, {later.name} becomes")
    assert swapped["exercise"]["id"] == ids[0]  # the lift in play stays
