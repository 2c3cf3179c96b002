"""Live-session phrases reach the session tools through the offline model and `coach chat`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from agent.clock import utc_now
from agent.errors import tool_error_result
from agent.memory import store
from agent.memory.db import connect
from agent.models.offline import router
from agent.tools import default_registry

_OFFERED = set(router.SESSION_TOOLS) | {"record_feedback"}


def _conversation(last_tool: str | None, result: Any, text: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": "x"}]
    if last_tool is not None:
        messages += [
            {"role": "user", "content": "before"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
            {"role": "tool", "name": last_tool, "content": json.dumps(result)},
            {"role": "assistant", "content": "ok"},
        ]
    return [*messages, {"role": "user", "content": text}]


_LIVE = {"event": "logged", "phase": "rest"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("done", [("next_step", {})]),
        ("ok next", [("next_step", {})]),
        ("right, next please", [("next_step", {})]),
        ("did 8", [("log_set", {"reps": 8})]),
        ("8 at 22.5", [("log_set", {"reps": 8, "load": 22.5, "sets": 1})]),
        ("8 reps with 50 lb", [("log_set", {"reps": 8, "load": 50.0, "unit": "lb", "sets": 1})]),
        ("3 sets of 10", [("log_set", {"reps": 10, "sets": 3})]),
        ("RPE 9", [("log_set", {"rpe": 9.0})]),
        ("2 left in the tank", [("log_set", {"rir": 2})]),
        ("too heavy", [("adjust_load", {"direction": "down", "reason": "too heavy"})]),
        ("too easy", [("adjust_load", {"direction": "up", "reason": "too easy"})]),
        ("skip this one", [("skip_exercise", {})]),
        ("only 5 minutes left", [("compress_remaining", {"minutes": 5})]),
        ("I'm done for today", [("finish_workout", {})]),
        ("let's go", [("current_step", {})]),
        ("where was I?", [("current_step", {})]),
    ],
)
def test_live_phrases_route_to_session_tools(text: str, expected: list[Any]) -> None:
    assert router.route(_conversation("log_set", _LIVE, text), _OFFERED) == expected


def test_swap_names_the_missing_equipment() -> None:
    calls = router.route(_conversation("next_step", _LIVE, "swap it, the bench is taken"), _OFFERED)
    assert calls is not None and calls[0][0] == "swap_current"
    assert calls[0][1]["unavailable_equipment"] == ["bench"]


def test_outside_a_session_only_start_is_claimed() -> None:
    assert router.route(_conversation(None, None, "let's go"), _OFFERED) == [("start_workout", {})]
    assert router.route(_conversation(None, None, "did 8"), _OFFERED) is None
    finished = {"event": "finished"}
    assert router.route(_conversation("finish_workout", finished, "about right, 4"), _OFFERED) == [
        ("record_feedback", {"difficulty": "about_right", "enjoyment": 4, "note": "about right, 4"})
    ]
    after = _conversation("record_feedback", {"id": 1}, "done")
    assert router.route(after, _OFFERED) is None


def test_a_refused_call_does_not_hide_the_live_session() -> None:
    messages = _conversation("log_set", _LIVE, "did 6")
    refused = json.dumps(tool_error_result("plan_locked", "a safety flag is open"))
    messages.insert(-1, {"role": "tool", "name": "next_step", "content": refused})
    assert router.route(messages, _OFFERED) == [("log_set", {"reps": 6})]


_SCRIPT = [
    "let's go",
    "done",
    "10 at 12 kg",
    "did 10",
    "RPE 9",
    "done",
    "8 reps with 25 lb",
    "too heavy",
    "8, 2 left in the tank",
    "ready",
    "only 5 minutes left",
    "8 at 16",
    "I'm done for today",
    "about right, 4",
]


def test_scripted_session_through_coach_chat_json(db_path: str) -> None:
    db = connect(db_path)
    user_id = store.ensure_user(db, "kim", utc_now())
    store.save_profile(
        db, user_id, store.Profile(equipment=["dumbbells", "bench"], units="kg"), utc_now()
    )
    result = CliRunner().invoke(
        app,
        ["chat", "--user", "kim", "--db", db_path, "--json", "--model", "offline"],
        input="\n".join(_SCRIPT) + "\n",
    )
    assert result.exit_code == 0, result.output
    turns = [json.loads(line) for line in result.output.splitlines()]
    assert len(turns) == len(_SCRIPT)
    called = [[c["name"] for c in t["tool_calls"]] for t in turns]
    assert called[0] == ["start_workout"] and "Warm-up" in turns[0]["reply"]
    assert called[1] == ["next_step"]
    by_text = {t["user"]: t["tool_calls"] for t in turns}
    bench_load = by_text["8 reps with 25 lb"][0]["result"]["exercise"]["load"]
    lowered = by_text["too heavy"][0]["result"]["exercise"]
    assert bench_load == 25.0 and lowered["load"] < 25.0 and lowered["unit"] == "lb"
    # The live session knows the exercise: no "which exercise was that?" question.
    assert all("Which exercise" not in t["reply"] for t in turns)
    squeezed = by_text["only 5 minutes left"][0]["result"]["compressed"]
    assert squeezed["after_minutes"] <= 5 < squeezed["before_minutes"]
    summary = by_text["I'm done for today"][0]["result"]
    assert summary["exercises"] == 3 and summary["sets"] == 6
    assert by_text["about right, 4"][0]["name"] == "record_feedback"
    rows = db.execute(
        "SELECT exercise_id, reps, load, unit, load_kg FROM set_logs ORDER BY id"
    ).fetchall()
    assert len(rows) == 6
    assert [r[0] for r in rows].count("db_bench_press") == 2
    assert all(r[1] is not None and r[2] is not None and r[3] in {"kg", "lb"} for r in rows)
    assert ("db_bench_press", 8, 25.0, "lb", 11.34) in rows
    # The set after "too heavy" was logged at the lowered load.
    assert ("db_bench_press", 8, lowered["load"], "lb") in [r[:4] for r in rows]
    feedback = db.execute("SELECT difficulty, enjoyment FROM feedback").fetchone()
    assert feedback == ("about_right", 4)


def test_a_mild_ache_mid_session_swaps_to_spare_the_joint() -> None:
    calls = router.route(_conversation("log_set", _LIVE, "my shoulder is a bit cranky"), _OFFERED)
    assert calls == [
        ("swap_current", {"protect": ["shoulder"], "reason": "my shoulder is a bit cranky"})
    ]


def test_under_a_safety_lock_the_session_only_logs_finishes_or_says_it_is_paused() -> None:
    # The lock is tool availability: the plan-changing tools are not offered.
    locked = _OFFERED - default_registry().plan_changing()
    messages = _conversation("log_set", _LIVE, "ok next exercise")
    assert router.route(messages, locked) == [("current_step", {})]
    messages[-1]["content"] = "I did 8 before that"
    assert router.route(messages, locked) == [("log_set", {"reps": 8})]
    messages[-1]["content"] = "I'm done for today"
    assert router.route(messages, locked) == [("finish_workout", {})]
    fresh = _conversation(None, None, "let's go")
    assert router.route(fresh, locked) is None


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("right, done", "next_step"),
        ("ok finished", "next_step"),
        ("gotta go, sorry", "finish_workout"),
        ("have to leave, the kids are up", "finish_workout"),
        ("calling it a day", "finish_workout"),
        ("that's me finished, cheers", "finish_workout"),
        ("how many exercises left", "current_step"),
        ("what's left?", "current_step"),
    ],
)
def test_live_phrases_said_in_other_words(text: str, tool: str) -> None:
    calls = router.route(_conversation("log_set", _LIVE, text), _OFFERED)
    assert calls is not None and calls[0][0] == tool


@pytest.mark.parametrize(
    "text", ["i need to go lighter on this", "have to stop the set early, too heavy"]
)
def test_going_lighter_or_stopping_a_set_is_no_end_of_session(text: str) -> None:
    calls = router.route(_conversation("log_set", _LIVE, text), _OFFERED) or []
    assert ("finish_workout", {}) not in calls
    assert calls and calls[0][0] == "adjust_load"
