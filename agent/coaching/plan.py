"""Today's plan as a service: the request, the session and its adaptations, the week, progression.

These functions read the person's profile, constraints, dislikes and recent history from the
database, hand them to the pure planner (agent.planning) and store today's plan in
``workout_sessions`` (status ``planned``, the session JSON in ``plan``). The planner
decides; these functions only fetch, validate and save. The tools in
``agent.tools.planning_tools`` and the CLI call them.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils
from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz

from agent.errors import ToolRetry
from agent.memory import store
from agent.memory.db import transaction
from agent.planning import progression as progress
from agent.planning import weekly as week
from agent.planning.catalog import (
    LEVELS,
    Exercise,
    Level,
    load_catalog,
    normalize_area,
    normalize_equipment,
    parse_equipment,
)
from agent.planning.models import (
    FOCUSES,
    GOALS,
    ExerciseRecord,
    Focus,
    Goal,
    History,
    Readiness,
    Session,
    SessionRecord,
    SessionRequest,
    SetRecord,
)
from agent.planning.progression import Recommendation
from agent.planning.rules import prescriptions
from agent.planning.session import build_session
from agent.planning.weekly import WeeklyProgram, choose_today

HISTORY_DAYS = 70
"""How far back history is read: enough for gaps (>28 days), stalls and the week."""

DEFAULT_MINUTES = 30
"""Session length when neither the call nor the profile says."""


# -- reading ----------------------------------------------------------------------------
def read_history(db: sqlite_utils.Database, user_id: int, today: date) -> History:
    """Done and skipped sessions of the last :data:`HISTORY_DAYS` days, as the planner reads them.

    Working sets only (warm-ups and drop sets are left out). The planned rep range and
    effort are taken from the stored plan when it came from the planner. Sets logged
    outside any session are grouped by day.
    """
    since = (today - timedelta(days=HISTORY_DAYS)).isoformat()
    day_sql = "COALESCE(substr(started_at, 1, 10), planned_for, substr(created_at, 1, 10))"
    rows = db.execute(
        f"SELECT id, status, {day_sql}, plan FROM workout_sessions WHERE user_id = ? "
        f"AND status IN ('done', 'skipped') AND {day_sql} >= ? ORDER BY {day_sql}, id",
        [user_id, since],
    ).fetchall()
    records: list[SessionRecord] = []
    for session_id, status, day, plan in rows:
        sets = db.execute(
            "SELECT exercise_id, reps, load_kg, rir, rpe, duration_s FROM set_logs "
            "WHERE user_id = ? AND session_id = ? AND COALESCE(set_type, 'normal') "
            "IN ('normal', 'failure') ORDER BY id",
            [user_id, session_id],
        ).fetchall()
        records.append(_record(str(day), status, sets, _targets(plan)))
    loose = db.execute(
        "SELECT substr(logged_at, 1, 10), exercise_id, reps, load_kg, rir, rpe, duration_s "
        "FROM set_logs WHERE user_id = ? AND session_id IS NULL AND substr(logged_at, 1, 10) "
        ">= ? AND COALESCE(set_type, 'normal') IN ('normal', 'failure') ORDER BY logged_at, id",
        [user_id, since],
    ).fetchall()
    by_day: dict[str, list[Any]] = {}
    for row in loose:
        by_day.setdefault(str(row[0]), []).append(row[1:])
    for day, day_sets in sorted(by_day.items()):
        records.append(_record(day, "done", day_sets, {}))
    return History(sessions=records)


def _targets(plan: str | None) -> dict[str, dict[str, Any]]:
    if not plan:
        return {}
    try:
        data = json.loads(plan)
    except ValueError:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for item in data.get("exercises") or [] if isinstance(data, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            out[item["id"]] = item
    return out


def _record(
    day: str, status: str, sets: list[Any], targets: dict[str, dict[str, Any]]
) -> SessionRecord:
    catalog = load_catalog()
    by_exercise: dict[str, ExerciseRecord] = {}
    aerobic = vigorous = 0.0
    for exercise_id, reps, load_kg, rir, rpe, seconds in sets:
        exercise = catalog.find(exercise_id)
        if exercise is not None and exercise.pattern == "conditioning" and seconds:
            if exercise.intensity == "vigorous":
                vigorous += seconds / 60
            else:
                aerobic += seconds / 60
        target = targets.get(exercise_id, {})
        record = by_exercise.setdefault(
            exercise_id,
            ExerciseRecord(
                exercise_id=exercise_id,
                rep_low=_int(target.get("rep_low")),
                rep_high=_int(target.get("rep_high")),
                target_rir=_int(target.get("target_rir")),
            ),
        )
        record.sets.append(
            SetRecord(
                reps=_int(reps),
                load_kg=_float(load_kg),
                rir=_bounded(rir, 0, 10),
                rpe=_bounded(rpe, 1, 10),
                seconds=_float(seconds),
            )
        )
    return SessionRecord(
        day=date.fromisoformat(day),
        status="done" if status == "done" else "skipped",
        exercises=list(by_exercise.values()),
        aerobic_minutes=round(aerobic, 1),
        vigorous_minutes=round(vigorous, 1),
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and value >= 0 else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def _bounded(value: Any, low: float, high: float) -> float | None:
    number = _float(value)
    return number if number is not None and low <= number <= high else None


def planned_session(
    db: sqlite_utils.Database, user_id: int, today: date
) -> tuple[int, Session] | None:
    """Today's planned session (row id and session), if the planner made one."""
    rows = db.execute(
        "SELECT id, plan FROM workout_sessions WHERE user_id = ? AND status = 'planned' "
        "AND planned_for = ? ORDER BY id DESC",
        [user_id, today.isoformat()],
    ).fetchall()
    for row_id, plan in rows:
        if not plan:
            continue
        try:
            return int(row_id), Session.model_validate_json(plan)
        except ValidationError:
            continue  # a plan from something else (an import, an older format)
    return None


