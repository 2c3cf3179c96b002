"""Planning tools: today's session and its adaptations, the week, and the next progression.

The tools read the person's profile, constraints, dislikes and recent history from the
database, hand them to the pure planner (agent.planning) and store today's plan in
``workout_sessions`` (status ``planned``, the session JSON in ``plan``). The planner
decides; these functions only fetch, validate and save.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel, Field, ValidationError
from rapidfuzz import fuzz

from agent.errors import ToolRetry
from agent.memory import situation, store
from agent.memory.db import transaction
from agent.planning import adapt, populations
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
from agent.planning.equipment import TemporaryKit, find_place, kit_for_place, kit_on
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
from agent.tools.context import ToolContext
from agent.tools.registry import Tool

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
    who, equipment, load_caps = _situation_today(
        db, user_id, profile.age, today, equipment, base, fresh=overrides.equipment is None
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
        units="lb" if profile.units == "lb" else "kg",
        load_caps=load_caps,
        **who,
    )
    return request, history


def _situation_today(
    db: sqlite_utils.Database,
    user_id: int,
    age: int | None,
    today: date,
    equipment: list[str],
    base: SessionRequest | None,
    *,
    fresh: bool,
) -> tuple[dict[str, Any], list[str], dict[str, float]]:
    """Population fields for today, and the kit.

    A temporary place covering today wins over the usual kit unless today's equipment was
    already said.
    """
    stored = situation.get_situation(db, user_id)
    who = populations.request_fields({**stored.model_dump(), "age": age}, today)
    caps: dict[str, float] = who.pop("load_caps")
    if base is not None:
        return who, equipment, dict(base.load_caps)
    kits = [
        TemporaryKit.model_validate(k.model_dump())
        for k in situation.temporary_kits(db, user_id, today)
    ]
    kit = kit_on(today, equipment, caps, kits)
    if fresh and kit.place is not None:
        return who, kit.equipment, dict(kit.load_caps)
    return who, equipment, caps


def _request(
    ctx: ToolContext, overrides: Overrides, *, carry_today: bool = True
) -> tuple[SessionRequest, History]:
    return build_request(
        ctx.db, ctx.user_id, ctx.now, overrides, list(ctx.constraints), carry_today=carry_today
    )


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


# -- results -----------------------------------------------------------------------------
class PlanResult(BaseModel):
    """Today's session as planned or adapted, with what changed and why."""

    session_id: int = Field(description="workout_sessions id of today's plan.")
    session: dict[str, Any] = Field(description="The session (coach plan --json shape).")
    changes: list[str] = Field(description="What changed, in plain words, to tell the person.")
    reasons: list[str] = Field(description="Why the session looks as it does.")


def _result(session_id: int, session: Session) -> PlanResult:
    data = session.model_dump(mode="json", exclude={"request"})
    return PlanResult(
        session_id=session_id,
        session=data,
        changes=list(session.changes),
        reasons=list(session.reasons),
    )


def _current(ctx: ToolContext) -> tuple[Session, History]:
    """Today's plan, made now from the profile when there is none yet."""
    found = planned_session(ctx.db, ctx.user_id, ctx.now.date())
    request, history = _request(ctx, Overrides())
    if found is not None:
        return found[1], history
    return build_session(request, history), history


def _save(ctx: ToolContext, session: Session) -> PlanResult:
    return _result(save_planned(ctx.db, ctx.user_id, session, ctx.now), session)


# -- tools -------------------------------------------------------------------------------
class PlanTodayArgs(BaseModel):
    """Overrides for today; anything omitted comes from the stored profile."""

    minutes: int | None = Field(default=None, ge=5, le=180, description="Minutes available today.")
    equipment: list[str] | None = Field(
        default=None,
        description="Equipment available today, e.g. ['dumbbells', 'bench'] or ['nothing'].",
    )
    goal: Goal | None = Field(default=None, description="Goal for today if not the usual one.")
    energy: int | None = Field(default=None, ge=1, le=5, description="Energy today, 1-5.")
    poor_sleep: bool | None = Field(default=None, description="True after a bad night's sleep.")
    avoid: list[str] | None = Field(
        default=None,
        description="Body areas to protect today: knee, shoulder, lower_back, wrist, ankle, "
        "hip, neck, elbow.",
    )


