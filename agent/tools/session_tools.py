"""Tools that run a live workout: start, log sets, adapt, skip, swap, compress, finish.

Every result carries a ``message`` (what to say, rendered from prompts/live) and the
data behind it, so any model can answer from tool results alone. Tools that would
change the plan are refused while a safety flag stands; logging what was already done,
finishing stay available. Feedback after the session goes through memory's
``record_feedback`` tool, which stores it against the session just finished.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.coaching import session
from agent.errors import SessionError, ToolRetry
from agent.planning.minutes import MAX_MINUTES, Minutes
from agent.tools.context import ToolContext
from agent.tools.registry import Tool


def _run(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = fn(*args, **kwargs)
    except (SessionError, ValueError) as exc:
        raise ToolRetry(str(exc)) from exc
    return result


class StartWorkoutArgs(BaseModel):
    """How to start today's session."""

    minutes: Minutes | None = Field(
        default=None, description="Minutes available today, if the person said."
    )


def start_workout(ctx: ToolContext, args: StartWorkoutArgs) -> dict[str, Any]:
    """Start (or resume) today's workout when the person says "let's go" or "start".

    Resumes an unfinished session at the same set; otherwise uses today's planned session
    or plans one, adjusted for missed days and last session's feedback. Returns the
    warm-up step.
    """
    return _run(
        session.start,
        ctx.db,
        ctx.user_id,
        ctx.now,
        minutes=args.minutes,
        constraints=list(ctx.constraints),
    )


class NoArgs(BaseModel):
    """No arguments."""


def current_step(ctx: ToolContext, args: NoArgs) -> dict[str, Any]:
    """What the person should be doing now in the live workout (exercise, set, reps, load)."""
    if ctx.plan_locked:
        paused = session.pause_for_safety(ctx.db, ctx.user_id)
        if paused is not None:
            return paused
    return _run(session.current, ctx.db, ctx.user_id)


def next_step(ctx: ToolContext, args: NoArgs) -> dict[str, Any]:
    """The person finished the current step ("done", "next", "ready").

    Ends a warm-up or rest, logs a set with no number as its planned target (marked as
    such, so the person can correct it), or after the cool-down finishes the session.
    Returns the next step.
    """
    return _run(session.advance, ctx.db, ctx.user_id, ctx.now)


class LogSetArgs(BaseModel):
    """One or more sets of the exercise in play, as the person reported them."""

    reps: int | None = Field(
        default=None, ge=0, le=200, description="Reps done (or seconds for a timed hold)."
    )
    load: float | None = Field(
        default=None, ge=0, le=1000, description="Load lifted, as said; omit for the suggested."
    )
    unit: str | None = Field(default=None, description="Unit of the load: kg or lb.")
    rpe: float | None = Field(default=None, ge=1, le=10, description="Effort on the RPE scale.")
    rir: float | None = Field(
        default=None, ge=0, le=10, description='Reps in reserve ("2 left in the tank").'
    )
    sets: int = Field(default=1, ge=1, le=10, description='How many sets ("3 sets of 10").')
    side: Literal["left", "right", "each"] | None = Field(
        default=None, description='Side of a one-sided set: left, right, or each ("per side").'
    )
    note: str | None = Field(default=None, max_length=200, description="Anything else said.")


def log_set(ctx: ToolContext, args: LogSetArgs) -> dict[str, Any]:
    """Log the set just done in the live workout ("did 8", "8 at 22.5", "RPE 9").

    Reps below the range lower the next set's load; reps in reserve far above target
    raise it. Returns what was logged, the rest (``rest_s``) and the next step.
    """
    return _run(
        session.log,
        ctx.db,
        ctx.user_id,
        ctx.now,
        reps=args.reps,
        load=args.load,
        unit=args.unit,
        rpe=args.rpe,
        rir=args.rir,
        sets=args.sets,
        locked=ctx.plan_locked,
        side=args.side,
    )


class AdjustLoadArgs(BaseModel):
    """Which way the load should move."""

    direction: Literal["down", "up"] = Field(
        description='"down" for "too heavy", "up" for "too easy".'
    )
    reason: str = Field(default="", max_length=200, description="What the person said.")


def adjust_load(ctx: ToolContext, args: AdjustLoadArgs) -> dict[str, Any]:
    """Change the next set's load one step when the person says "too heavy" or "too easy"."""
    why = args.reason or ("felt too heavy" if args.direction == "down" else "felt too easy")
    return _run(session.adjust, ctx.db, ctx.user_id, args.direction, why)


def skip_exercise(ctx: ToolContext, args: NoArgs) -> dict[str, Any]:
    """Skip the exercise in play ("skip this one") and move to the next."""
    return _run(session.skip, ctx.db, ctx.user_id)


class SwapArgs(BaseModel):
    """Why the exercise in play must change."""

    unavailable_equipment: list[str] = Field(
        default_factory=list, description='Equipment that is taken or missing, e.g. ["bench"].'
    )
    protect: list[str] = Field(
        default_factory=list, description='Joint areas to spare, e.g. ["knee"] ("knee is cranky").'
    )
    reason: str = Field(default="", max_length=200, description="What the person said.")


def swap_current(ctx: ToolContext, args: SwapArgs) -> dict[str, Any]:
    """Swap the exercise in play for one with the same movement pattern ("the bench is taken").

    Respects missing equipment and the person's protected joints. With ``protect`` (a
    sore joint), every remaining exercise that loads it is swapped, or stopped when no
    alternative fits.
    """
    if args.protect and not args.unavailable_equipment:
        return _run(
            session.spare,
            ctx.db,
            ctx.user_id,
            areas=args.protect,
            constraints=list(ctx.constraints),
        )
    return _run(
        session.swap,
        ctx.db,
        ctx.user_id,
        unavailable=args.unavailable_equipment,
        constraints=sorted({*ctx.constraints, *args.protect}),
    )


class CompressArgs(BaseModel):
    """Time left."""

    # Minutes left, not a session length: two minutes left is a fine thing to say.
    minutes: float = Field(
        ge=1, le=MAX_MINUTES, description='Minutes left ("only 5 minutes left").'
    )


def compress_remaining(ctx: ToolContext, args: CompressArgs) -> dict[str, Any]:
    """Fit the rest of the live workout into the minutes left: shorter rests, fewer sets."""
    return _run(session.compress, ctx.db, ctx.user_id, args.minutes)


def finish_workout(ctx: ToolContext, args: NoArgs) -> dict[str, Any]:
    """End the live workout ("I'm done for today") and return its summary and feedback question.

    Time, sets, volume, personal bests and what progressed.
    """
    return _run(session.finish, ctx.db, ctx.user_id, ctx.now)


def tools() -> list[Tool]:
    """The live-session tools."""
    return [
        Tool.from_function(start_workout, plan_changing=True),
        Tool.from_function(current_step),
        Tool.from_function(next_step, plan_changing=True),
        Tool.from_function(log_set),
        Tool.from_function(adjust_load, plan_changing=True),
        Tool.from_function(skip_exercise, plan_changing=True),
        Tool.from_function(swap_current, plan_changing=True),
        Tool.from_function(compress_remaining, plan_changing=True),
        Tool.from_function(finish_workout),
    ]
