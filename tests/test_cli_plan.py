"""``coach plan`` through the real CLI: the JSON contract, readable output, clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from agent.clock import utc_now
from agent.memory import store
from agent.memory.db import connect
from agent.planning.catalog import load_catalog
from agent.planning.models import Session


def coach(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``coach`` with no model key and no COACH_* variables from the caller."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COACH_"))}
    return subprocess.run(
        [sys.executable, "-c", "from agent.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean,
        check=False,
    )


def run_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """Run the console entry point in this process: (exit code, stdout, stderr)."""
    from agent.cli.main import run

    monkeypatch.setattr(sys, "argv", ["coach", *args])
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _plan(db_path: str, *flags: str) -> dict[str, Any]:
    result = coach("plan", "--db", db_path, "--user", "kim", "--json", *flags)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_matches_the_contract(db_path: str) -> None:
    data = _plan(
        db_path,
        "--minutes",
        "30",
        "--equipment",
        "dumbbells,bench",
        "--goal",
        "strength",
        "--level",
        "intermediate",
        "--energy",
        "4",
        "--avoid",
        "knee,lower back",
    )
    assert isinstance(data["est_minutes"], float)
    assert 24 <= data["est_minutes"] <= 30
    assert data["exercises"]
    banned = set(load_catalog().vocabulary.constraint_tags["knee"]) | {"spleen", "spinal_loading"}
    for exercise in data["exercises"]:
        assert {"id", "name", "pattern", "equipment", "sets", "reps", "rest_s", "tags"} <= set(
            exercise
        )
        assert isinstance(exercise["sets"], int) and isinstance(exercise["rest_s"], int)
        assert isinstance(exercise["tags"], list)
        assert not set(exercise["tags"]) & banned
        assert set(exercise["equipment"]) <= {"dumbbells", "bench", "bodyweight"}
    assert data["goal"] == "strength" and data["level"] == "intermediate"
    Session.model_validate(data)  # the whole output is a valid session


def test_same_flags_same_json_and_the_plan_is_stored(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("plan", "--db", db_path, "--user", "kim", "--json", "--minutes", "20")
    first = run_in_process(capsys, monkeypatch, *args)
    again = run_in_process(capsys, monkeypatch, *args)
    assert first[0] == again[0] == 0
    assert first[1] == again[1]
    db = connect(db_path)
    rows = db.execute("SELECT status FROM workout_sessions").fetchall()
    assert rows == [("planned",)]


def test_readable_output(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_in_process(
        capsys, monkeypatch, "plan", "--db", db_path, "--minutes", "25", "--equipment", "bands"
    )
    assert code == 0, err
    assert "Warm-up" in out and "Cool-down" in out
    code, raw, _err = run_in_process(
        capsys,
        monkeypatch,
        "plan",
        "--db",
        db_path,
        "--minutes",
        "25",
        "--equipment",
        "bands",
        "--json",
    )
    assert json.loads(raw)["exercises"][0]["name"] in out


def test_energy_one_is_a_short_easy_session(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _err = run_in_process(
        capsys, monkeypatch, "plan", "--db", db_path, "--json", "--minutes", "60", "--energy", "1"
    )
    data = json.loads(out)
    assert code == 0 and data["kind"] == "recovery" and data["est_minutes"] <= 20


@pytest.mark.parametrize(
    ("flags", "code", "message"),
    [
        (["--equipment", "laser"], 1, "unknown equipment 'laser'"),
        (["--goal", "get huge"], 1, "unknown goal"),
        (["--level", "wizard"], 1, "unknown level"),
        (["--avoid", "spleen"], 1, "unknown body area"),
        (["--equipment", ","], 1, "--equipment needs"),
        (["--energy", "9"], 2, "--energy"),
        (["--minutes", "2"], 2, "--minutes"),
        (["--minutes", "lots"], 2, "--minutes"),
    ],
)
def test_bad_values_fail_cleanly(
    db_path: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    code: int,
    message: str,
) -> None:
    got, _out, err = run_in_process(capsys, monkeypatch, "plan", "--db", db_path, *flags)
    assert got == code
    assert message in err
    assert "Traceback" not in err
    if code == 1:
        assert err.strip().count("\n") == 0


def test_bad_value_in_a_real_process_is_one_line(db_path: str) -> None:
    result = coach("plan", "--db", db_path, "--equipment", "laser")
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown equipment 'laser'")
    assert result.stderr.strip().count("\n") == 0


def test_a_safety_lock_blocks_a_new_plan(
    db_path: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = connect(db_path)
    now = utc_now()
    user_id = store.ensure_user(db, "kim", now)
    db.execute(
        "INSERT INTO safety_flags (user_id, tier, signals, rule_ids, excerpt, lock_active, "
        "created_at, updated_at) VALUES (?, 'stop', '[]', '[]', 'chest pain', 1, ?, ?)",
        [user_id, now.isoformat(), now.isoformat()],
    )
    db.conn.commit()
    code, _out, err = run_in_process(capsys, monkeypatch, "plan", "--db", db_path, "--user", "kim")
    assert code == 1
    assert "safety flag" in err