def save_planned(db: sqlite_utils.Database, user_id: int, session: Session, now: datetime) -> int:
    """Store the session as today's plan (replacing today's earlier plan); returns its id."""
    today = now.date().isoformat()
    plan = session.model_dump_json()
    with transaction(db):
        row = db.execute(
            "SELECT id FROM workout_sessions WHERE user_id = ? AND status = 'planned' "
            "AND planned_for = ? ORDER BY id DESC LIMIT 1",
            [user_id, today],
        ).fetchone()
        if row:
            db.execute(
                "UPDATE workout_sessions SET plan = ? WHERE id = ? AND user_id = ?",
                [plan, row[0], user_id],
            )
            return int(row[0])
        cursor = db.execute(
            "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, "
            "created_at) VALUES (?, 'planned', ?, ?, 'coach', ?)",
            [user_id, today, plan, store.iso(now)],
        )
        return int(cursor.lastrowid or 0)


# -- building requests -------------------------------------------------------------------
class Overrides(BaseModel):
    """Things said for today that differ from the stored profile."""

    minutes: int | None = None
    equipment: list[str] | None = None
    goal: str | None = None
    level: str | None = None
    energy: int | None = None
    poor_sleep: bool | None = None
    avoid: list[str] | None = None


def equipment_words(items: list[str], *, strict: bool) -> list[str]:
    """Vocabulary words for equipment phrases; unknown phrases raise or are dropped.

    Raises:
        ToolRetry: ``strict`` and a phrase is not known.
    """
    if strict:
        try:
            return parse_equipment(items)
        except ValueError as exc:
            raise ToolRetry(str(exc)) from exc
    found = {"bodyweight"}
    for item in items:
        found.update(normalize_equipment(item.replace("_", " ")) or [])
        if item in load_catalog().vocabulary.equipment:
            found.add(item)
    return sorted(found)


def areas(items: list[str]) -> list[str]:
    """Constraint areas for body-part phrases.

    Raises:
        ToolRetry: A phrase is not a known area.
    """
    out: set[str] = set()
    known = load_catalog().vocabulary.constraint_tags
    for item in items:
        area = normalize_area(item)
        if area is None:
            raise ToolRetry(f"unknown body area {item!r}; use one of: {', '.join(known)}")
        out.add(area)
    return sorted(out)


