"""The client's side of the trainer link under ``/v1``: consent, messages, the week's plan.

Same bearer-token authentication and rate limit as every ``/v1`` route. A client
accepts an invite code here (or in chat, with the ``accept_trainer_invite`` tool), reads
the messages their trainer sent (drafts never show), writes back, sees the week's plan
with each trainer decision attributed, and can end the link at any time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from agent.coaching import plan
from agent.coaching import trainers as service
from agent.errors import UserInputError
from agent.memory import store
from agent.memory import trainers as trainer_store
from agent.planning.weekly import WeeklyProgram
from agent.server.api import _AUTH_RESPONSES, Caller, CallerDep

router = APIRouter(prefix="/v1", tags=["trainer link"])


class AcceptInvite(BaseModel):
    """An invite code from a trainer."""

    code: str = Field(min_length=4, max_length=40, description="The code, e.g. tr-1a2b3c4d5e.")


class TrainerLink(BaseModel):
    """Who coaches the client, and their messages."""

    trainer: str | None = Field(description="The trainer's name, or null without one.")
    messages: list[dict[str, Any]] = Field(description="Sent messages, oldest first.")


def _link(who: Caller) -> TrainerLink:
    trainer = trainer_store.trainer_of(who.db, who.user_id)
    messages = [
        {"author": m.author, "text": m.text, "sent_at": m.sent_at}
        for m in trainer_store.thread_messages(who.db, who.user_id, sent_only=True)
    ]
    return TrainerLink(trainer=trainer.name if trainer else None, messages=messages)


@router.post("/trainer/accept", response_model=TrainerLink, responses=_AUTH_RESPONSES)
def accept(body: AcceptInvite, who: CallerDep) -> TrainerLink:
    """Accept a trainer's invite: from now on they see your training data."""
    try:
        service.accept_invite(who.db, who.user_id, body.code, who.now())
    except UserInputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return _link(who)


@router.get("/trainer", response_model=TrainerLink, responses=_AUTH_RESPONSES)
def get_link(who: CallerDep) -> TrainerLink:
    """Your trainer and the messages they sent you."""
    return _link(who)


@router.delete("/trainer", response_model=TrainerLink, responses=_AUTH_RESPONSES)
def end(who: CallerDep) -> TrainerLink:
    """End the link: your trainer loses access at once."""
    if not service.end_link(who.db, who.user_id, f"user:{who.user_id}", who.now()):
        raise HTTPException(status_code=404, detail="you have no trainer linked")
    return _link(who)


class ClientMessage(BaseModel):
    """A message to your trainer."""

    text: str = Field(min_length=1, max_length=service.MAX_TEXT_CHARS)


@router.post("/trainer/messages", response_model=TrainerLink, responses=_AUTH_RESPONSES)
def write(body: ClientMessage, who: CallerDep) -> TrainerLink:
    """Write to your trainer."""
    try:
        service.client_message(who.db, who.user_id, body.text, who.now())
    except UserInputError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return _link(who)


@router.get("/plan/week", response_model=WeeklyProgram, responses=_AUTH_RESPONSES)
def week(
    who: CallerDep,
    which: Annotated[Literal["this", "next"], Query(description="This week or next.")] = "this",
) -> WeeklyProgram:
    """The week's plan; the trainer's decisions in force are in ``reasons``, by name."""
    areas = store.active_constraint_areas(who.db, who.user_id)
    scope = plan.PlanScope(who.db, who.user_id, who.now(), tuple(areas))
    if which == "next":
        return plan.next_week(scope)
    return plan.weekly(scope, None)
