"""Today's plan as a service: the request, the session and its adaptations, the week, progression.

These functions read the person's profile, constraints, dislikes and recent history from the
database, hand them to the pure planner (agent.planning) and store today's plan in
``workout_sessions`` (status ``planned``, the session JSON in ``plan``). The planner
decides; these functions only fetch, validate and save. The tools in
``agent.tools.planning_tools`` and the CLI call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from agent.coaching import adjustments, assessments
from agent.coaching.compliance import days_per_week_on
from agent.coaching.readiness import planner_readiness
from agent.errors import ToolRetry
from agent.memory import situation, store, workouts
from agent.memory.history import week_start
from agent.memory.notes import scheduled_days
from agent.planning import adapt, populations
from agent.planning import progression as progress
from agent.planning import weekly as week
from agent.planning.catalog import (
    LEVELS,
    Catalog,
    Exercise,
    Level,
    load_catalog,
    normalize_area,
    normalize_equipment,
    parse_equipment,
)
from agent.planning.equipment import TemporaryKit, find_place, kit_for_place, kit_on
from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES
from agent.planning.models import (
    FOCUSES,
    GOALS,
    ExerciseRecord,
    Focus,
    Goal,
    History,
    Readiness,
    Session,
    SessionRequest,
)
from agent.planning.progression import Recommendation
from agent.planning.rules import prescriptions
from agent.planning.session import build_session
from agent.planning.weekly import WeeklyProgram, choose_today

if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_MINUTES = 30
"""Session length when neither the call nor the profile says."""


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
    focus: Focus | None = None
    """The day's emphasis asked for ("legs", "upper"); None follows the week's rotation."""


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
    return list(_disliked(load_catalog(), text))


@lru_cache(maxsize=256)
def _disliked(catalog: Catalog, text: str) -> tuple[str, ...]:
    # Kept per catalog and note text: every plan reads the person's dislike notes, and
    # matching one against every exercise name cost a plan turn about half a millisecond.
    key = catalog.normalize_name(text)
    if not key:
        return ()
    family = [
        e.id
        for e in catalog.exercises
        if e.pattern != "mobility" and f" {key} " in f" {catalog.name_key(e.id)} "
    ]
    if len(family) >= 2:
        return tuple(sorted(family))
    match = catalog.resolve(text)
    return (match.exercise_id,) if match.exercise_id else ()


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
    history = workouts.read_history(db, user_id, today)
    planned = workouts.planned_session(db, user_id, today) if carry_today else None
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
    focus, variation = _focus(days_per_week_on(db, user_id, today), history, today)
    if overrides.focus is not None and overrides.focus != focus:
        # Asked for outright ("leg day", "upper body instead"): that day's template.
        focus, variation = overrides.focus, 0
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
    # Imported recovery data joins the self-report; the planner names both in its reasons.
    device_band, device_reasons = planner_readiness(db, user_id, today)
    readiness = readiness.model_copy(
        update={"device_band": device_band, "device_reasons": device_reasons}
    )
    who, equipment, load_caps = _situation_today(
        db, user_id, profile.age, today, equipment, base, fresh=overrides.equipment is None
    )
    request = SessionRequest(
        goal=_goal(goal),
        level=_level(overrides.level or profile.level),
        equipment=equipment,
        minutes=max(MIN_MINUTES, min(MAX_MINUTES, int(minutes))),
        readiness=readiness,
        constraints=sorted(c for c in constraints if c in known_areas),
        dislikes=_dislikes(db, user_id),
        focus=focus,
        variation=variation,
        today=today,
        units="lb" if profile.units == "lb" else "kg",
        assessments=assessments.planner_facts(db, user_id, now),
        load_caps=load_caps,
        **who,
    )
    return adjustments.apply(db, user_id, request), history


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
        # Today's plan keeps its caps; a cap said since then applies too (the lower wins).
        merged = dict(base.load_caps)
        for item, kg in caps.items():
            merged[item] = min(kg, merged.get(item, kg))
        return who, equipment, merged
    kits = [
        TemporaryKit.model_validate(k.model_dump())
        for k in situation.temporary_kits(db, user_id, today)
    ]
    kit = kit_on(today, equipment, caps, kits)
    if fresh and kit.place is not None:
        return who, kit.equipment, dict(kit.load_caps)
    return who, equipment, caps


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
    from rapidfuzz import fuzz  # imported when a name needs it, not by every start

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
    raise ToolRetry(f"{text!r} is not in today's session; it has: {names}", "not_in_session")


# -- services ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanScope:
    """Whose plan, at what time, and which joint areas this turn asks to protect."""

    db: sqlite_utils.Database
    user_id: int
    now: datetime
    constraints: tuple[str, ...] = ()

    def request(
        self, overrides: Overrides | None = None, *, carry_today: bool = True
    ) -> tuple[SessionRequest, History]:
        """The planner's request and history for this scope (see :func:`build_request`)."""
        return build_request(
            self.db,
            self.user_id,
            self.now,
            overrides or Overrides(),
            list(self.constraints),
            carry_today=carry_today,
        )


