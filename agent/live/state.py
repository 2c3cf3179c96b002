"""The live-session state machine, as pure data and pure functions.

warm-up -> (set -> rest)* per exercise -> cool-down -> summary. Every function takes a
state and returns what changed; the caller persists the state after each step, so a
crash resumes at the same set. Nothing here reads the database or the clock.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agent.live.units import load_step, round_load

SECONDS_PER_REP = 3.5
SETUP_SECONDS = 12.0
"""Time model from the reference: set = reps x 3-4 s + 10-15 s setup + rest."""

LOAD_STEP_DOWN = 0.10
LOAD_STEP_UP = 0.05
"""In-session load changes: down 10% after a miss or "too heavy", up 5% when far too easy
(the reference allows +2-10% per step; small up, larger down keeps the next set safe)."""

MAX_TARGET_RIR = 5
"""An easier target never asks to stop further than this from failure."""
FREE_LOAD = frozenset({"bodyweight", "bands", "pullup_bar"})
"""Equipment with no load to choose (easier comes from effort, not a lighter weight)."""

RIR_FAR_ABOVE = 3
"""Reps in reserve this far above the target means the load was too light."""


class Phase(StrEnum):
    """Where the person is in the session."""

    WARMUP = "warmup"
    WORK = "set"
    REST = "rest"
    COOLDOWN = "cooldown"
    FEEDBACK = "feedback"
    DONE = "done"


class LiveExercise(BaseModel):
    """One exercise block as the session runs it (loads can change set to set)."""

    id: str = Field(description="Catalog id.")
    name: str = Field(description="Display name.")
    pattern: str = Field(default="", description="Movement pattern, kept by swaps.")
    equipment: list[str] = Field(default_factory=list, description="Equipment it needs.")
    muscles: list[str] = Field(default_factory=list, description="Primary muscles.")
    sets: int = Field(description="Planned sets.")
    rep_low: int = Field(description="Bottom of the rep range (or seconds when timed).")
    rep_high: int = Field(description="Top of the rep range.")
    timed: bool = Field(default=False, description="Reps are seconds (planks, carries).")
    rest_s: int = Field(default=90, description="Rest after each set, seconds.")
    target_rir: int = Field(default=2, description="Reps in reserve to aim for.")
    load: float | None = Field(default=None, description="Suggested load; None = bodyweight.")
    unit: str = Field(default="kg", description="Unit of the load.")
    cues: list[str] = Field(default_factory=list, description="One or two coaching cues.")
    joints: list[str] = Field(default_factory=list, description="Joint-stress tags.")
    done_sets: int = Field(default=0, description="Sets logged so far.")
    status: str = Field(default="pending", description="pending | active | done | skipped")
    swapped_from: str | None = Field(default=None, description="Name before a swap.")

    @property
    def reps_label(self) -> str:
        """Target reps as people read them: "8-12" or "10" (or seconds)."""
        core = (
            str(self.rep_low)
            if self.rep_low == self.rep_high
            else (f"{self.rep_low}-{self.rep_high}")
        )
        return f"{core} s" if self.timed else core

    def est_seconds(self, sets: int | None = None) -> float:
        """How long the remaining (or given number of) sets take, rest included."""
        count = self.sets - self.done_sets if sets is None else sets
        work = self.rep_high if self.timed else self.rep_high * SECONDS_PER_REP
        return max(0, count) * (work + SETUP_SECONDS + self.rest_s)


class LiveState(BaseModel):
    """The whole live session; serialised into ``workout_sessions.state``."""

    phase: Phase = Field(default=Phase.WARMUP, description="Current step kind.")
    index: int = Field(default=0, description="Current exercise index.")
    exercises: list[LiveExercise] = Field(default_factory=list, description="Blocks.")
    warmup: list[str] = Field(default_factory=list, description="Warm-up steps.")
    warmup_minutes: float = Field(default=3, description="Warm-up length.")
    cooldown: list[str] = Field(default_factory=list, description="Cool-down steps.")
    cooldown_minutes: float = Field(default=3, description="Cool-down length.")
    adjustments: list[str] = Field(default_factory=list, description="What changed and why.")
    gap_days: int | None = Field(default=None, description="Days since the last session.")
    compressed_to: float | None = Field(default=None, description="Minutes left, if cut.")
    locked: bool = Field(default=False, description="A safety flag stopped the training.")

    @property
    def current(self) -> LiveExercise | None:
        """The exercise in play, if any."""
        if self.phase in (Phase.WORK, Phase.REST) and self.index < len(self.exercises):
            return self.exercises[self.index]
        return None

    def remaining_minutes(self) -> float:
        """Estimated minutes left, cool-down included."""
        seconds = sum(e.est_seconds() for e in self.exercises[self.index :] if e.status in PENDING)
        return round(seconds / 60 + self.cooldown_minutes, 1)

    def to_json(self) -> str:
        """Serialised for the database."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | None) -> LiveState | None:
        """The state stored in ``workout_sessions.state``; None when there is none.

        The one reader of the stored state: memory, the CLI, the server and the views all
        come through here. A state this machine did not write (an import, an older
        format) reads as None rather than as a half-understood session.
        """
        if not raw:
            return None
        try:
            return cls.model_validate_json(raw)
        except ValidationError:
            return None


