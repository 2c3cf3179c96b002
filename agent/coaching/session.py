"""Live-session operations: start or resume, log, adapt, skip, swap, compress, finish.

Each operation loads the user's session, changes the state through ``agent.live.state``,
persists it, and returns a step payload (plain data, plus a ``message`` rendered from
``prompts/live``) that tools, the CLI and the offline model can all use as is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

import prompts
from agent.clock import iso
from agent.coaching import planner_bridge
from agent.coaching.plan import Overrides, build_request
from agent.errors import SessionError
from agent.live import state as sm
from agent.live.state import LiveExercise, LiveState, Phase
from agent.live.units import normalise_unit, round_load
from agent.memory import history, store
from agent.memory import workouts as persist
from agent.memory.workouts import Side

RESUME_WITHIN = timedelta(hours=12)
"""An unfinished session older than this is closed rather than resumed."""

FEEDBACK_LOAD_STEP = 0.05
"""Last session "too hard" lowers today's loads 5% (and adds a rep in reserve); "too easy"
raises them 5% (one fewer in reserve)."""


# -- reading ---------------------------------------------------------------------------


def _require(db: sqlite_utils.Database, user_id: int) -> persist.SessionRow:
    row = persist.in_progress(db, user_id)
    if row is None:
        raise SessionError("no workout is in progress: call start_workout first")
    return row


def step_payload(row: persist.SessionRow, *, event: str = "step") -> dict[str, Any]:
    """What to do now, as data and as words."""
    state = row.state
    data: dict[str, Any] = {
        "session_id": row.id,
        "event": event,
        "phase": state.phase.value,
        "remaining_minutes": state.remaining_minutes(),
        "adjustments": state.adjustments[-3:],
        "locked": state.locked,
    }
    exercise = _upcoming(state)
    if exercise is not None:
        data["exercise"] = _exercise_data(exercise)
        data["set"] = min(exercise.done_sets + 1, exercise.sets)
        data["of_sets"] = exercise.sets
        if exercise is not state.current and state.current is not None:
            # Resting after an exercise's last set: the rest is the one just finished.
            data["exercise"]["rest_s"] = state.current.rest_s
    if state.phase is Phase.WARMUP:
        data["warmup"] = state.warmup
        data["warmup_minutes"] = state.warmup_minutes
    if state.phase is Phase.COOLDOWN:
        data["cooldown"] = state.cooldown
        data["cooldown_minutes"] = state.cooldown_minutes
    data["next"] = _next_label(state)
    data["message"] = prompts.render("live/step.j2", step=data)
    return data


def _announce(payload: dict[str, Any], text: str) -> dict[str, Any]:
    """Say what changed and why before what to do now: no swap or cut happens silently."""
    payload["announced"] = text
    payload["message"] = f"{text}\n{payload['message']}"
    return payload


def _swap_reason(unavailable: list[str], constraints: list[str]) -> str:
    if unavailable:
        return f"no {' or '.join(u.replace('_', ' ') for u in unavailable)} right now"
    if constraints:
        return f"to spare your {', '.join(c.replace('_', ' ') for c in constraints)}"
    return "you asked for something else"


def _exercise_data(exercise: LiveExercise) -> dict[str, Any]:
    return {
        "id": exercise.id,
        "name": exercise.name,
        "pattern": exercise.pattern,
        "reps": exercise.reps_label,
        "timed": exercise.timed,
        "load": exercise.load,
        "unit": exercise.unit if exercise.load is not None else None,
        "needs_load": bool(set(exercise.equipment) - {"bodyweight"}),
        "target_rir": exercise.target_rir,
        "rest_s": exercise.rest_s,
        "cues": exercise.cues[:2],
        "swapped_from": exercise.swapped_from,
    }


def _upcoming(state: LiveState) -> LiveExercise | None:
    """The exercise the person does next: during a rest after a last set, the next block."""
    exercise = state.current
    if exercise is None or exercise.done_sets < exercise.sets:
        return exercise
    return next((e for e in state.exercises[state.index + 1 :] if e.status in sm.PENDING), None)


def _next_label(state: LiveState) -> str:
    """The step after the current one, in a few words."""
    if state.phase is Phase.WARMUP:
        first = next((e for e in state.exercises if e.status in sm.PENDING), None)
        return first.name if first else "cool-down"
    exercise = _upcoming(state)
    if exercise is not None and exercise is not state.current:
        position = state.exercises.index(exercise)
        if exercise.sets > 1:
            return f"{exercise.name}, set 2 of {exercise.sets}"
        later = next((e for e in state.exercises[position + 1 :] if e.status in sm.PENDING), None)
        return later.name if later else "cool-down"
    if exercise is not None:
        if exercise.done_sets + 1 < exercise.sets:
            return f"{exercise.name}, set {exercise.done_sets + 2} of {exercise.sets}"
        later = next(
            (e for e in state.exercises[state.index + 1 :] if e.status in sm.PENDING), None
        )
        return later.name if later else "cool-down"
    if state.phase is Phase.COOLDOWN:
        return "summary"
    return "feedback"


def pause_for_safety(db: sqlite_utils.Database, user_id: int) -> dict[str, Any] | None:
    """Mark the session in progress as held by a safety flag; returns its step, if any."""
    row = persist.in_progress(db, user_id)
    if row is None:
        return None
    row.state.locked = True
    persist.save(db, user_id, row.id, row.state)
    return step_payload(row, event="locked")


def current(db: sqlite_utils.Database, user_id: int) -> dict[str, Any]:
    """The step in play.

    Raises:
        SessionError: No session is in progress.
    """
    return step_payload(_require(db, user_id))


# -- starting ----------------------------------------------------------------------------


def start(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    *,
    minutes: float | None = None,
    constraints: list[str] | None = None,
) -> dict[str, Any]:
    """Resume today's unfinished session, or start today's (planning it if needed).

    Returning after a gap is acknowledged and the missed-time table shapes the session;
    last session's feedback nudges the loads.
    """
    row = persist.in_progress(db, user_id)
    if row is not None and _fresh(row, now):
        # Starting is refused while a flag stands, so any earlier pause is over.
        row.state.locked = False
        persist.save(db, user_id, row.id, row.state)
        return step_payload(row, event="resumed")
    if row is not None:
        _abandon(db, user_id, row, now)
    persist.mark_missed(db, user_id, now.date())
    gap = persist.days_since_last(db, user_id, now)
    profile = store.get_profile(db, user_id)
    planned = persist.planned_for(db, user_id, now.date())
    session_id = planned[0] if planned is not None else None
    if planned is not None and planned[1].get("exercises") and (gap is None or gap <= 7):
        # Today's session was already planned (and nothing was missed since): run it.
        plan = planned[1]
        state = LiveState(
            exercises=planner_bridge.from_plan_dict(plan),
            warmup=planner_bridge.phase_steps(plan.get("warmup")),
            warmup_minutes=planner_bridge.phase_minutes(plan.get("warmup"), 3),
            cooldown=planner_bridge.phase_steps(plan.get("cooldown")),
            cooldown_minutes=planner_bridge.phase_minutes(plan.get("cooldown"), 3),
            gap_days=gap,
        )
        _suggest_loads(db, user_id, state, profile.units)
        if minutes is not None and state.remaining_minutes() + state.warmup_minutes > minutes:
            budget = max(1.0, minutes - state.warmup_minutes)
            state.adjustments.extend(sm.compress(state, budget))
    else:
        # The planner builds it from history: gap table, progression, feedback, readiness.
        overrides = Overrides(minutes=int(minutes) if minutes else None)
        request, past = build_request(db, user_id, now, overrides, list(constraints or []))
        request = request.model_copy(update={"difficulty": _feedback_difficulty(db, user_id)})
        day = planner_bridge.plan_today(request, past)
        plan = day.plan
        state = LiveState(
            exercises=day.exercises,
            warmup=day.warmup,
            warmup_minutes=day.warmup_minutes,
            cooldown=day.cooldown,
            cooldown_minutes=day.cooldown_minutes,
            gap_days=gap,
            adjustments=day.reasons,
        )
        for exercise in state.exercises:
            # Where the planner has no suggestion yet, start from the last load lifted.
            previous = persist.last_load(db, user_id, exercise.id)
            if exercise.load is None and previous is not None:
                exercise.load, exercise.unit = previous
    if not state.exercises:
        raise SessionError("no exercise fits the equipment and constraints on file")
    for exercise in state.exercises:
        if exercise.load is None and not exercise.timed:
            # No load known yet: a load said without a unit ("the 25s") is in theirs.
            exercise.unit = profile.units
    new_id = persist.start(db, user_id, state, now, plan=plan, session_id=session_id)
    row = persist.SessionRow(new_id, "in_progress", state, iso(now), None)
    payload = step_payload(row, event="started")
    payload["gap_days"] = gap
    payload["welcome"] = prompts.render("live/welcome.j2", gap_days=gap)
    payload["message"] = payload["welcome"] + "\n\n" + payload["message"]
    return payload


def _fresh(row: persist.SessionRow, now: datetime) -> bool:
    if not row.started_at:
        return True
    started = datetime.fromisoformat(row.started_at)
    if started.tzinfo is None and now.tzinfo is not None:
        started = started.replace(tzinfo=now.tzinfo)
    return now - started < RESUME_WITHIN


def _abandon(
    db: sqlite_utils.Database, user_id: int, row: persist.SessionRow, now: datetime
) -> None:
    logged = persist.session_sets(db, user_id, row.id)
    persist.close(db, user_id, row.id, row.state, now, "done" if logged else "skipped")


def _feedback_difficulty(db: sqlite_utils.Database, user_id: int) -> int:
    """Last session's answer as the planner's difficulty step: too hard -1, too easy +1."""
    return {"too_hard": -1, "too_easy": 1}.get(persist.last_feedback(db, user_id) or "", 0)


def _suggest_loads(db: sqlite_utils.Database, user_id: int, state: LiveState, units: str) -> None:
    """For a stored plan: missing loads come from the last load lifted.

    Last session's feedback then moves them a step (the planner does this itself when
    it builds the session).
    """
    feedback = persist.last_feedback(db, user_id)
    factor = {"too_hard": 1 - FEEDBACK_LOAD_STEP, "too_easy": 1 + FEEDBACK_LOAD_STEP}.get(
        feedback or "", 1.0
    )
    for exercise in state.exercises:
        previous = persist.last_load(db, user_id, exercise.id)
        if exercise.load is None and previous is not None:
            exercise.load, exercise.unit = previous
        if exercise.load is not None and factor != 1.0:
            exercise.load = round_load(exercise.load * factor, exercise.unit)
        if feedback == "too_hard":
            exercise.target_rir += 1
        elif feedback == "too_easy":
            exercise.target_rir = max(0, exercise.target_rir - 1)
    if factor != 1.0:
        state.adjustments.append(
            f"last session felt {feedback.replace('_', ' ') if feedback else ''}: "
            f"loads {'-' if factor < 1 else '+'}{round(FEEDBACK_LOAD_STEP * 100)}%"
        )


# -- during the session ------------------------------------------------------------------


def advance(db: sqlite_utils.Database, user_id: int, now: datetime) -> dict[str, Any]:
    """Finish the current step: a warm-up, rest or cool-down ends; a set counts at target."""
    row = _require(db, user_id)
    row.state.locked = False  # advancing is refused while a safety flag stands
    if row.state.phase is Phase.WORK:
        exercise = row.state.exercises[row.state.index]
        return log(db, user_id, now, reps=None, load=exercise.load, unit=exercise.unit)
    # A bare Enter / Done during work is logged as the planned target, marked as such.
    if row.state.phase is Phase.COOLDOWN:
        return finish(db, user_id, now)
    sm.advance(row.state)
    persist.save(db, user_id, row.id, row.state)
    return step_payload(row)


_OPPOSITE = {"left": "right", "right": "left"}


def _other_side(
    db: sqlite_utils.Database, session_id: int, state: LiveState, side: Side | None
) -> bool:
    """Whether a set said for one side completes the set just logged for the other."""
    if side not in _OPPOSITE or state.phase is not Phase.REST:
        return False
    if not 0 <= state.index < len(state.exercises):
        return False
    last = persist.last_side(db, session_id)
    current = state.exercises[state.index]
    return last == (current.id, _OPPOSITE[str(side)]) and current.done_sets > 0


def log(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    *,
    reps: int | None,
    load: float | None = None,
    unit: str | None = None,
    rpe: float | None = None,
    rir: float | None = None,
    sets: int = 1,
    locked: bool = False,
    side: Side | None = None,
) -> dict[str, Any]:
    """Log ``sets`` sets of the exercise in play, then adapt and move to rest or on.

    Missing reps (Enter or Done without a number) are logged as the planned target, the
    bottom of the range, and marked as such (``source`` "planned_target" and the reply
    says so), never silently as the top of the range; a missing load is the suggested one.
    RPE and RIR convert (RIR = 10 - RPE). While ``locked`` the sets are stored but the
    plan does not move on or change.
    """
    row = _require(db, user_id)
    state = row.state
    state.locked = locked
    if _other_side(db, row.id, state, side):
        # "10 on the left, 9 on the right": the second half of the set just counted.
        sets, paired = 1, True
    else:
        paired = False
    try:
        exercise = state.exercises[state.index] if paired else sm.ensure_work(state)
    except ValueError as exc:
        raise SessionError(f"{exc}; say finish to see the summary") from exc
    unit_used = normalise_unit(unit, exercise.unit) if load is not None else exercise.unit
    load_used = load if load is not None else exercise.load
    if rir is None and rpe is not None:
        rir = max(0.0, 10 - rpe)
    assumed = reps is None
    reps_used = reps if reps is not None else exercise.rep_low
    outcome: dict[str, Any] = {"adjusted": None, "rest_s": 0}
    for _ in range(max(1, sets)):
        persist.insert_set(
            db,
            user_id,
            row.id,
            persist.LoggedSet(
                exercise.id,
                exercise.name,
                exercise.done_sets + 1,
                reps_used,
                load_used,
                unit_used,
                rpe,
                rir,
                source="planned_target" if assumed else "live",
                side=side,
            ),
            now,
        )
        if paired:
            outcome["rest_s"] = exercise.rest_s  # still resting after that set
            break
        if locked:
            exercise.done_sets += 1
            state.locked = True
            continue
        outcome = sm.record_set(state, reps_used, rir, load_used, unit_used)
        if state.phase is not Phase.REST or state.current is not exercise:
            break
    persist.save(db, user_id, row.id, state)
    payload = step_payload(row, event="logged")
    payload["logged"] = {
        "exercise": exercise.name,
        "reps": reps_used,
        "load": load_used,
        "unit": unit_used if load_used is not None else None,
        "sets": max(1, sets),
        "planned_target": assumed,
        "side": side,
    }
    payload["rest_s"] = outcome["rest_s"]
    payload["adjusted"] = outcome["adjusted"]
    payload["message"] = prompts.render("live/logged.j2", step=payload)
    return payload


def adjust(db: sqlite_utils.Database, user_id: int, direction: str, why: str) -> dict[str, Any]:
    """Move the next set's load one step ("too heavy" / "too easy")."""
    row = _require(db, user_id)
    if row.state.phase is Phase.WARMUP:
        sm.settle(row.state)
    exercise = row.state.current
    if exercise is None:
        raise SessionError("no exercise is in play to adjust")
    note = sm.change_load(exercise, direction, why)
    row.state.adjustments.append(note)
    persist.save(db, user_id, row.id, row.state)
    payload = step_payload(row, event="adjusted")
    payload["adjusted"] = note
    return payload