def disliked_exercises(text: str) -> list[str]:
    """Exercise ids a dislike note means.

    A family word ("lunges", "burpees", "squats") means every exercise whose name has it;
    otherwise the confidently resolved exercise, if any.
    """
    catalog = load_catalog()
    key = catalog.normalize_name(text)
    if not key:
        return []
    family = [
        e.id
        for e in catalog.exercises
        if e.pattern != "mobility" and f" {key} " in f" {catalog.normalize_name(e.name)} "
    ]
    if len(family) >= 2:
        return sorted(family)
    match = catalog.resolve(text)
    return [match.exercise_id] if match.exercise_id else []


def _dislikes(db: sqlite_utils.Database, user_id: int) -> list[str]:
    out: set[str] = set()
    for note in store.active_notes(db, user_id, "dislike"):
        for text in (note.get("subject"), note.get("text")):
            found = disliked_exercises(str(text)) if text else []
            if found:
                out.update(found)
                break
    return sorted(out)


def build_request(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    overrides: Overrides,
    extra_constraints: list[str] | None = None,
    *,
    carry_today: bool = True,
) -> tuple[SessionRequest, History]:
    """The planner's request for today from the profile, notes, history and overrides.

    What the person already said about today (minutes, equipment, energy, areas to
    protect) is kept from today's plan when a new call leaves it out, so "my knee is
    achy" after "I have 30 minutes" still plans 30 minutes. ``carry_today=False`` starts
    from the profile alone (the CLI, where flags say everything).

    Raises:
        ToolRetry: An override is not usable (unknown equipment, area or goal).
    """
    profile = store.get_profile(db, user_id)
    today = now.date()
    history = read_history(db, user_id, today)
    planned = planned_session(db, user_id, today) if carry_today else None
    base = planned[1].request if planned is not None else None
    goal = overrides.goal or (base.goal if base else None) or profile.goal
    if goal is not None and goal not in GOALS:
        if overrides.goal:
            raise ToolRetry(f"unknown goal {goal!r}; use one of: {', '.join(GOALS)}")
        goal = None
    if overrides.equipment is not None:
        equipment = equipment_words(overrides.equipment, strict=True)
    elif base is not None:
        equipment = list(base.equipment)
    else:
        equipment = equipment_words(profile.equipment or [], strict=False)
    known_areas = load_catalog().vocabulary.constraint_tags
    constraints = set(store.active_constraint_areas(db, user_id))
    constraints.update(extra_constraints or [])
    constraints = {normalize_area(a) or a for a in constraints}
    if base is not None:
        constraints.update(base.constraints)
    if overrides.avoid:
        constraints.update(areas(overrides.avoid))
    focus, variation = _focus(profile.days_per_week, history, today)
    minutes = (
        overrides.minutes
        or (base.minutes if base else None)
        or profile.session_minutes
        or DEFAULT_MINUTES
    )
    readiness = base.readiness if base is not None else Readiness()
    if overrides.energy is not None or overrides.poor_sleep is not None:
        readiness = Readiness(
            energy=overrides.energy or readiness.energy,
            poor_sleep=readiness.poor_sleep
            if overrides.poor_sleep is None
            else overrides.poor_sleep,
        )
    request = SessionRequest(
        goal=_goal(goal),
        level=_level(overrides.level or profile.level),
        equipment=equipment,
        minutes=max(5, min(180, int(minutes))),
        readiness=readiness,
        constraints=sorted(c for c in constraints if c in known_areas),
        dislikes=_dislikes(db, user_id),
        focus=focus,
        variation=variation,
        today=today,
        age=profile.age if profile.age is not None and 10 <= profile.age <= 110 else None,
        units="lb" if profile.units == "lb" else "kg",
    )
    return request, history


def _goal(value: str | None) -> Goal:
    for goal in GOALS:
        if goal == value:
            return goal
    return "general_fitness"


def _level(value: str | None) -> Level:
    for level in LEVELS:
        if level == value:
            return level
    return "beginner"


def _focus(days_per_week: int | None, history: History, today: date) -> tuple[Focus, int]:
    start = today - timedelta(days=today.weekday())
    done = sum(1 for s in history.done() if start <= s.day <= today)
    if not days_per_week:
        return "full", done
    template, _count, _why = choose_today(days_per_week, history, today)
    # Matching against the planner's own list narrows the template to a known focus.
    for focus in FOCUSES:
        if focus == template:
            return focus, done
    # The week is done or they already trained today: an extra session is full body.
    return "full", done


