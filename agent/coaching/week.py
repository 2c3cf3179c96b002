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
from agent.memory import history, store, wearables, workouts
from agent.memory.exercises import default_index
from agent.planning.rules import prescriptions

FALLEN_OFF_DAYS = 14
"""No session for this long (with sessions before) means a restart plan, not the old one."""


def _muscle_sets(db: sqlite_utils.Database, user_id: int, first: date) -> dict[str, float]:
    """Counted sets per muscle since ``first``: catalog muscles, else the live plan's."""
    live_muscles: dict[str, list[str]] = {}
    for state in workouts.live_states_since(db, user_id, first):
        for exercise in state.exercises:
            live_muscles.setdefault(exercise.id, exercise.muscles)
    index = default_index()
    totals: dict[str, float] = defaultdict(float)
    for exercise_id, count in workouts.working_sets_since(db, user_id, first).items():
        ref = index.get(exercise_id)
        primary = list(ref.muscles) if ref and ref.muscles else live_muscles.get(exercise_id, [])
        for muscle in primary:
            totals[muscle] += count
        for muscle in ref.secondary if ref else ():
            totals[muscle] += count * 0.5
    return dict(sorted(totals.items()))


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
    counts = workouts.status_counts_since(db, user_id, first)
    done = history.adherence(db, user_id, now, weeks=1).weeks[-1][1]
    planned = max(profile.days_per_week or 0, done + counts.get("planned", 0), done)
    adherence = history.adherence(db, user_id, now)
    gap = adherence.days_since_last
    fallen_off = adherence.total_workouts > 0 and gap is not None and gap >= FALLEN_OFF_DAYS
    aerobic = workouts.timed_cardio_minutes_since(db, user_id, first)
    # Runs, rides and swims imported from a watch or app count as the planner counts them.
    imported = [
        a
        for a in wearables.planner_activities(db, user_id, today, (today - first).days)
        if a.day >= first
    ]
    aerobic = round(aerobic + sum(a.moderate_equivalent() for a in imported), 1)
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
        "imported_activities": [a.model_dump(mode="json") for a in imported],
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