def skip(db: sqlite_utils.Database, user_id: int) -> dict[str, Any]:
    """Skip the exercise in play; its logged sets stay."""
    row = _require(db, user_id)
    try:
        skipped = sm.skip_current(row.state)
    except ValueError as exc:
        raise SessionError(str(exc)) from exc
    row.state.adjustments.append(f"{skipped.name}: skipped")
    persist.save(db, user_id, row.id, row.state)
    payload = step_payload(row, event="skipped")
    payload["skipped"] = skipped.name
    return payload


def swap(
    db: sqlite_utils.Database,
    user_id: int,
    *,
    unavailable: list[str],
    constraints: list[str],
) -> dict[str, Any]:
    """Replace the exercise in play with one of the same pattern that fits."""
    row = _require(db, user_id)
    sm.settle(row.state)
    exercise = row.state.current
    if exercise is None:
        raise SessionError("no exercise is in play to swap")
    if unavailable and not planner_bridge.needs_any(exercise, unavailable):
        # "The bench is taken" while squatting means the next lift that needs the bench.
        later = [
            e
            for e in row.state.exercises[row.state.index + 1 :]
            if e.status in sm.PENDING and planner_bridge.needs_any(e, unavailable)
        ]
        if not later:
            raise SessionError(
                f"nothing left today needs {', '.join(unavailable)}: carry on with {exercise.name}"
            )
        return _swap_later(db, user_id, row, later[0], unavailable, constraints)
    profile = store.get_profile(db, user_id)
    equipment = list(profile.equipment or []) or list(exercise.equipment)
    avoid = sorted(set(store.active_constraint_areas(db, user_id)) | set(constraints))
    missing = list(unavailable)
    replacement = planner_bridge.swap(
        exercise,
        equipment,
        missing,
        avoid,
        level=profile.level,
        in_session=[e.id for e in row.state.exercises],
    )
    if replacement is None:
        raise SessionError(
            f"no other {exercise.pattern.replace('_', ' ')} exercise fits; skip it instead"
        )
    if exercise.done_sets:
        exercise.sets = exercise.done_sets
        exercise.status = "done"
        row.state.exercises.insert(row.state.index + 1, replacement)
        row.state.index += 1
    else:
        row.state.exercises[row.state.index] = replacement
    row.state.phase = Phase.WORK
    row.state.adjustments.append(f"{exercise.name} -> {replacement.name}")
    persist.save(db, user_id, row.id, row.state)
    payload = step_payload(row, event="swapped")
    why = _swap_reason(unavailable, constraints)
    payload["swapped"] = {"from": exercise.name, "to": replacement.name, "why": why}
    return _announce(payload, f"Swapped {exercise.name} for {replacement.name}: {why}.")