def current(scope: PlanScope) -> tuple[Session, History]:
    """Today's plan, made now from the profile when there is none yet."""
    found = workouts.planned_session(scope.db, scope.user_id, scope.now.date())
    request, history = scope.request()
    if found is not None:
        return found[1], history
    return build_session(request, history), history


def _store(scope: PlanScope, session: Session) -> tuple[int, Session]:
    # The trainer's decisions in force today join the reasons, so the person sees who
    # changed their plan and why.
    in_force = adjustments.attributions(scope.db, scope.user_id, scope.now.date())
    notes = [n for n in in_force if n not in session.reasons]
    if notes:
        session = session.model_copy(update={"reasons": [*session.reasons, *notes]})
    return workouts.save_planned(scope.db, scope.user_id, session, scope.now), session


def plan_today(scope: PlanScope, overrides: Overrides) -> tuple[int, Session]:
    """Plan today's session and store it as today's plan; returns its id and the session.

    Raises:
        ToolRetry: An override is not usable (unknown equipment, area or goal).
    """
    request, history = scope.request(overrides)
    return _store(scope, build_session(request, history))


def shorten(scope: PlanScope, minutes: int) -> tuple[int, Session]:
    """Fit today's session into ``minutes``, keeping the key lifts, and store it."""
    session, history = current(scope)
    return _store(scope, adapt.shorten(session, minutes, history))


def swap_equipment(scope: PlanScope, equipment: list[str]) -> tuple[int, Session]:
    """Rebuild today's session for the equipment available now, and store it.

    Raises:
        ToolRetry: A piece of equipment is not known.
    """
    session, history = current(scope)
    words = equipment_words(equipment, strict=True)
    return _store(scope, adapt.swap_equipment(session, words, history))


def equipment_unavailable(scope: PlanScope, items: list[str]) -> tuple[int, Session]:
    """Something is unavailable today: swap only what needs it, and store the plan.

    Raises:
        ToolRetry: A piece of equipment is not known.
    """
    session, history = current(scope)
    words = equipment_words(items, strict=True)
    return _store(scope, adapt.equipment_unavailable(session, words, history))


@dataclass(frozen=True)
class TemporaryPlace:
    """A kit saved for some days, and today's plan with it."""

    kit: TemporaryKit
    stored: tuple[int, Session]


def temporary_place(
    scope: PlanScope,
    place: str,
    days: int,
    equipment: list[str] | None,
    max_dumbbell_kg: float | None,
    minutes: int | None = None,
) -> TemporaryPlace:
    """Train somewhere else for ``days`` days from today; the usual kit is left alone.

    Today's session uses that kit and, when given, ``minutes`` (said with the stay:
    "hotel room with a band, 20 minutes"); the usual session length is not changed.

    Raises:
        ToolRetry: The place says nothing about its kit and no equipment was given.
    """
    today = scope.now.date()
    known = find_place(place)
    caps: dict[str, float] = {}
    if equipment:
        kit_words = equipment_words(equipment, strict=True)
    elif known is not None and not known.ask:
        usual = kit_for_place(known)
        kit_words, caps = list(usual.equipment), dict(usual.load_caps)
    else:
        raise ToolRetry(f"what equipment is at {place}? pass it as equipment")
    if max_dumbbell_kg is not None:
        caps["dumbbells"] = max_dumbbell_kg
    kit = TemporaryKit(
        place=place,
        equipment=kit_words,
        load_caps=caps,
        starts_on=today,
        ends_on=today + timedelta(days=days - 1),
    )
    situation.add_temporary_kit(
        scope.db, scope.user_id, situation.StoredKit.model_validate(kit.model_dump()), scope.now
    )
    session, history = current(scope)
    today_only: dict[str, object] = {"equipment": kit.equipment, "load_caps": dict(kit.load_caps)}
    if minutes is not None:
        today_only["minutes"] = minutes
    request = session.request.model_copy(update=today_only)
    until = "today" if days == 1 else f"until {kit.ends_on.isoformat()}"
    new = build_session(request, history).model_copy(
        update={"changes": [f"At {place} {until}: {', '.join(kit.equipment)}."]}
    )
    return TemporaryPlace(kit=kit, stored=_store(scope, new))