# -- names -------------------------------------------------------------------------------
def resolve(text: str) -> Exercise:
    """The catalog exercise a typed name means.

    Raises:
        ToolRetry: No confident match; the message lists the closest ones.
    """
    catalog = load_catalog()
    result = catalog.resolve(text)
    if result.exercise_id:
        return catalog.get(result.exercise_id)
    if result.matches:
        close = "; ".join(f"{m.name} (id {m.id})" for m in result.matches[:4])
        raise ToolRetry(
            f"not sure which exercise {text!r} means; closest: {close}. "
            "Ask the person which one, or call again with an id."
        )
    raise ToolRetry(f"no exercise like {text!r} in the catalog; ask the person to rephrase")


def in_session(session: Session, text: str) -> Exercise:
    """The session's exercise a typed name refers to ("the squats" -> Goblet squat)."""
    catalog = load_catalog()
    ids = [p.id for p in session.exercises]
    result = catalog.resolve(text)
    if result.exercise_id in ids:
        return catalog.get(result.exercise_id or "")
    for match in result.matches:
        if match.id in ids and match.score >= 70:
            return catalog.get(match.id)
    key = catalog.normalize_name(text)
    best: tuple[float, str] | None = None
    for exercise_id in ids:
        exercise = catalog.get(exercise_id)
        for label in (exercise.name, *exercise.aliases):
            score = fuzz.token_set_ratio(key, catalog.normalize_name(label))
            if best is None or score > best[0]:
                best = (score, exercise_id)
    if best is not None and best[0] >= 70:
        return catalog.get(best[1])
    names = ", ".join(p.name for p in session.exercises)
    raise ToolRetry(f"{text!r} is not in today's session; it has: {names}")


# -- services ----------------------------------------------------------------------------
def current(
    db: sqlite_utils.Database, user_id: int, now: datetime, constraints: list[str]
) -> tuple[Session, History]:
    """Today's plan, made now from the profile when there is none yet."""
    found = planned_session(db, user_id, now.date())
    request, history = build_request(db, user_id, now, Overrides(), constraints)
    if found is not None:
        return found[1], history
    return build_session(request, history), history


def weekly(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    constraints: list[str],
    days_per_week: int | None,
) -> WeeklyProgram:
    """The week's program for the usual profile (not today's one-off minutes or equipment)."""
    profile = store.get_profile(db, user_id)
    request, history = build_request(db, user_id, now, Overrides(), constraints, carry_today=False)
    days = days_per_week or profile.days_per_week or 3
    return week.weekly_program(request.model_copy(update={"focus": "full"}), days, history)


def next_progression(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    constraints: list[str],
    exercise_name: str,
) -> Recommendation:
    """What to do next time on one exercise (load, reps, ladder step or deload), and why.

    Raises:
        ToolRetry: The name matches no catalog exercise confidently.
    """
    exercise = resolve(exercise_name)
    request, history = build_request(db, user_id, now, Overrides(), constraints)
    records = history.exposures(exercise.id)
    low, high, rir = _range_for(exercise, request, records)
    return progress.next_progression(
        exercise,
        records,
        rep_range=(low, high),
        target_rir=rir,
        unit=request.units,
        equipment=request.equipment,
        excluded_tags=_excluded(request),
        max_level=request.level_rank(),
    )


def _range_for(
    exercise: Exercise, request: SessionRequest, records: list[tuple[date, ExerciseRecord]]
) -> tuple[int, int, float]:
    params = prescriptions().goals[request.goal].levels[request.level]
    rir = float(params.rir)
    for _day, record in reversed(records):
        if record.target_rir is not None:
            rir = record.target_rir
        if record.rep_low is not None and record.rep_high is not None:
            return record.rep_low, record.rep_high, rir
    if exercise.unit == "seconds" and exercise.seconds is not None:
        return exercise.seconds[0], exercise.seconds[1], rir
    low, high = params.reps
    if all(e in {"bodyweight", "bands", "pullup_bar"} for e in exercise.equipment):
        low, high = max(low, 6), max(high, 12)
    return low, high, rir


def _excluded(request: SessionRequest) -> list[str]:
    table = load_catalog().vocabulary.constraint_tags
    tags = set(request.avoid_tags)
    for area in request.constraints:
        tags.update(table[area])
    return sorted(tags)