def _swap_later(
    db: sqlite_utils.Database,
    user_id: int,
    row: persist.SessionRow,
    target: LiveExercise,
    unavailable: list[str],
    constraints: list[str],
) -> dict[str, Any]:
    """Swap an exercise further on in the session; the one in play stays."""
    profile = store.get_profile(db, user_id)
    avoid = sorted(set(store.active_constraint_areas(db, user_id)) | set(constraints))
    replacement = planner_bridge.swap(
        target,
        list(profile.equipment or []) or list(target.equipment),
        unavailable,
        avoid,
        level=profile.level,
        in_session=[e.id for e in row.state.exercises],
    )
    if replacement is None:
        raise SessionError(f"nothing fits to replace {target.name}; skip it when we get there")
    replacement.status = "pending"
    position = row.state.exercises.index(target)
    row.state.exercises[position] = replacement
    row.state.adjustments.append(f"{target.name} -> {replacement.name}")
    persist.save(db, user_id, row.id, row.state)
    payload = step_payload(row, event="swapped")
    why = _swap_reason(unavailable, constraints)
    payload["swapped"] = {"from": target.name, "to": replacement.name, "why": why}
    return _announce(payload, f"Later on, {target.name} becomes {replacement.name}: {why}.")


def spare(
    db: sqlite_utils.Database, user_id: int, *, areas: list[str], constraints: list[str]
) -> dict[str, Any]:
    """Spare sore joints for the rest of the session: swap what loads them, else skip it."""
    row = _require(db, user_id)
    state = row.state
    sm.settle(state)
    profile = store.get_profile(db, user_id)
    avoid = sorted(set(store.active_constraint_areas(db, user_id)) | set(constraints) | set(areas))
    changes: list[str] = []
    for position in range(state.index, len(state.exercises)):
        exercise = state.exercises[position]
        if exercise.status not in sm.PENDING or not planner_bridge.loads_joint(exercise, avoid):
            continue
        equipment = list(profile.equipment or []) or list(exercise.equipment)
        replacement = planner_bridge.swap(
            exercise,
            equipment,
            [],
            avoid,
            level=profile.level,
            in_session=[e.id for e in state.exercises],
        )
        if replacement is not None and exercise.done_sets == 0:
            replacement.status = exercise.status
            state.exercises[position] = replacement
            changes.append(f"{exercise.name} -> {replacement.name}")
        else:
            exercise.status = "done" if exercise.done_sets else "skipped"
            changes.append(f"{exercise.name}: stopped here")
    if state.phase is Phase.WORK and state.current is not None:
        if state.current.status not in sm.PENDING:
            sm.begin_next_exercise(state, state.index + 1)
    state.adjustments.extend(changes)
    persist.save(db, user_id, row.id, state)
    payload = step_payload(row, event="spared")
    payload["spared"] = {"areas": areas, "changes": changes}
    payload["message"] = prompts.render("live/spared.j2", step=payload)
    return payload


