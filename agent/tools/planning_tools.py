"""Planning tools: today's session and its adaptations, the week, and the next progression.

Thin wrappers: arguments model -> ``agent.coaching.plan`` -> result model. The service
reads the profile and history, the pure planner decides, and today's plan is stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.coaching import plan
from agent.coaching.plan import Overrides, PlanScope
from agent.planning.minutes import Minutes
from agent.planning.models import Goal, Session
from agent.planning.progression import Recommendation
from agent.planning.weekly import WeeklyProgram
from agent.tools.context import ToolContext
from agent.tools.registry import Tool


def _scope(ctx: ToolContext) -> PlanScope:
    return PlanScope(ctx.db, ctx.user_id, ctx.now, tuple(ctx.constraints))


# -- results -----------------------------------------------------------------------------
class PlanResult(BaseModel):
    """Today's session as planned or adapted, with what changed and why."""

    session_id: int = Field(description="workout_sessions id of today's plan.")
    session: dict[str, Any] = Field(description="The session (coach plan --json shape).")
    changes: list[str] = Field(description="What changed, in plain words, to tell the person.")
    reasons: list[str] = Field(description="Why the session looks as it does.")


def _result(stored: tuple[int, Session]) -> PlanResult:
    session_id, session = stored
    data = session.model_dump(mode="json", exclude={"request"})
    return PlanResult(
        session_id=session_id,
        session=data,
        changes=list(session.changes),
        reasons=list(session.reasons),
    )


# -- tools -------------------------------------------------------------------------------
class PlanTodayArgs(BaseModel):
    """Overrides for today; anything omitted comes from the stored profile."""

    minutes: Minutes | None = Field(default=None, description="Minutes available today.")
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
    focus: Literal["full", "upper", "lower", "push", "pull", "legs"] | None = Field(
        default=None,
        description="The emphasis asked for today ('leg day' -> legs, 'upper body' -> upper); "
        "omitted = the week's rotation.",
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
        focus=args.focus,
    )
    return _result(plan.plan_today(_scope(ctx), overrides))


class ShortenArgs(BaseModel):
    """The new length."""

    minutes: Minutes = Field(description="Minutes available now.")


def shorten_session(ctx: ToolContext, args: ShortenArgs) -> PlanResult:
    """Fit today's session into fewer (or more) minutes, keeping the key lifts."""
    return _result(plan.shorten(_scope(ctx), args.minutes))


class SwapEquipmentArgs(BaseModel):
    """What is available now."""

    equipment: list[str] = Field(
        min_length=1,
        description="All equipment available now, e.g. ['bands'] or ['nothing'] for none.",
    )


def swap_equipment(ctx: ToolContext, args: SwapEquipmentArgs) -> PlanResult:
    """Rebuild today's session for different equipment (e.g. the cable machine is taken)."""
    return _result(plan.swap_equipment(_scope(ctx), args.equipment))


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
    return _result(plan.equipment_unavailable(_scope(ctx), args.items))


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
    minutes: Minutes | None = Field(
        default=None, description="Minutes they have for today's session, if said."
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
    done = plan.temporary_place(
        _scope(ctx), args.place, args.days, args.equipment, args.max_dumbbell_kg, args.minutes
    )
    return TemporaryPlaceResult(
        place=done.kit.place,
        equipment=done.kit.equipment,
        load_caps=done.kit.load_caps,
        starts_on=done.kit.starts_on,
        ends_on=done.kit.ends_on,
        plan=_result(done.stored),
    )


class SwapExerciseArgs(BaseModel):
    """The exercise to replace and why."""

    exercise: str = Field(description="Name or id of the exercise in today's session.")
    reason: str | None = Field(
        default=None, description="Why, in the person's words (dislike, pain, busy...)."
    )


def swap_exercise(ctx: ToolContext, args: SwapExerciseArgs) -> PlanResult:
    """Replace one exercise with another of the same movement and main muscle."""
    return _result(plan.swap_exercise(_scope(ctx), args.exercise, args.reason))


class AdjustDifficultyArgs(BaseModel):
    """Which way."""

    direction: Literal["easier", "harder"] = Field(description="easier | harder.")


def adjust_difficulty(ctx: ToolContext, args: AdjustDifficultyArgs) -> PlanResult:
    """Make today's session one step easier or harder (ladder step, sets or effort)."""
    return _result(plan.adjust_difficulty(_scope(ctx), args.direction))


class WeeklyProgramArgs(BaseModel):
    """Optional override of training days per week."""

    days_per_week: int | None = Field(
        default=None, ge=1, le=7, description="Training days per week if not the profile's."
    )


def weekly_program(ctx: ToolContext, args: WeeklyProgramArgs) -> WeeklyProgram:
    """Plan the week: split, remaining sessions, sets per muscle and the health ledger."""
    return plan.weekly(_scope(ctx), args.days_per_week)


class NextProgressionArgs(BaseModel):
    """The exercise to look at."""

    exercise: str = Field(description="Exercise name or id, e.g. 'goblet squat'.")


def next_progression(ctx: ToolContext, args: NextProgressionArgs) -> Recommendation:
    """What to do next time on one exercise (load, reps, ladder step or deload), and why."""
    return plan.next_progression(_scope(ctx), args.exercise)


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