PENDING = {"pending", "active"}


def _first_pending(state: LiveState, start: int) -> int | None:
    for i in range(start, len(state.exercises)):
        if state.exercises[i].status in PENDING:
            return i
    return None


def begin_next_exercise(state: LiveState, start: int) -> None:
    """Move to the first pending exercise from ``start``, or to the cool-down."""
    nxt = _first_pending(state, start)
    if nxt is None:
        state.phase = Phase.COOLDOWN
        state.index = len(state.exercises)
        return
    state.index = nxt
    state.exercises[nxt].status = "active"
    state.phase = Phase.WORK


def advance(state: LiveState) -> None:
    """Finish a non-set step (warm-up, rest, cool-down) and move on."""
    if state.phase is Phase.WARMUP:
        begin_next_exercise(state, 0)
    elif state.phase is Phase.REST:
        state.phase = Phase.WORK
        current = state.exercises[state.index]
        if current.done_sets >= current.sets:
            begin_next_exercise(state, state.index + 1)
    elif state.phase is Phase.COOLDOWN:
        state.phase = Phase.FEEDBACK


def ensure_work(state: LiveState) -> LiveExercise:
    """Logging ends a warm-up or rest implicitly; return the exercise being logged.

    Raises:
        ValueError: There is no exercise left to log.
    """
    if state.phase in (Phase.WARMUP, Phase.REST):
        advance(state)
    if state.phase is not Phase.WORK:
        raise ValueError("no set is in progress: the exercises are finished")
    return state.exercises[state.index]


def record_set(
    state: LiveState, reps: int | None, rir: float | None, load: float | None, unit: str
) -> dict[str, Any]:
    """Count one logged set, adapt the next set's load, and move to rest or on.

    Returns:
        What the session did: ``{"adjusted": text | None, "rest_s": int}``.
    """
    exercise = state.exercises[state.index]
    exercise.done_sets += 1
    if load is not None:
        # The next suggestion follows what was actually lifted, in the person's unit.
        exercise.load, exercise.unit = load, unit
    adjusted = adapt_after_set(exercise, reps, rir)
    if adjusted:
        state.adjustments.append(adjusted)
    finished = exercise.done_sets >= exercise.sets
    if finished:
        exercise.status = "done"
    has_more = not finished or _first_pending(state, state.index + 1) is not None
    rest_s = exercise.rest_s if has_more else 0
    if has_more:
        state.phase = Phase.REST
    else:
        state.phase = Phase.COOLDOWN
        state.index = len(state.exercises)
    return {"adjusted": adjusted, "rest_s": rest_s}


def adapt_after_set(exercise: LiveExercise, reps: int | None, rir: float | None) -> str | None:
    """Reps below the range lower the next load; RIR far above target raises it."""
    if exercise.done_sets >= exercise.sets:
        return None
    if reps is not None and reps < exercise.rep_low:
        why = f"{reps} reps is under the {exercise.reps_label} range"
        return change_load(exercise, "down", why)
    if rir is not None and rir >= exercise.target_rir + RIR_FAR_ABOVE:
        return change_load(exercise, "up", f"{rir:g} left in the tank is well above the target")
    return None


