"""Planning tools through the registry and the turn loop: arguments, results, database state."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlite_utils

from agent.memory import history as memory_history
from agent.memory import store
from agent.memory.notes import add_note
from agent.memory.workouts import planned_session, read_history
from agent.models.scripted import ScriptedModel, call, calls, say
from agent.planning.models import Session
from agent.tools import default_registry
from agent.tools.context import ToolContext
from agent.tools.planning_tools import tools
from agent.tools.registry import ToolOutcome, ToolRegistry
from tests.factories import make_coach, make_user

REGISTRY = ToolRegistry(tools())


def _ctx(db: sqlite_utils.Database, now: datetime, **profile: Any) -> ToolContext:
    user_id, conversation_id = make_user(db, now)
    store.save_profile(db, user_id, store.Profile(**profile), now)
    return ToolContext(db=db, user_id=user_id, conversation_id=conversation_id, now=now)


def _run(ctx: ToolContext, name: str, **arguments: Any) -> ToolOutcome:
    return REGISTRY.run(ctx, name, json.dumps(arguments))


PROFILE = {
    "goal": "hypertrophy",
    "level": "intermediate",
    "equipment": ["dumbbells", "bench"],
    "days_per_week": 3,
    "session_minutes": 45,
}


def test_tools_are_registered_with_plan_changing_flags() -> None:
    names = set(default_registry().names())
    mine = {
        "plan_today",
        "shorten_session",
        "swap_equipment",
        "equipment_unavailable",
        "temporary_place",
        "swap_exercise",
        "adjust_difficulty",
        "weekly_program",
        "next_progression",
    }
    assert mine <= names
    assert mine <= default_registry().plan_changing()


def test_plan_today_uses_the_profile_and_stores_the_plan(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now, **PROFILE)
    out = _run(ctx, "plan_today")
    assert out.ok, out.result
    session = out.result["session"]
    assert 36 <= session["est_minutes"] <= 45
    assert session["goal"] == "hypertrophy"
    assert all(
        set(e["equipment"]) <= {"dumbbells", "bench", "bodyweight"} for e in session["exercises"]
    )
    stored = planned_session(db, ctx.user_id, now.date())
    assert stored is not None and stored[0] == out.result["session_id"]
    assert stored[1].est_minutes == session["est_minutes"]
    rows = db.execute(
        "SELECT status, planned_for FROM workout_sessions WHERE user_id = ?", [ctx.user_id]
    ).fetchall()
    assert rows == [("planned", now.date().isoformat())]


def test_overrides_and_constraints(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    add_note(db, ctx.user_id, kind="constraint", subject="knee", text="achy knee", now=now)
    ctx.constraints = ["shoulder"]
    out = _run(ctx, "plan_today", minutes=20, equipment=["a pair of dumbbells"], energy=2)
    assert out.ok, out.result
    session = out.result["session"]
    assert session["est_minutes"] <= 20
    assert session["readiness"] == "low"
    banned = {"deep_knee_flexion", "impact", "overhead", "end_range_shoulder"}
    assert not any(set(e["tags"]) & banned for e in session["exercises"])


def test_what_was_said_today_carries_over(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    assert _run(ctx, "plan_today", minutes=30, equipment=["nothing"]).ok
    again = _run(ctx, "plan_today", avoid=["knees"])
    session = again.result["session"]
    assert session["minutes"] == 30
    assert all(e["equipment"] == ["bodyweight"] for e in session["exercises"])
    assert len(db.execute("SELECT id FROM workout_sessions").fetchall()) == 1


def test_adaptations_update_todays_plan(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    first = _run(ctx, "plan_today").result
    short = _run(ctx, "shorten_session", minutes=15)
    assert short.ok and short.result["session"]["est_minutes"] <= 15
    assert short.result["changes"][0].startswith("Shortened")
    assert short.result["session_id"] == first["session_id"]
    target = short.result["session"]["exercises"][0]
    swapped = _run(ctx, "swap_exercise", exercise=target["name"].lower(), reason="I hate it")
    assert swapped.ok, swapped.result
    assert target["id"] not in [e["id"] for e in swapped.result["session"]["exercises"]]
    bands = _run(ctx, "swap_equipment", equipment=["resistance band"])
    assert bands.ok
    assert all(
        set(e["equipment"]) <= {"bands", "bodyweight"} for e in bands.result["session"]["exercises"]
    )
    harder = _run(ctx, "adjust_difficulty", direction="harder")
    assert harder.ok and harder.result["changes"][0] == "Made one step harder."
    stored = planned_session(db, ctx.user_id, now.date())
    assert stored is not None and stored[1].request.difficulty == 1
    assert stored[1].request.minutes == 15


def test_adapting_without_a_plan_plans_first(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    out = _run(ctx, "shorten_session", minutes=20)
    assert out.ok and out.result["session"]["est_minutes"] <= 20


def test_model_mistakes_come_back_as_helpful_errors(
    db: sqlite_utils.Database, now: datetime
) -> None:
    ctx = _ctx(db, now, **PROFILE)
    bad_equipment = _run(ctx, "plan_today", equipment=["laser"])
    assert not bad_equipment.ok and "unknown equipment 'laser'" in bad_equipment.content()
    bad_area = _run(ctx, "plan_today", avoid=["spleen"])
    assert not bad_area.ok and "knee" in bad_area.content()
    bad_goal = _run(ctx, "plan_today", goal="get huge")
    assert not bad_goal.ok
    _run(ctx, "plan_today")
    missing = _run(ctx, "swap_exercise", exercise="pistol squat")
    assert not missing.ok and "not in today's session" in missing.content()
    vague = _run(ctx, "next_progression", exercise="row")
    assert not vague.ok and "closest" in vague.content() and "id band_row" in vague.content()
    unknown = _run(ctx, "next_progression", exercise="zzzz qqq")
    assert not unknown.ok and "no exercise like" in unknown.content()
    direction = _run(ctx, "adjust_difficulty", direction="sideways")
    assert not direction.ok


def test_plan_changing_tools_refuse_while_locked(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    ctx.plan_locked = True
    out = _run(ctx, "plan_today")
    assert not out.ok and out.result["error"]["code"] == "plan_locked"
    assert db.execute("SELECT COUNT(*) FROM workout_sessions").fetchone()[0] == 0


def _log(db: sqlite_utils.Database, user_id: int, when: datetime, reps: int, kg: float) -> None:
    memory_history.log_sets(
        db,
        user_id,
        exercise_id="goblet_squat",
        exercise_name="Goblet squat",
        sets=[memory_history.SetInput(reps=reps, load=kg, unit="kg", rir=2)] * 3,
        now=when,
    )


def test_next_progression_reads_logged_sets(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    _log(db, ctx.user_id, now - timedelta(days=5), 12, 20)
    _log(db, ctx.user_id, now - timedelta(days=2), 12, 20)
    out = _run(ctx, "next_progression", exercise="goblet squats")
    assert out.ok, out.result
    assert out.result["action"] == "add_load" and out.result["load"] == 22.0
    history = read_history(db, ctx.user_id, now.date())
    assert [len(s.exercises[0].sets) for s in history.done()] == [3, 3]


def test_plan_today_suggests_loads_from_history(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    _log(db, ctx.user_id, now - timedelta(days=5), 12, 20)
    _log(db, ctx.user_id, now - timedelta(days=2), 12, 20)
    session = _run(ctx, "plan_today").result["session"]
    squat = next(e for e in session["exercises"] if e["id"] == "goblet_squat")
    assert squat["load"]["value"] == 22.0


def test_skipped_sessions_are_read_as_skipped(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    memory_history.skip_session(db, ctx.user_id, now=now - timedelta(days=1), reason="busy")
    history = read_history(db, ctx.user_id, now.date())
    assert [s.status for s in history.sessions] == ["skipped"]


def test_weekly_program_tool(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    out = _run(ctx, "weekly_program")
    assert out.ok, out.result
    assert out.result["split"] == "full body A/B/C"
    assert out.result["today"]["focus"] == "full_a"
    four = _run(ctx, "weekly_program", days_per_week=4)
    assert four.result["split"] == "upper/lower"


def test_plan_today_through_the_loop(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now, name="sam")
    store.save_profile(db, user_id, store.Profile(**PROFILE), now)
    model = ScriptedModel(
        [calls(call("plan_today", {"minutes": 20})), say("Here is your 20-minute session.")]
    )
    result = make_coach(db, model, now).turn(user_id, conversation_id, "20 minutes today?")
    model.assert_complete()
    assert result.tool_calls[0]["name"] == "plan_today"
    stored = planned_session(db, user_id, now.date())
    assert stored is not None
    assert isinstance(stored[1], Session) and stored[1].est_minutes <= 20


@pytest.mark.parametrize("name", ["plan_today", "weekly_program"])
def test_results_are_json_serialisable(db: sqlite_utils.Database, now: datetime, name: str) -> None:
    ctx = _ctx(db, now, **PROFILE)
    out = _run(ctx, name)
    assert json.loads(out.content())


def test_dislike_notes_steer_the_plan(db: sqlite_utils.Database, now: datetime) -> None:
    ctx = _ctx(db, now, **PROFILE)
    first = _run(ctx, "plan_today").result["session"]
    squats = [e["id"] for e in first["exercises"] if "squat" in e["id"]]
    assert squats
    add_note(db, ctx.user_id, kind="dislike", subject="squats", text="hates squats", now=now)
    again = _run(ctx, "plan_today").result["session"]
    assert not [e["id"] for e in again["exercises"] if "squat" in e["name"].lower()]
    assert any(e["pattern"] in {"hinge", "lunge", "squat"} for e in again["exercises"])
