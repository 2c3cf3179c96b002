"""A process killed mid-turn keeps the message and each finished tool round; the next run works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from agent.loop import Coach
from agent.memory import store
from agent.memory.db import connect
from agent.memory.dialect import engine_of
from agent.models.scripted import ScriptedModel, call, calls, say

_CHILD = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from agent.loop import Coach
from agent.memory import store
from agent.memory.db import connect
from agent.models.scripted import ScriptedModel, call, calls

db_path, marker = sys.argv[1], Path(sys.argv[2])
now = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
db = connect(db_path)
user_id = store.ensure_user(db, "casey", now)
conversation_id = store.start_conversation(db, user_id, now)

def stall(messages):
    # The tool round of this turn is committed (no transaction is open across a model
    # call); now hang until killed.
    marker.write_text("tools done")
    time.sleep(120)

model = ScriptedModel([
    calls(
        call("update_profile", {"goal": "strength", "days_per_week": 4}, "a"),
        call("log_sets", {"exercise": "push-up", "sets": [{"reps": 12}, {"reps": 10}]}, "b"),
    ),
    stall,
])
Coach(db, model, clock=lambda: now).turn(user_id, conversation_id, "did 2 sets of push-ups")
"""


def test_sigkill_mid_turn_keeps_the_finished_round_and_the_next_run_works(
    db_path: str, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_path, str(marker)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.time() + 30
        while not marker.exists():
            assert child.poll() is None, "the child ended before reaching the stall"
            assert time.time() < deadline, "the child never reached the stall"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    db = connect(db_path)
    user_id = store.find_user(db, "casey")
    assert user_id is not None
    # The message, then the whole tool round (both calls, their effects and results) were
    # committed before the model was asked again; the turn itself never finished.
    assert db.execute("SELECT status FROM turns").fetchall() == [("pending",)]
    roles = [r[0] for r in db.execute("SELECT role FROM messages ORDER BY id").fetchall()]
    assert roles == ["user", "assistant", "tool", "tool"]
    assert db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0] == 2
    assert store.get_profile(db, user_id).goal == "strength"

    now = datetime(2026, 11, 16, 18, 5, tzinfo=UTC)
    conversation_id = store.start_conversation(db, user_id, now)
    model = ScriptedModel(
        [calls(call("update_profile", {"goal": "strength"})), say("Saved, let's go.")]
    )
    result = Coach(db, model, clock=lambda: now).turn(user_id, conversation_id, "strength please")
    assert result.reply == "Saved, let's go."
    assert store.get_profile(db, user_id).goal == "strength"
    statuses = db.execute("SELECT status FROM turns ORDER BY id").fetchall()
    assert statuses == [("pending",), ("complete",)]
    if engine_of(db) == "sqlite":
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