def plan_today(ctx: ToolContext, args: PlanTodayArgs) -> PlanResult:
    """Plan today's session from the profile, constraints, history and this week's training.

    Stores it as today's planned session. Use it when the person asks what to do today
    or gives today's time, equipment or energy.
    """
    overrides = Overrides(
        minutes=args.minutes,
        equipment=args.equipment,
        goal=args.goal,
        energy=args.energy,
        poor_sleep=args.poor_sleep,
        avoid=args.avoid,
    )
    request, history = _request(ctx, overrides)
    return _save(ctx, build_session(request, history))


class ShortenArgs(BaseModel):
    """The new length."""

    minutes: int = Field(ge=5, le=180, description="Minutes available now.")


def shorten_session(ctx: ToolContext, args: ShortenArgs) -> PlanResult:
    """Fit today's session into fewer (or more) minutes, keeping the key lifts."""
    session, history = _current(ctx)
    return _save(ctx, adapt.shorten(session, args.minutes, history))


class SwapEquipmentArgs(BaseModel):
    """What is available now."""

    equipment: list[str] = Field(
        min_length=1,
        description="All equipment available now, e.g. ['bands'] or ['nothing'] for none.",
    )


def swap_equipment(ctx: ToolContext, args: SwapEquipmentArgs) -> PlanResult:
    """Rebuild today's session for different equipment (e.g. the cable machine is taken)."""
    session, history = _current(ctx)
    words = equipment_words(args.equipment, strict=True)
    return _save(ctx, adapt.swap_equipment(session, words, history))


class UnavailableArgs(BaseModel):
    """Equipment that is unavailable right now (taken, broken, not in this gym)."""

    items: list[str] = Field(
        min_length=1, description="What is unavailable, e.g. ['bench'] or ['cable machine']."
    )


def equipment_unavailable(ctx: ToolContext, args: UnavailableArgs) -> PlanResult:
    """Something is unavailable today ("the bench is taken", "no cables in this gym").

    Swaps only the exercises that need it and keeps the rest of the session and the kit.
    The usual equipment is not changed.
    """
    session, history = _current(ctx)
    words = equipment_words(args.items, strict=True)
    return _save(ctx, adapt.equipment_unavailable(session, words, history))


class TemporaryPlaceArgs(BaseModel):
    """A place the person trains at for some days only (a hotel, a trip)."""

    place: str = Field(description="What they called it, e.g. 'the hotel gym'.")
    days: int = Field(default=1, ge=1, le=60, description="How many days, from today.")
    equipment: list[str] | None = Field(
        default=None,
        description="Equipment there if they said; omitted = what such a place usually has.",
    )
    max_dumbbell_kg: float | None = Field(
        default=None, gt=0, le=100, description="Heaviest dumbbell there, in kg, if said."
    )


class TemporaryPlaceResult(BaseModel):
    """The temporary kit saved and today's plan with it."""

    place: str = Field(description="The place.")
    equipment: list[str] = Field(description="Equipment there.")
    load_caps: dict[str, float] = Field(description="Heaviest kg per item there.")
    starts_on: date = Field(description="First day.")
    ends_on: date = Field(description="Last day; the usual kit comes back after it.")
    plan: PlanResult = Field(description="Today's session with that kit.")


def temporary_place(ctx: ToolContext, args: TemporaryPlaceArgs) -> TemporaryPlaceResult:
    """Train somewhere else for some days ("at a hotel till Friday, it has a small gym").

    Saves a kit for those days only (it expires by itself) and plans today with it. The
    usual equipment in the profile is not changed.
    """
    today = ctx.now.date()
    known = find_place(args.place)
    if args.equipment:
        equipment = equipment_words(args.equipment, strict=True)
        caps: dict[str, float] = {}
    elif known is not None and not known.ask:
        usual = kit_for_place(known)
        equipment, caps = list(usual.equipment), dict(usual.load_caps)
    else:
        raise ToolRetry(f"what equipment is at {args.place}? pass it as equipment")
    if args.max_dumbbell_kg is not None:
        caps["dumbbells"] = args.max_dumbbell_kg
    kit = TemporaryKit(
        place=args.place,
        equipment=equipment,
        load_caps=caps,
        starts_on=today,
        ends_on=today + timedelta(days=args.days - 1),
    )
    situation.add_temporary_kit(
        ctx.db, ctx.user_id, situation.StoredKit.model_validate(kit.model_dump()), ctx.now
    )
    session, history = _current(ctx)
    request = session.request.model_copy(
        update={"equipment": kit.equipment, "load_caps": dict(kit.load_caps)}
    )
    until = "today" if args.days == 1 else f"until {kit.ends_on.isoformat()}"
    new = build_session(request, history)
    new = new.model_copy(
        update={"changes": [f"At {args.place} {until}: {', '.join(kit.equipment)}."]}
    )
    return TemporaryPlaceResult(
        place=kit.place,
        equipment=kit.equipment,
        load_caps=kit.load_caps,
        starts_on=kit.starts_on,
        ends_on=kit.ends_on,
        plan=_save(ctx, new),
    )


