"""Writes a scenario's starting state into a fresh database, as the coach would have."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import sqlite_utils

from agent.clock import iso
from agent.memory import store
from agent.memory.db import transaction
from evals.scenario import FlagSeed, NoteSeed, Scenario, SessionSeed

EVAL_USER = "eval-user"
LB_TO_KG = 0.45359237


def exercise_name(exercise_id: str) -> str:
    """A display name from a catalog-style id: ``goblet_squat`` -> ``Goblet squat``."""
    return exercise_id.replace("_", " ").strip().capitalize()


def seed_state(db: sqlite_utils.Database, scenario: Scenario) -> int:
    """Create the eval user with the scenario's profile, history, notes and flags.

    The pseudonym is derived from the scenario id, not random, so the prompt a model sees
    is identical between runs and the response cache can answer it.

    Returns:
        The user's id.
    """
    now = scenario.now
    user_id = store.ensure_user(db, EVAL_USER, now)
    pseudonym = "u_" + hashlib.sha256(scenario.id.encode()).hexdigest()[:12]
    with transaction(db):
        db.execute("UPDATE users SET pseudonym = ? WHERE id = ?", [pseudonym, user_id])
    state = scenario.state
    if state.profile is not None:
        store.save_profile(
            db, user_id, store.Profile(**state.profile.model_dump()), now - timedelta(days=30)
        )
    with transaction(db):
        for session in state.sessions:
            _seed_session(db, user_id, session, now)
        for note in state.notes:
            _seed_note(db, user_id, note, now)
        for flag in state.flags:
            _seed_flag(db, user_id, flag, now)
    return user_id


def _seed_session(
    db: sqlite_utils.Database, user_id: int, session: SessionSeed, now: datetime
) -> None:
    start = (now - timedelta(days=session.days_ago)).replace(hour=7, minute=30)
    finished = start + timedelta(minutes=session.minutes) if session.status == "done" else None
    cursor = db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, skip_reason, source, "
        "created_at, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?)",
        [
            user_id,
            session.status,
            start.date().isoformat(),
            session.skip_reason,
            "coach",
            iso(start),
            iso(start) if session.status != "planned" else None,
            iso(finished) if finished else None,
        ],
    )
    session_id = int(cursor.lastrowid or 0)
    numbers: dict[str, int] = {}
    for index, item in enumerate(session.sets):
        numbers[item.exercise] = numbers.get(item.exercise, 0) + 1
        load_kg = None
        if item.load is not None:
            load_kg = item.load * LB_TO_KG if item.unit == "lb" else item.load
        db.execute(
            "INSERT INTO set_logs (user_id, session_id, exercise_id, exercise_name, set_number, "
            "reps, load, unit, load_kg, rpe, logged_at, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                user_id,
                session_id,
                item.exercise,
                item.name or exercise_name(item.exercise),
                item.set_number or numbers[item.exercise],
                item.reps,
                item.load,
                item.unit if item.load is not None else None,
                round(load_kg, 3) if load_kg is not None else None,
                item.rpe,
                iso(start + timedelta(minutes=3 * (index + 1))),
                "coach",
            ],
        )
    if session.feedback:
        db.execute(
            "INSERT INTO feedback (user_id, session_id, difficulty, created_at) VALUES (?,?,?,?)",
            [user_id, session_id, session.feedback, iso(finished or start)],
        )


def _seed_note(db: sqlite_utils.Database, user_id: int, note: NoteSeed, now: datetime) -> None:
    stamp = iso(now - timedelta(days=note.days_ago))
    db.execute(
        "INSERT INTO notes (user_id, kind, subject, text, status, started_at, created_at) "
        "VALUES (?,?,?,?,?,?,?)",
        [user_id, note.kind, note.subject, note.text, "active", stamp, stamp],
    )


def _seed_flag(db: sqlite_utils.Database, user_id: int, flag: FlagSeed, now: datetime) -> None:
    stamp = iso(now - timedelta(days=flag.days_ago))
    locked = flag.lock_active if flag.lock_active is not None else flag.tier != "caution"
    db.execute(
        "INSERT INTO safety_flags (user_id, tier, signals, rule_ids, excerpt, lock_active, "
        "review_status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            user_id,
            flag.tier,
            json.dumps(flag.signals),
            json.dumps([]),
            flag.excerpt,
            int(locked),
            "open",
            stamp,
            stamp,
        ],
    )
