"""Tools that read and update what the coach knows about the person's situation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.errors import ToolRetry
from agent.memory import intake, store
from agent.memory import situation as situation_store
from agent.planning import populations
from agent.planning.minutes import Minutes
from agent.tools.context import ToolContext
from agent.tools.registry import Tool


class GetProfileArgs(BaseModel):
    """No arguments: the profile of the person in this conversation."""


class ProfileResult(BaseModel):
    """The stored profile and which intake answers are still missing."""

    profile: store.Profile = Field(description="What the coach knows.")
    missing: list[str] = Field(description="Intake fields not known yet, in asking order.")
    ask_next: list[str] = Field(description="The one or two fields to ask about next.")
    constraints: list[str] = Field(description="Joint areas currently being protected.")
    situation: situation_store.Situation = Field(
        description="Pregnancy due date, recent birth, conditions, sport, layoff, load caps."
    )
    training_notes: list[str] = Field(
        default_factory=list,
        description="How sessions are shaped for who they are (pregnancy, age, conditions).",
    )


def _result(ctx: ToolContext) -> ProfileResult:
    missing = intake.missing_fields(ctx.db, ctx.user_id)
    profile = store.get_profile(ctx.db, ctx.user_id)
    situation = situation_store.get_situation(ctx.db, ctx.user_id)
    who = populations.request_fields({**situation.model_dump(), "age": profile.age}, ctx.now.date())
    facts = populations.Facts(
        age=who.get("age"),
        pregnancy_week=who.get("pregnancy_week"),
        postpartum_weeks=who.get("postpartum_weeks"),
        conditions=tuple(who["conditions"]),
        sport=who.get("sport"),
        goal=profile.goal,
    )
    return ProfileResult(
        profile=profile,
        missing=missing,
        ask_next=missing[: intake.QUESTIONS_PER_TURN],
        constraints=store.active_constraint_areas(ctx.db, ctx.user_id),
        situation=situation,
        training_notes=list(populations.plan_for(facts).notes),
    )


def get_profile(ctx: ToolContext, args: GetProfileArgs) -> ProfileResult:
    """Read the person's training profile: goal, level, equipment, schedule, constraints."""
    return _result(ctx)


class UpdateProfileArgs(BaseModel):
    """Fields to change; omitted fields keep their stored value."""

    goal: str | None = Field(
        default=None,
        description="strength | hypertrophy | fat_loss | general_fitness | endurance | "
        "mobility | return_to_routine",
    )
    level: str | None = Field(default=None, description="beginner | intermediate | advanced")
    equipment: list[str] | None = Field(
        default=None, description="Full list of equipment now available, e.g. ['dumbbells']"
    )
    days_per_week: int | None = Field(default=None, ge=1, le=7, description="Days per week.")
    session_minutes: Minutes | None = Field(
        default=None, description="Usual session length in minutes."
    )
    units: Literal["kg", "lb"] | None = Field(default=None, description="Preferred load unit.")
    no_constraints: bool | None = Field(
        default=None, description="True when the person says they have no injuries or limits."
    )
    no_barriers: bool | None = Field(
        default=None, description="True when the person says nothing usually gets in the way."
    )
    age: int | None = Field(default=None, ge=10, le=110, description="Age in years, if said.")
    pregnancy_week: int | None = Field(
        default=None, ge=1, le=42, description="Weeks pregnant, when the person says so."
    )
    due_date: date | None = Field(default=None, description="Pregnancy due date, if said.")
    weeks_since_birth: int | None = Field(
        default=None, ge=0, le=104, description="Weeks since giving birth, when said."
    )
    conditions: list[str] | None = Field(
        default=None,
        description="Conditions the person states: " + ", ".join(populations.CONDITIONS),
    )
    sport: Literal["running", "field"] | None = Field(
        default=None, description="running, or field for team field sports."
    )
    weeks_off: int | None = Field(
        default=None, ge=1, le=520, description="Weeks off training they are coming back from."
    )
    max_dumbbell_kg: float | None = Field(
        default=None, gt=0, le=100, description="Heaviest dumbbell they have, in kg."
    )


