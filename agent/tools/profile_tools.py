"""Tools that read and update what the coach knows about the person's situation."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.memory import store
from agent.tools.context import ToolContext
from agent.tools.registry import Tool


class GetProfileArgs(BaseModel):
    """No arguments: the profile of the person in this conversation."""


class ProfileResult(BaseModel):
    """The stored profile and which intake answers are still missing."""

    profile: store.Profile = Field(description="What the coach knows.")
    missing: list[str] = Field(description="Intake fields not known yet, in asking order.")
    constraints: list[str] = Field(description="Joint areas currently being protected.")


def get_profile(ctx: ToolContext, args: GetProfileArgs) -> ProfileResult:
    """Read the person's training profile: goal, level, equipment, schedule, constraints."""
    profile = store.get_profile(ctx.db, ctx.user_id)
    return ProfileResult(
        profile=profile,
        missing=profile.missing(),
        constraints=store.active_constraint_areas(ctx.db, ctx.user_id),
    )


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
    session_minutes: int | None = Field(
        default=None, ge=5, le=180, description="Usual session length in minutes."
    )


def update_profile(ctx: ToolContext, args: UpdateProfileArgs) -> ProfileResult:
    """Save intake answers or changes the person mentions (goal, level, equipment, schedule)."""
    profile = store.get_profile(ctx.db, ctx.user_id)
    changes = args.model_dump(exclude_none=True)
    merged = profile.model_copy(update=changes)
    store.save_profile(ctx.db, ctx.user_id, merged, ctx.now)
    return get_profile(ctx, GetProfileArgs())


def tools() -> list[Tool]:
    """The profile tools."""
    return [Tool.from_function(get_profile), Tool.from_function(update_profile)]
