"""The weekly check-in: done vs planned, sets per muscle, ledger, next step, restart.

Sessions done against planned, counted sets per muscle, the public-health ledger, one
concrete next step, and a restart plan when someone has fallen off. Plain facts, no
scolding: a missed week is reported as a number and answered with a smaller plan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

import prompts
from agent.live.state import LiveState
from agent.memory import history, store
from agent.memory.exercises import default_index
from agent.planning.rules import prescriptions

FALLEN_OFF_DAYS = 14
"""No session for this long (with sessions before) means a restart plan, not the old one."""


def _session_states(db: sqlite_utils.Database, user_id: int, first: date) -> list[LiveState]:
    rows = db.execute(
        "SELECT state FROM workout_sessions WHERE user_id = ? AND state IS NOT NULL "
        "AND substr(COALESCE(started_at, created_at), 1, 10) >= ?",
        [user_id, first.isoformat()],
    ).fetchall()
    return [LiveState.model_validate_json(r[0]) for r in rows]


def _muscle_sets(db: sqlite_utils.Database, user_id: int, first: date) -> dict[str, float]:
    """Counted sets per muscle since ``first``: catalog muscles, else the live plan's."""
    live_muscles: dict[str, list[str]] = {}
    for state in _session_states(db, user_id, first):
        for exercise in state.exercises:
            live_muscles.setdefault(exercise.id, exercise.muscles)
    index = default_index()
    rows = db.execute(
        "SELECT exercise_id, COUNT(*) FROM set_logs WHERE user_id = ? "
        "AND set_type IN ('normal', 'failure') AND substr(logged_at, 1, 10) >= ? "
        "GROUP BY exercise_id",
        [user_id, first.isoformat()],
    ).fetchall()
    totals: dict[str, float] = defaultdict(float)
    for exercise_id, count in rows:
        ref = index.get(exercise_id)
        primary = list(ref.muscles) if ref and ref.muscles else live_muscles.get(exercise_id, [])
        for muscle in primary:
            totals[muscle] += count
        for muscle in ref.secondary if ref else ():
            totals[muscle] += count * 0.5
    return dict(sorted(totals.items()))


def _status_counts(db: sqlite_utils.Database, user_id: int, first: date) -> dict[str, int]:
    rows = db.execute(
        "SELECT status, COUNT(*) FROM workout_sessions WHERE user_id = ? "
        "AND COALESCE(planned_for, substr(started_at, 1, 10)) >= ? GROUP BY status",
        [user_id, first.isoformat()],
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def _aerobic_minutes(db: sqlite_utils.Database, user_id: int, first: date) -> float:
    """Minutes of timed cardio logged (sets with a duration and no load)."""
    raw = db.execute(
        "SELECT COALESCE(SUM(duration_s), 0) FROM set_logs WHERE user_id = ? "
        "AND duration_s IS NOT NULL AND load IS NULL AND reps IS NULL "
        "AND substr(logged_at, 1, 10) >= ?",
        [user_id, first.isoformat()],
    ).fetchone()
    return round(float(raw[0]) / 60, 1)


def restart_plan(today: date, days_per_week: int | None) -> list[dict[str, Any]]:
    """A first week back: three short sessions on alternate days at about half the volume."""
    count = min(3, days_per_week or 3)
    return [
        {
            "day": (today + timedelta(days=2 * i)).isoformat(),
            "minutes": 20 if i == 0 else 25,
            "volume": "about half the usual sets, light loads, 3 reps in reserve",
        }
        for i in range(count)
    ]


def checkin(db: sqlite_utils.Database, user_id: int, now: datetime) -> dict[str, Any]:
    """The week so far (Monday to today) as data plus a rendered ``message``."""
    today = now.date()
    first = history.week_start(today)
    profile = store.get_profile(db, user_id)
    counts = _status_counts(db, user_id, first)
    done = history.adherence(db, user_id, now, weeks=1).weeks[-1][1]
    planned = max(profile.days_per_week or 0, done + counts.get("planned", 0), done)
    adherence = history.adherence(db, user_id, now)
    gap = adherence.days_since_last
    fallen_off = adherence.total_workouts > 0 and gap is not None and gap >= FALLEN_OFF_DAYS
    aerobic = _aerobic_minutes(db, user_id, first)
    floors = prescriptions().public_health  # the planner's weekly floors
    data: dict[str, Any] = {
        "week_start": first.isoformat(),
        "sessions_done": done,
        "sessions_planned": planned,
        "sessions_missed": counts.get("skipped", 0),
        "sets_per_muscle": _muscle_sets(db, user_id, first),
        "ledger": {
            "strength_days": done,
            "strength_days_target": floors.strength_days,
            "aerobic_minutes_logged": aerobic,
            "aerobic_minutes_target": floors.aerobic_moderate_minutes,
        },
        "days_since_last": gap,
        "fallen_off": fallen_off,
        "restart_plan": restart_plan(today, profile.days_per_week) if fallen_off else [],
    }
    data["next_step"] = _next_step(data, profile.session_minutes)
    data["message"] = prompts.render("live/checkin.j2", week=data)
    return data


def _next_step(data: dict[str, Any], minutes: int | None) -> str:
    if data["fallen_off"]:
        first = data["restart_plan"][0]
        return f"a {first['minutes']}-minute restart session on {first['day']}: run `coach workout`"
    if data["sessions_done"] < data["sessions_planned"]:
        return f"a {minutes or 30}-minute session today or tomorrow: run `coach workout`"
    ledger = data["ledger"]
    if ledger["aerobic_minutes_logged"] < ledger["aerobic_minutes_target"]:
        return "a 20-30 minute brisk walk on a rest day (you can talk but not sing)"
    return "a rest day, then the next session as planned"