class SwapExerciseArgs(BaseModel):
    """The exercise to replace and why."""

    exercise: str = Field(description="Name or id of the exercise in today's session.")
    reason: str | None = Field(
        default=None, description="Why, in the person's words (dislike, pain, busy...)."
    )


def swap_exercise(ctx: ToolContext, args: SwapExerciseArgs) -> PlanResult:
    """Replace one exercise with another of the same movement and main muscle."""
    session, history = _current(ctx)
    exercise = _in_session(session, args.exercise)
    try:
        swapped = adapt.swap_exercise(session, exercise.id, args.reason, history)
    except LookupError as exc:
        raise ToolRetry(f"{exc}; tell the person and offer to skip it instead") from exc
    return _save(ctx, swapped)


class AdjustDifficultyArgs(BaseModel):
    """Which way."""

    direction: Literal["easier", "harder"] = Field(description="easier | harder.")


def adjust_difficulty(ctx: ToolContext, args: AdjustDifficultyArgs) -> PlanResult:
    """Make today's session one step easier or harder (ladder step, sets or effort)."""
    session, history = _current(ctx)
    try:
        changed = adapt.adjust_difficulty(session, args.direction, history)
    except ValueError as exc:
        raise ToolRetry(str(exc)) from exc
    return _save(ctx, changed)


class WeeklyProgramArgs(BaseModel):
    """Optional override of training days per week."""

    days_per_week: int | None = Field(
        default=None, ge=1, le=7, description="Training days per week if not the profile's."
    )


def weekly_program(ctx: ToolContext, args: WeeklyProgramArgs) -> WeeklyProgram:
    """Plan the week: split, remaining sessions, sets per muscle and the health ledger."""
    profile = store.get_profile(ctx.db, ctx.user_id)
    # The week follows the usual profile, not today's one-off minutes or equipment.
    request, history = _request(ctx, Overrides(), carry_today=False)
    days = args.days_per_week or profile.days_per_week or 3
    return week.weekly_program(request.model_copy(update={"focus": "full"}), days, history)


class NextProgressionArgs(BaseModel):
    """The exercise to look at."""

    exercise: str = Field(description="Exercise name or id, e.g. 'goblet squat'.")


def next_progression(ctx: ToolContext, args: NextProgressionArgs) -> Recommendation:
    """What to do next time on one exercise (load, reps, ladder step or deload), and why."""
    exercise = resolve(args.exercise)
    request, history = _request(ctx, Overrides())
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


def _in_session(session: Session, text: str) -> Exercise:
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


def tools() -> list[Tool]:
    """The planning tools. Plan-changing ones are locked while a safety flag stands."""
    # weekly_program and next_progression change nothing stored, but they prescribe
    # training, which must wait while a stop or emergency flag stands.
    return [
        Tool.from_function(plan_today, plan_changing=True),
        Tool.from_function(shorten_session, plan_changing=True),
        Tool.from_function(swap_equipment, plan_changing=True),
        Tool.from_function(equipment_unavailable, plan_changing=True),
        Tool.from_function(temporary_place, plan_changing=True),
        Tool.from_function(swap_exercise, plan_changing=True),
        Tool.from_function(adjust_difficulty, plan_changing=True),
        Tool.from_function(weekly_program, plan_changing=True),
        Tool.from_function(next_progression, plan_changing=True),
    ]
