"""Across runs the coach remembers: the second run knows the profile and the last session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.loop import Coach
from agent.memory import store
from agent.memory.db import connect
from agent.models.base import AssistantMessage
from agent.models.scripted import ScriptedModel, call, calls, say

ROOT = Path(__file__).resolve().parent.parent


def test_a_second_coach_on_a_new_connection_sees_profile_and_last_session(db_path: str) -> None:
    first_day = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    db = connect(db_path)
    user_id = store.ensure_user(db, "morgan", first_day)
    conversation_id = store.start_conversation(db, user_id, first_day)
    profile = {
        "goal": "strength",
        "level": "beginner",
        "equipment": ["dumbbells"],
        "days_per_week": 3,
        "session_minutes": 30,
        "no_constraints": True,
        "no_barriers": True,
    }
    sets = [{"reps": 8, "load": 20, "unit": "kg"}] * 3
    model = ScriptedModel(
        [
            calls(
                call("update_profile", profile, "a"),
                call("log_sets", {"exercise": "goblet squat", "sets": sets}, "b"),
            ),
            say("Saved and logged."),
        ]
    )
    Coach(db, model, clock=lambda: first_day).turn(user_id, conversation_id, "set me up")
    db.close()

    # A later run: new process state, new connection, new conversation.
    later = first_day + timedelta(days=2)
    db = connect(db_path)
    conversation_id = store.start_conversation(db, user_id, later)
    seen: list[str] = []

    def reply(messages: list[dict[str, Any]]) -> AssistantMessage:
        seen.append(messages[0]["content"])
        return AssistantMessage(content="Welcome back.")

    second = ScriptedModel([reply])
    result = Coach(db, second, clock=lambda: later).turn(user_id, conversation_id, "hi again")
    assert result.tool_calls == []  # nothing had to be asked or looked up
    system = seen[0]
    assert "goal=strength" in system and "equipment=dumbbells" in system
    assert "Intake complete" in system and "Still unknown" not in system
    assert "Last workout: 2026-11-16 done" in system
    assert "top set 8x20kg" in system
    # Only the new conversation's messages were sent: memory came from the context.
    assert [m["role"] for m in second.requests[0][0]] == ["system", "user"]


def _chat(db_path: str, *lines: str) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from agent.cli.main import run; run()",
            "chat",
            "--db",
            db_path,
            "--user",
            "morgan",
            "--model",
            "offline",
            "--json",
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]


def test_two_coach_chat_runs_the_second_knows_profile_and_last_session(db_path: str) -> None:
    first = _chat(
        db_path,
        "I want to get stronger, I have dumbbells, 3 days a week, 30 minutes",
        "I'm a beginner",
        "I did 3x8 goblet squats with 20 kg",
    )
    assert any(c["name"] == "log_sets" for turn in first for c in turn["tool_calls"])
    second = _chat(db_path, "hi", "what did I do last time?")
    called = [c["name"] for turn in second for c in turn["tool_calls"]]
    assert "update_profile" not in called  # nothing was asked again and re-saved
    assert "strength" in second[0]["reply"] and "dumbbells" in second[0]["reply"]
    for question in ("goal", "equipment", "days a week", "how long"):
        assert not any(
            question in sentence.lower() and sentence.strip().endswith("?")
            for sentence in second[0]["reply"].split("\n")
        ), question
    assert "8x20kg" in second[1]["reply"].replace(" ", "")