def compress(db: sqlite_utils.Database, user_id: int, minutes: float) -> dict[str, Any]:
    """Fit the rest of the session into ``minutes``."""
    row = _require(db, user_id)
    before = row.state.remaining_minutes()
    changes = sm.compress(row.state, minutes)
    row.state.adjustments.extend(changes)
    if row.state.phase is Phase.REST and row.state.current is None:
        sm.advance(row.state)
    persist.save(db, user_id, row.id, row.state)
    payload = step_payload(row, event="compressed")
    after = row.state.remaining_minutes()
    payload["compressed"] = {
        "minutes": minutes,
        "before_minutes": before,
        "after_minutes": after,
        "changes": changes,
    }
    what = "; ".join(changes) if changes else "nothing needed to change"
    return _announce(
        payload,
        f"To fit {minutes:g} minutes (about {before:g} were left, now {after:g}): {what}.",
    )


# -- finishing ---------------------------------------------------------------------------


def finish(db: sqlite_utils.Database, user_id: int, now: datetime) -> dict[str, Any]:
    """End the session (whatever is left is skipped) and summarise it."""
    row = _require(db, user_id)
    for exercise in row.state.exercises:
        if exercise.status in sm.PENDING:
            exercise.status = "done" if exercise.done_sets else "skipped"
    row.state.phase = Phase.FEEDBACK
    sets = persist.session_sets(db, user_id, row.id)
    persist.close(db, user_id, row.id, row.state, now, "done" if sets else "skipped")
    summary = summarise(db, user_id, row, sets, now)
    summary["message"] = prompts.render("live/summary.j2", summary=summary)
    return summary


