"""The client's consent to a human trainer, given in chat.

A trainer gives the client an invite code; the client says it in chat ("my trainer's
code is tr-1a2b3c4d5e") and the coach calls ``accept_trainer_invite``. Only the client's
own words in their own conversation can link them, so consent is theirs.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.coaching import trainers as service
from agent.errors import ToolRetry, UserInputError
from agent.tools.context import ToolContext
from agent.tools.registry import Tool


class AcceptTrainerInviteArgs(BaseModel):
    """The invite code the person's trainer gave them."""

    code: str = Field(
        min_length=4, max_length=40, description="The invite code, e.g. 'tr-1a2b3c4d5e'."
    )


class TrainerLinkResult(BaseModel):
    """Who now coaches the person alongside the coach."""

    trainer: str = Field(description="The trainer's name.")
    shares: str = Field(description="What the trainer can now see, to tell the person.")


def accept_trainer_invite(ctx: ToolContext, args: AcceptTrainerInviteArgs) -> TrainerLinkResult:
    """Link the person to their human trainer with the invite code they gave in chat.

    Use only when the person gives an invite code and asks to connect with their trainer.
    """
    try:
        name = service.accept_invite(ctx.db, ctx.user_id, args.code, ctx.now)
    except UserInputError as exc:
        raise ToolRetry(f"{exc}; tell the person and ask them to check the code") from exc
    return TrainerLinkResult(
        trainer=name,
        shares="profile, plan, workouts, check-ins, safety flags and chat; "
        "they can end the link at any time",
    )


def tools() -> list[Tool]:
    """The trainer-link tools."""
    return [Tool.from_function(accept_trainer_invite)]
