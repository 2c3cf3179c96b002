"""``coach chat`` through the real CLI in a subprocess: piped lines in, JSON lines out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent.memory.db import connect
from tests.openai_stub import Reply, ok, serve, tool

ACCEPTANCE = (
    "I want to get stronger, I have dumbbells and a bench, 3 days a week, 45 minutes\n"
    "what should I do today?\n"
    "I only have 15 minutes actually\n"
)


def coach(
    args: list[str], stdin: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``coach`` with ``args``, feeding ``stdin``; the environment has no model key."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COACH_"))}
    return subprocess.run(
        [sys.executable, "-c", "from agent.cli.main import run; run()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
        check=False,
    )


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def _session(turn: dict[str, Any]) -> dict[str, Any] | None:
    from agent.models.offline.state import find_session

    for call in turn["tool_calls"]:
        found = find_session(call["result"])
        if found is not None:
            return found
    return None


_PRESCRIPTION = re.compile(r"\d+ x \d+(-\d+)?")


def test_acceptance_conversation_gives_specific_plans_within_the_time(db_path: str) -> None:
    done = coach(["chat", "--json", "--db", db_path], ACCEPTANCE)
    assert done.returncode == 0, done.stderr
    turns = _lines(done.stdout)
    assert len(turns) == 3
    for turn in turns:
        assert set(turn) == {"user", "reply", "tool_calls", "safety"}
        assert turn["safety"]["tier"] == "none"
        assert _PRESCRIPTION.search(turn["reply"]), turn["reply"]
        # Rest is stated: "rest 90 s", "resting 120 s after each pair", or an EMOM minute.
        assert re.search(r"\brest(ing)?\b", turn["reply"]), turn["reply"]
        assert "minutes" in turn["reply"]
    first, second, third = turns
    assert first["tool_calls"][0]["name"] == "update_profile"
    assert first["tool_calls"][0]["arguments"] == {
        "goal": "strength",
        "equipment": ["dumbbells", "bench"],
        "days_per_week": 3,
        "session_minutes": 45,
    }
    for turn, limit in ((first, 45), (second, 45), (third, 15)):
        session = _session(turn)
        assert session is not None
        assert 0 < float(session["est_minutes"]) <= limit
        for exercise in session["exercises"]:
            assert exercise["name"] in turn["reply"]
    assert third["tool_calls"][-1]["arguments"].get("minutes") == 15


def test_intake_dialogue_and_logging_without_a_key(db_path: str) -> None:
    done = coach(
        ["chat", "--json", "--db", db_path, "--user", "sam"],
        "hi\nbuild muscle\nbeginner\n3x8 goblet squats at 20 kg, RPE 7\nwhat did I do last week?\n",
    )
    assert done.returncode == 0, done.stderr
    turns = _lines(done.stdout)
    assert [t["tool_calls"][0]["name"] for t in turns] == [
        "get_profile",
        "update_profile",
        "update_profile",
        "log_sets",
        "workout_history",
    ]
    assert turns[2]["tool_calls"][0]["arguments"] == {"level": "beginner"}
    assert turns[3]["tool_calls"][0]["arguments"]["sets"][0] == {
        "reps": 8,
        "load": 20.0,
        "unit": "kg",
        "rpe": 7.0,
    }
    assert "20" in turns[4]["reply"]
    database = connect(db_path)
    stored = [r[0] for r in database.execute("SELECT content FROM messages WHERE role = 'user'")]
    assert stored[0] == "hi" and len(stored) == 5


def test_plain_output_and_a_red_flag(db_path: str) -> None:
    done = coach(["chat", "--db", db_path], "can you diagnose my knee?\n")
    assert done.returncode == 0
    assert "can't diagnose" in done.stdout
    flagged = coach(["chat", "--json", "--db", db_path], "I have chest pain and feel dizzy\n")
    turn = _lines(flagged.stdout)[0]
    assert turn["safety"]["tier"] in {"stop", "emergency"}
    assert turn["tool_calls"] == []


def test_openai_backend_over_http_through_the_cli(db_path: str, tmp_path: Path) -> None:
    with serve() as stub:
        stub.push(tool("get_profile", "{}"), ok("You have no profile yet. What's your goal?"))
        stub.push(Reply(status=500), Reply(status=500))
        env = {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": stub.base_url,
            "COACH_MODEL_ATTEMPTS": "2",
            "COACH_MODEL_TIMEOUT": "5",
        }
        done = coach(["chat", "--json", "--db", db_path], "hello\nstill there?\n", env)
    assert done.returncode == 1
    turns = _lines(done.stdout)
    assert len(turns) == 1 and turns[0]["reply"].startswith("You have no profile yet")
    assert turns[0]["tool_calls"][0]["name"] == "get_profile"
    assert done.stderr.strip().splitlines() == [
        "error: model unavailable after 2 attempt(s): HTTP 500"
    ]
    database = connect(db_path)
    stored = [r[0] for r in database.execute("SELECT content FROM messages WHERE role = 'user'")]
    assert stored == ["hello", "still there?"]


def test_openai_backend_without_a_key_is_one_line(db_path: str) -> None:
    done = coach(["chat", "--model", "openai", "--db", db_path], "hi\n")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the openai backend needs OPENAI_API_KEY (and OPENAI_BASE_URL for other servers)"
    ]


def test_a_bad_model_body_is_one_line_and_the_next_line_is_answered(db_path: str) -> None:
    with serve() as stub:
        stub.push(Reply(body="null"), ok("Here for the next one."))
        env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": stub.base_url}
        # A lone \r ends a line too (old Mac files, some terminals' paste).
        done = coach(["chat", "--json", "--db", db_path], "hello\rstill there?\r", env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the model server replied with something that is not a chat completion "
        "(a JSON null, not an object)"
    ]
    assert [t["reply"] for t in _lines(done.stdout)] == ["Here for the next one."]
    database = connect(db_path)
    stored = [r[0] for r in database.execute("SELECT content FROM messages WHERE role = 'user'")]
    assert stored == ["hello", "still there?"]
    statuses = [r[0] for r in database.execute("SELECT status FROM turns ORDER BY id")]
    assert statuses == ["failed", "complete"]


def test_a_database_url_of_another_engine_is_refused_in_one_line() -> None:
    done = coach(["chat"], "hi\n", {"COACH_DB": "mysql://coach@localhost/coach"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the database mysql://... is not supported: give the path of a SQLite file "
        "or a postgresql:// URL"
    ]


def test_a_postgresql_server_that_is_not_there_is_one_line() -> None:
    # Port 9 on loopback: nothing listens, so the connection is refused at once.
    done = coach(["chat"], "hi\n", {"COACH_DB": "postgresql://coach:secret@127.0.0.1:9/coach"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "error: cannot reach the database server postgresql://coach:***@127.0.0.1:9/coach: "
        "is it running, and are the user, password and database name right?"
    ]
