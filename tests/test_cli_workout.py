"""``coach workout`` and ``coach week`` through the real CLI (in process and as processes)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli.main import app
from agent.clock import utc_now
from agent.coaching import session
from agent.memory import store
from agent.memory.db import connect

_RUN = [sys.executable, "-c", "from agent.cli.main import run; run()"]


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _prepare(db_path: str) -> int:
    db = connect(db_path)
    user_id = store.ensure_user(db, "sam", utc_now())
    store.save_profile(
        db, user_id, store.Profile(equipment=["dumbbells", "bench"], units="kg"), utc_now()
    )
    db.close()
    return user_id


def test_enter_walks_the_session_and_rest_is_reported_as_data(db_path: str) -> None:
    _prepare(db_path)
    result = CliRunner().invoke(
        app, ["workout", "--user", "sam", "--db", db_path, "--json"], input="\n\n\n"
    )
    assert result.exit_code == 0, result.output
    events = _lines(result.output)
    assert [e.get("event") for e in events] == ["started", "step", "logged", "rest", "step"]
    assert events[0]["phase"] == "warmup"
    first = events[1]["exercise"]
    assert events[3]["rest_s"] == first["rest_s"] > 0
    assert events[4]["exercise"]["name"] == first["name"] and events[4]["set"] == 2
    # Enter gave no number: the planned target is logged and marked, never the range top.
    assert events[2]["logged"]["planned_target"] is True
    assert "planned target" in events[2]["message"]
    db = connect(db_path)
    rows = db.execute("SELECT exercise_id, reps, load, unit, source FROM set_logs").fetchall()
    low = int(first["reps"].split("-")[0])
    assert rows == [(first["id"], low, None, None, "planned_target")]


def test_sigkill_mid_session_resumes_at_the_same_exercise_and_set(db_path: str) -> None:
    _prepare(db_path)
    env = {**os.environ, "COACH_BACKEND": "offline"}
    command = [*_RUN, "workout", "--user", "sam", "--db", db_path, "--json"]
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None
    seen: list[dict[str, Any]] = [json.loads(proc.stdout.readline())]
    # Warm-up done, set 1 done, rest skipped, set 2 done: now on set 3, mid-rest.
    for expected in (1, 2, 1, 2):
        proc.stdin.write("\n")
        proc.stdin.flush()
        for _ in range(expected):
            seen.append(json.loads(proc.stdout.readline()))
    last = seen[-2]
    assert last["event"] == "logged" and last["set"] == 3
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    resumed = subprocess.run(
        command, input="", capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    first = _lines(resumed.stdout)[0]
    assert first["event"] == "resumed"
    assert first["exercise"]["name"] == last["exercise"]["name"]
    assert first["set"] == 3 and first["phase"] == "rest"
    db = connect(db_path)
    assert db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0] == 2


def test_week_shows_done_vs_planned_muscles_ledger_and_a_next_step(db_path: str) -> None:
    user_id = _prepare(db_path)
    db = connect(db_path)
    store.save_profile(
        db, user_id, store.Profile(equipment=["dumbbells"], days_per_week=3), utc_now()
    )
    session.start(db, user_id, utc_now())
    session.advance(db, user_id, utc_now())
    session.log(db, user_id, utc_now(), reps=10, load=12, unit="kg")
    session.finish(db, user_id, utc_now())
    result = CliRunner().invoke(app, ["week", "--user", "sam", "--db", db_path, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["sessions_done"] == 1 and report["sessions_planned"] == 3
    assert report["sets_per_muscle"]["quads"] >= 1
    assert report["ledger"]["strength_days_target"] == 2
    assert "coach workout" in report["next_step"]
    assert report["fallen_off"] is False
    text = CliRunner().invoke(app, ["week", "--user", "sam", "--db", db_path])
    assert "Next step:" in text.output


def test_week_after_falling_off_offers_a_restart_plan(db_path: str) -> None:
    user_id = _prepare(db_path)
    db = connect(db_path)
    then = utc_now() - timedelta(days=30)
    session.start(db, user_id, then)
    session.advance(db, user_id, then)
    session.log(db, user_id, then, reps=10)
    session.finish(db, user_id, then)
    result = CliRunner().invoke(app, ["week", "--user", "sam", "--db", db_path, "--json"])
    report = json.loads(result.output)
    assert report["fallen_off"] is True and report["days_since_last"] >= 14
    assert len(report["restart_plan"]) == 3
    assert "restart" in report["next_step"]


def test_a_safety_lock_refuses_a_new_workout(db_path: str) -> None:
    user_id = _prepare(db_path)
    db = connect(db_path)
    db.execute(
        "INSERT INTO safety_flags (user_id, tier, signals, rule_ids, excerpt, lock_active, "
        "created_at, updated_at) VALUES (?, 'stop', '[]', '[]', 'x', 1, 'now', 'now')",
        [user_id],
    )
    db.conn.commit()
    result = CliRunner().invoke(app, ["workout", "--user", "sam", "--db", db_path])
    assert result.exit_code != 0
    assert db.execute("SELECT COUNT(*) FROM workout_sessions").fetchone()[0] == 0


def test_voice_without_espeak_says_how_to_enable_it(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(db_path)
    monkeypatch.setattr("agent.cli.voice.available", lambda: False)
    result = CliRunner().invoke(
        app, ["workout", "--user", "sam", "--db", db_path, "--voice"], input=""
    )
    assert result.exit_code == 0
    assert "espeak-ng" in result.output
    assert "Warm-up" in result.output


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng is not installed")
def test_voice_cue_produces_an_audio_file(tmp_path: Path) -> None:
    from agent.cli import voice

    wav = tmp_path / "cue.wav"
    assert voice.synthesize("Goblet squat, set 1 of 3: 8 to 12 reps.", wav)
    assert wav.read_bytes()[:4] == b"RIFF"


def _read_until(fd: int, marker: str, timeout: float = 60.0) -> str:
    import select
    import time

    seen = ""
    end = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536).decode(errors="replace")
            except OSError:
                break
    assert marker in seen, seen[-500:]
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_rest_shows_a_countdown_that_enter_skips(db_path: str) -> None:
    import pty

    _prepare(db_path)
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen(
        [*_RUN, "workout", "--user", "sam", "--db", db_path],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        _read_until(master, "Warm-up")
        os.write(master, b"\n")
        _read_until(master, "set 1 of 3")
        os.write(master, b"\n")
        _read_until(master, "Enter to skip")
        os.write(master, b"\n")
        after = _read_until(master, "set 2 of 3")
        assert "Goblet squat" in after
        os.write(master, b"quit\n")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    rows = connect(db_path).execute("SELECT COUNT(*) FROM set_logs").fetchone()[0]
    assert rows == 1


def test_resuming_under_a_safety_flag_pauses_the_session(db_path: str) -> None:
    user_id = _prepare(db_path)
    db = connect(db_path)
    session.start(db, user_id, utc_now())
    session.advance(db, user_id, utc_now())
    db.execute(
        "INSERT INTO safety_flags (user_id, tier, signals, rule_ids, excerpt, lock_active, "
        "created_at, updated_at) VALUES (?, 'stop', '[]', '[]', 'x', 1, 'now', 'now')",
        [user_id],
    )
    db.conn.commit()
    result = CliRunner().invoke(
        app, ["workout", "--user", "sam", "--db", db_path, "--json"], input="\n"
    )
    assert result.exit_code == 0, result.output
    events = _lines(result.output)
    assert [e["event"] for e in events] == ["locked", "locked"]
    assert "paused" in events[0]["message"]
    assert db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0] == 0


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_set_typed_during_the_rest_countdown_is_logged_with_its_load(db_path: str) -> None:
    import pty

    _prepare(db_path)
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm", "COACH_BACKEND": "offline"}
    proc = subprocess.Popen(
        [*_RUN, "workout", "--user", "sam", "--db", db_path],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        _read_until(master, "Warm-up")
        os.write(master, b"\n")
        _read_until(master, "set 1 of 3")
        os.write(master, b"10 reps at 20 kg\n")
        _read_until(master, "Enter to skip")
        # Typed while the countdown runs: exactly when people type their set.
        os.write(master, b"9 reps at 22 kg\n")
        # The terminal echoes the typing first; the coach's answer follows it.
        _read_until(master, "Logged", timeout=30)
        os.write(master, b"quit\n")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    db = connect(db_path)
    rows = db.execute("SELECT reps, load, unit FROM set_logs ORDER BY id").fetchall()
    assert rows == [(10, 20.0, "kg"), (9, 22.0, "kg")]
