"""Where a live session stands, flattened for a screen: what to do now and what comes next.

Built from the typed state only (``LiveState``), so the server and any other face read a
session the same way and none decodes the stored JSON itself.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.live.state import PENDING, LiveExercise, LiveState, Phase


class LiveView(BaseModel):
    """Where a live session stands, flattened for a screen: what to do now and next."""

    phase: str = Field(description="warmup | set | rest | cooldown | feedback | done.")
    exercise: str | None = Field(default=None, description="The exercise in play.")
    exercise_id: str | None = Field(default=None, description="Its catalog id.")
    set_number: int | None = Field(default=None, description="The set to do now (1-based).")
    sets: int | None = Field(default=None, description="Planned sets of this exercise.")
    target: str | None = Field(default=None, description='Target reps, e.g. "8-12".')
    load: float | None = Field(default=None, description="Suggested load; null = bodyweight.")
    unit: str | None = Field(default=None, description="Unit of the load.")
    rest_s: int | None = Field(default=None, description="Rest after each set, seconds.")
    cues: list[str] = Field(default_factory=list, description="Coaching cues.")
    next_exercise: str | None = Field(default=None, description="What comes after it.")
    exercises_done: int = Field(default=0, description="Exercises finished or skipped.")
    exercises_total: int = Field(default=0, description="Exercises in the session.")
    paused: bool = Field(
        default=False,
        description="Training is paused by a safety flag: no timer and no set buttons.",
    )


def live_view(state: LiveState) -> LiveView:
    """The view of ``state``: the exercise in play, its set and target, and what is next."""
    exercises = state.exercises
    view = LiveView(
        phase=state.phase.value,
        exercises_total=len(exercises),
        exercises_done=sum(1 for e in exercises if e.status in {"done", "skipped"}),
    )
    pending = [e for i, e in enumerate(exercises) if i > state.index and e.status == "pending"]
    view.next_exercise = pending[0].name if pending else None
    if state.phase in {Phase.WORK, Phase.REST} and state.index < len(exercises):
        current = exercises[state.index]
        view.exercise = current.name
        view.exercise_id = current.id
        view.sets = current.sets
        view.set_number = min(current.done_sets + 1, current.sets)
        view.target = current.reps_label
        view.load = current.load
        view.unit = current.unit if current.load is not None else None
        view.rest_s = current.rest_s
        view.cues = list(current.cues)
    elif state.phase is Phase.WARMUP and exercises:
        view.next_exercise = exercises[0].name
    return view


def in_play(state: LiveState) -> LiveExercise | None:
    """The exercise a set logged now belongs to: the one in play, or the first after warm-up."""
    index = state.index
    if state.phase is Phase.WARMUP:
        index = next(
            (i for i, e in enumerate(state.exercises) if e.status in PENDING),
            len(state.exercises),
        )
    if state.phase not in {Phase.WARMUP, Phase.WORK, Phase.REST} or index >= len(state.exercises):
        return None
    return state.exercises[index]