def change_load(exercise: LiveExercise, direction: str, why: str) -> str:
    """Lower or raise the next set's load (bodyweight: the rep target moves instead)."""
    if exercise.load is None or exercise.load <= 0:
        return _change_effort(exercise, direction, why)
    factor = 1 - LOAD_STEP_DOWN if direction == "down" else 1 + LOAD_STEP_UP
    before = exercise.load
    new = round_load(before * factor, exercise.unit)
    step = load_step(before, exercise.unit)
    # Rounding must never turn "lighter" into the same or heavier load (or the reverse).
    if direction == "down" and new >= before:
        new = max(0.0, before - step) if before > step else before / 2
    elif direction == "up" and new <= before:
        new = round_load(before, exercise.unit) + step
    exercise.load = round(new, 2)
    return f"{exercise.name}: next set {new:g} {exercise.unit} instead of {before:g} ({why})"


def _change_effort(exercise: LiveExercise, direction: str, why: str) -> str:
    """Move the effort when the load is unknown.

    Easier means more reps in reserve (a lighter weight or an easier set), never fewer
    reps at the same effort, which would mean a heavier weight.
    """
    before = exercise.target_rir
    if direction == "down" and before < MAX_TARGET_RIR:
        exercise.target_rir = before + 1
    elif direction == "up" and before > 0:
        exercise.target_rir = before - 1
    else:
        # Already as far from (or close to) failure as a target goes: move the reps.
        shift = -2 if direction == "down" else 2
        exercise.rep_low = max(1, exercise.rep_low + shift)
        exercise.rep_high = max(exercise.rep_low, exercise.rep_high + shift)
        return f"{exercise.name}: target now {exercise.reps_label} ({why})"
    loaded = any(e not in FREE_LOAD for e in exercise.equipment)
    how = (
        ("a lighter weight" if direction == "down" else "a heavier weight")
        if loaded
        else ("an easier pace" if direction == "down" else "a slower, harder tempo")
    )
    rir = exercise.target_rir
    return (
        f"{exercise.name}: next set with {how}, stopping with {rir} "
        f"rep{'' if rir == 1 else 's'} in reserve ({why})"
    )


def settle(state: LiveState) -> None:
    """Point at the exercise that comes next, so "skip it" or "swap it" means that one.

    Ends a warm-up, or a rest that follows an exercise's last set.
    """
    if state.phase is Phase.WARMUP:
        advance(state)
    elif state.phase is Phase.REST:
        current = state.exercises[state.index]
        if current.done_sets >= current.sets:
            advance(state)


def skip_current(state: LiveState) -> LiveExercise:
    """Skip the exercise in play (its logged sets stay) and move on.

    Raises:
        ValueError: No exercise is in play.
    """
    settle(state)
    exercise = state.current
    if exercise is None:
        raise ValueError("no exercise is in play to skip")
    exercise.status = "skipped" if exercise.done_sets == 0 else "done"
    begin_next_exercise(state, state.index + 1)
    return exercise


def compress(state: LiveState, minutes: float) -> list[str]:
    """Fit what is left into ``minutes``: shorter rests, fewer sets, then drop blocks.

    Keeps the order of the plan and at least one set of the exercise in play; dropped
    blocks are marked skipped. Follows the reference's time-capped rules: cut rest to
    60 s, trim sets, drop the last (accessory) blocks first, and a 1-minute cool-down.

    Returns:
        One line per change.
    """
    changes: list[str] = []
    state.compressed_to = minutes
    state.cooldown_minutes = min(state.cooldown_minutes, 1.0)
    budget = max(0.0, minutes - state.cooldown_minutes) * 60
    pending = [e for e in state.exercises[state.index :] if e.status in PENDING]
    for exercise in pending:
        if exercise.rest_s > 60:
            exercise.rest_s = 60
    if sum(e.est_seconds() for e in pending) > budget:
        changes.append("rests cut to 60 s")

    def fits() -> bool:
        return sum(e.est_seconds() for e in pending) <= budget

    # 1. Trim every pending block to what it has done plus one set, from the back.
    for exercise in reversed(pending):
        if fits():
            break
        floor = exercise.done_sets + 1
        while exercise.sets > floor and not fits():
            exercise.sets -= 1
        changes.append(f"{exercise.name}: {exercise.sets} sets")
    # 2. Drop whole blocks from the back, never the one in play.
    in_play = state.current
    for exercise in reversed(pending):
        if fits():
            break
        if exercise is in_play and exercise.status == "active":
            continue
        exercise.status = "skipped"
        pending.remove(exercise)
        changes.append(f"{exercise.name}: dropped")
    if state.phase is Phase.WARMUP:
        state.warmup_minutes = min(state.warmup_minutes, 1.0)
    return changes