def update_profile(ctx: ToolContext, args: UpdateProfileArgs) -> ProfileResult:
    """Save what the person states about themselves: intake answers and changes.

    Goal, level, equipment, schedule, and also age, a pregnancy (week or due date), a
    recent birth, conditions, a sport, weeks off training and the heaviest dumbbell.
    Never from a passing remark: only what they say is true of them.
    """
    today = ctx.now.date()
    who = args.model_dump(include=_SITUATION_ARGS, exclude_none=True)
    changes: dict[str, Any] = {}
    if "pregnancy_week" in who:
        changes["due_date"] = populations.due_date_for_week(who["pregnancy_week"], today)
    if "due_date" in who:
        changes["due_date"] = who["due_date"]
    if "weeks_since_birth" in who:
        changes["birth_date"] = today - timedelta(weeks=who["weeks_since_birth"])
    if "conditions" in who:
        try:
            changes["conditions"] = populations.known_conditions(who["conditions"])
        except ValueError as exc:
            raise ToolRetry(str(exc)) from exc
    if "sport" in who:
        changes["sport"] = who["sport"]
    if "weeks_off" in who:
        changes["layoff_weeks"] = who["weeks_off"]
        changes["back_since"] = today
    if "max_dumbbell_kg" in who:
        caps = dict(situation_store.get_situation(ctx.db, ctx.user_id).load_caps)
        caps["dumbbells"] = who["max_dumbbell_kg"]
        changes["load_caps"] = caps
    if changes:
        situation_store.update_situation(ctx.db, ctx.user_id, changes, ctx.now)
    profile_changes = args.model_dump(exclude=_SITUATION_ARGS, exclude_none=True)
    if profile_changes:
        intake.update_profile(ctx.db, ctx.user_id, profile_changes, ctx.now)
    return _result(ctx)


_SITUATION_ARGS = {
    "pregnancy_week",
    "due_date",
    "weeks_since_birth",
    "conditions",
    "sport",
    "weeks_off",
    "max_dumbbell_kg",
}
"""Arguments stored as the person's situation (agent.memory.situation), not the profile."""


class EquipmentArgs(BaseModel):
    """Equipment words to add or remove."""

    items: list[str] = Field(
        min_length=1, description="Equipment words, e.g. ['kettlebell'] or ['pull-up bar']."
    )


def add_equipment(ctx: ToolContext, args: EquipmentArgs) -> ProfileResult:
    """Add equipment the person now has, e.g. "I bought a kettlebell"."""
    intake.add_equipment(ctx.db, ctx.user_id, args.items, ctx.now)
    return _result(ctx)


def remove_equipment(ctx: ToolContext, args: EquipmentArgs) -> ProfileResult:
    """Remove equipment the person no longer has, e.g. "I sold my barbell"."""
    intake.remove_equipment(ctx.db, ctx.user_id, args.items, ctx.now)
    return _result(ctx)


class CorrectProfileArgs(BaseModel):
    """One profile field to correct, or to clear so the coach asks again."""

    field: Literal["goal", "level", "equipment", "days_per_week", "session_minutes", "units"] = (
        Field(description="The field the person corrected.")
    )
    value: str | int | list[str] | None = Field(
        default=None,
        description="The corrected value (e.g. 'intermediate'); null clears the field.",
    )


def correct_profile(ctx: ToolContext, args: CorrectProfileArgs) -> ProfileResult:
    """Correct or clear a profile field the coach got wrong, e.g. "I'm not a beginner"."""
    try:
        intake.correct_profile(ctx.db, ctx.user_id, args.field, args.value, ctx.now)
    except ValueError as exc:
        raise ToolRetry(f"cannot set {args.field} to {args.value!r}: {exc}") from exc
    return _result(ctx)


def tools() -> list[Tool]:
    """The profile tools."""
    return [
        Tool.from_function(get_profile),
        Tool.from_function(update_profile),
        Tool.from_function(add_equipment),
        Tool.from_function(remove_equipment),
        Tool.from_function(correct_profile),
    ]