def swap_exercise(scope: PlanScope, exercise: str, reason: str | None) -> tuple[int, Session]:
    """Replace one exercise of today's session with a like one, and store it.

    Raises:
        ToolRetry: The exercise is not in today's session, or nothing can replace it.
    """
    session, history = current(scope)
    stand_in = nearest_in_session(session, exercise)
    chosen = stand_in or in_session(session, exercise)
    try:
        swapped = adapt.swap_exercise(session, chosen.id, reason, history)
    except LookupError as exc:
        raise ToolRetry(f"{exc}; tell the person and offer to skip it instead") from exc
    if stand_in is not None:
        named = load_catalog().get(load_catalog().resolve(exercise).exercise_id or "")
        note = (
            f"Today has {stand_in.name} rather than {named.name} (the same movement), "
            "so that is the one swapped."
        )
        swapped = swapped.model_copy(update={"changes": [note, *swapped.changes]})
    return _store(scope, swapped)


def nearest_in_session(session: Session, text: str) -> Exercise | None:
    """The session's one exercise of the same movement and main muscle as a named other.

    "Swap the leg press" when today has goblet squats means the squat of today's session,
    not the bench press its words are closest to. Only when ``text`` names a catalog
    exercise for sure that is neither in the session nor close to a name there, and
    exactly one exercise there shares its pattern and main muscle; None otherwise (the
    name is then matched as it is, see :func:`in_session`).
    """
    catalog = load_catalog()
    resolution = catalog.resolve(text)
    named_id = resolution.exercise_id
    ids = [p.id for p in session.exercises]
    if named_id is None or named_id in ids:
        return None
    if any(m.id in ids and m.score >= 70 for m in resolution.matches):
        return None  # the name itself is close to one of the session's ("bench press")
    named = catalog.get(named_id)
    alike = [
        exercise
        for exercise in (catalog.get(i) for i in ids)
        if exercise.pattern == named.pattern
        and exercise.primary_muscles[:1] == named.primary_muscles[:1]
    ]
    return alike[0] if len(alike) == 1 else None


def adjust_difficulty(
    scope: PlanScope, direction: Literal["easier", "harder"]
) -> tuple[int, Session]:
    """Make today's session one step easier or harder, and store it.

    Raises:
        ToolRetry: The session cannot move further that way.
    """
    session, history = current(scope)
    try:
        changed = adapt.adjust_difficulty(session, direction, history)
    except ValueError as exc:
        raise ToolRetry(str(exc)) from exc
    return _store(scope, changed)


def weekly(scope: PlanScope, days_per_week: int | None) -> WeeklyProgram:
    """The week's program for the usual profile (not today's one-off minutes or equipment).

    A trainer's approved change of days per week counts unless ``days_per_week`` is
    given; days a status pauses get no session; the trainer's decisions are in ``reasons``.
    """
    request, history = scope.request(carry_today=False)
    today = scope.now.date()
    days = days_per_week or days_per_week_on(scope.db, scope.user_id, today) or 3
    program = week.weekly_program(request.model_copy(update={"focus": "full"}), days, history)
    program = adjustments.pause_week(scope.db, scope.user_id, program)
    notes = adjustments.attributions(scope.db, scope.user_id, today)
    scheduled = None if days_per_week else scheduled_days(scope.db, scope.user_id, today)
    if scheduled is not None:
        count, last = scheduled
        notes.append(
            f"{count} training day{'s' if count != 1 else ''} this time, as you said, until "
            f"{last.isoformat()}; then your usual week is back."
        )
    return program.model_copy(update={"reasons": [*program.reasons, *notes]})


def next_week(scope: PlanScope) -> WeeklyProgram:
    """Next week's program (from Monday) with the decisions in force from then on."""
    monday = week_start(scope.now.date()) + timedelta(days=7)
    start = datetime.combine(monday, scope.now.timetz())
    return weekly(PlanScope(scope.db, scope.user_id, start, scope.constraints), None)


def next_progression(scope: PlanScope, exercise_name: str) -> Recommendation:
    """What to do next time on one exercise (load, reps, ladder step or deload), and why.

    Raises:
        ToolRetry: The name matches no catalog exercise confidently.
    """
    exercise = resolve(exercise_name)
    request, history = scope.request()
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