def summarise(
    db: sqlite_utils.Database,
    user_id: int,
    row: persist.SessionRow,
    sets: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """Time, sets, volume, personal bests and what progressed."""
    started = datetime.fromisoformat(row.started_at) if row.started_at else now
    if started.tzinfo is None and now.tzinfo is not None:
        started = started.replace(tzinfo=now.tzinfo)
    volume = sum((s["reps"] or 0) * (s["load_kg"] or 0) for s in sets)
    bests: list[str] = []
    progressed: list[str] = []
    seen: dict[str, dict[str, Any]] = {}
    for s in sets:
        top = seen.setdefault(s["exercise_id"], {"name": s["exercise_name"], "kg": 0.0, "reps": 0})
        top["kg"] = max(top["kg"], s["load_kg"] or 0.0)
        top["reps"] = max(top["reps"], s["reps"] or 0)
        top["shown"] = s
    for exercise_id, top in seen.items():
        best_kg, best_reps = persist.best_before(db, user_id, exercise_id, row.id)
        if best_kg is None and best_reps is None:
            continue
        if top["kg"] and top["kg"] > (best_kg or 0):
            bests.append(f"{top['name']}: heaviest yet")
            progressed.append(top["name"])
        elif not top["kg"] and top["reps"] > (best_reps or 0):
            bests.append(f"{top['name']}: most reps yet ({top['reps']})")
            progressed.append(top["name"])
    return {
        "session_id": row.id,
        "event": "finished",
        "minutes": round(max(0.0, (now - started).total_seconds()) / 60, 1),
        "sets": len(sets),
        "exercises": len(seen),
        "volume_kg": round(volume, 1),
        "personal_bests": bests,
        "progressed": progressed,
        "skipped": [e.name for e in row.state.exercises if e.status == "skipped"],
        "adjustments": row.state.adjustments,
        "question": prompts.render("live/feedback_question.j2"),
    }


def feedback(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    *,
    difficulty: str | None,
    enjoyment: int | None,
    note: str | None,
) -> dict[str, Any]:
    """Store how the session felt; the next session's loads use it."""
    row = persist.awaiting_feedback(db, user_id)
    session_id = row.id if row else None
    history.record_feedback(
        db,
        user_id,
        now=now,
        session_id=session_id,
        difficulty=difficulty,
        enjoyment=enjoyment,
        note=note,
    )
    data = {
        "session_id": session_id,
        "event": "feedback",
        "difficulty": difficulty,
        "enjoyment": enjoyment,
    }
    data["message"] = prompts.render("live/feedback_saved.j2", feedback=data)
    return data
