"""Many processes logging into one database file at once: every set lands, none is refused."""

from __future__ import annotations

import multiprocessing
import os
import time
from datetime import UTC, datetime, timedelta

from agent.memory import history, store
from agent.memory.db import connect
from agent.memory.history import SetInput

PROCESSES = 8
SETS_EACH = 500
SETS_EACH_POSTGRES = 100
"""On PostgreSQL each set is a dozen round trips to the server, not calls into a library:
500 x 8 takes a minute on a loaded 2-core machine, so the default run logs 100 x 8 and
``COACH_LOAD_TEST=1`` the full 4,000 (correctness is the same question either way)."""


def _log_many(path: str, worker: int, start_at: float, sets_each: int) -> list[str]:
    """Log ``sets_each`` sets one transaction at a time; return any error text seen."""
    db = connect(path)
    base = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    user_id = store.ensure_user(db, f"person {worker % 2}", base)
    while time.time() < start_at:  # start together so the writers really contend
        time.sleep(0.001)
    errors: list[str] = []
    for number in range(sets_each):
        try:
            history.log_sets(
                db,
                user_id,
                exercise_id="back_squat",
                exercise_name="Back squat",
                sets=[SetInput(reps=5, load=60 + number % 10, unit="kg")],
                now=base + timedelta(seconds=number),
            )
        except Exception as exc:  # collected, so the test can show what a person would see
            errors.append(f"{type(exc).__name__}: {exc}")
    db.close()
    return errors


def test_eight_processes_log_4000_sets_without_a_locked_error(db_path: str, engine: str) -> None:
    full = engine == "sqlite" or os.environ.get("COACH_LOAD_TEST") == "1"
    sets_each = SETS_EACH if full else SETS_EACH_POSTGRES
    connect(db_path).close()  # migrate once up front, as the CLI would
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 2.0
    started = time.perf_counter()
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            _log_many, [(db_path, n, start_at, sets_each) for n in range(PROCESSES)]
        )
    elapsed = time.perf_counter() - started
    errors = [e for worker in results for e in worker]
    assert errors == []
    db = connect(db_path)
    assert db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0] == PROCESSES * sets_each
    # Two people, one logged workout each per day, with set numbers 1..2000 each (no two
    # writers read the same last number: the write lock holds on both engines).
    each = PROCESSES * sets_each // 2
    numbers = db.execute(
        "SELECT user_id, COUNT(DISTINCT set_number), MAX(set_number) FROM set_logs GROUP BY user_id"
    ).fetchall()
    assert [(n, m) for _, n, m in numbers] == [(each, each), (each, each)]
    assert db.execute("SELECT COUNT(*) FROM workout_sessions").fetchone()[0] == 2
    if engine == "sqlite":
        assert elapsed < 20
