"""Tools for the consultation: start or resume it, answer the next question, read it, pause."""

from __future__ import annotations

from pydantic import BaseModel, Field

import prompts
from agent.coaching import consultation
from agent.errors import ToolRetry
from agent.tools.context import ToolContext
from agent.tools.registry import Tool


class ConsultationStep(BaseModel):
    """Where the consultation stands after a call, small enough for every turn."""

    status: str = Field(description="in_progress | complete | paused.")
    saved: list[str] = Field(default_factory=list, description="Answers saved by this call.")
    not_understood: str | None = Field(
        default=None, description="Question whose answer could not be read; ask it again."
    )
    next_question: str | None = Field(default=None, description="Id of the one question to ask.")
    next_question_text: str | None = Field(default=None, description="Its wording.")
    remaining: int = Field(description="Questions still missing or unclear.")
    goal: str | None = Field(default=None, description="The drafted SMART goal, if any.")
    parq_recommendation: str | None = Field(
        default=None, description="Clearance advice to pass on when a PAR-Q+ answer was yes."
    )
    say: str = Field(description="A reply that saves, then asks the one next question.")


def _step(turn: consultation.ConsultationTurn) -> ConsultationStep:
    record = turn.record
    return ConsultationStep(
        status=record.status,
        saved=turn.saved,
        not_understood=turn.not_understood,
        next_question=record.next_question,
        next_question_text=record.next_question_text,
        remaining=len(set(record.missing) | set(record.unclear)),
        goal=record.goal.text if record.goal else None,
        parq_recommendation=turn.parq_recommendation,
        say=turn.say,
    )


class StartConsultationArgs(BaseModel):
    """No arguments: start (or resume) this person's consultation."""


def start_consultation(ctx: ToolContext, args: StartConsultationArgs) -> ConsultationStep:
    """Start or resume the consultation (goals, history, schedule, preferences, PAR-Q+)."""
    record = consultation.start(ctx.db, ctx.user_id, ctx.now)
    return _step(consultation.ConsultationTurn(record=record, say=_opening(record)))


def _opening(record: consultation.ConsultationRecord) -> str:
    return prompts.render("consultation/start.j2", record=record)


class AnswerConsultationArgs(BaseModel):
    """The person's words, read as the answer to the next question (or to ``question_id``)."""

    text: str = Field(min_length=1, max_length=2000, description="What the person said.")
    question_id: str | None = Field(
        default=None,
        description="The question answered or corrected (e.g. 'days_per_week'); "
        "omit for the question asked last.",
    )


def answer_consultation(ctx: ToolContext, args: AnswerConsultationArgs) -> ConsultationStep:
    """Save the person's answer to a consultation question and get the next one to ask."""
    try:
        turn = consultation.answer(
            ctx.db,
            ctx.user_id,
            args.text,
            ctx.now,
            question_id=args.question_id,
            conversation_id=ctx.conversation_id,
        )
    except KeyError as exc:
        raise ToolRetry(f"unknown consultation question {args.question_id!r}") from exc
    return _step(turn)


class GetConsultationArgs(BaseModel):
    """No arguments: the person's consultation record."""


def get_consultation(
    ctx: ToolContext, args: GetConsultationArgs
) -> consultation.ConsultationRecord:
    """Read the person's consultation record: every answer, the goal, what is missing."""
    record = consultation.record_of(ctx.db, ctx.user_id, ctx.now)
    if record is None:
        raise ToolRetry("no consultation yet; call start_consultation to begin one")
    return record


class PauseConsultationArgs(BaseModel):
    """No arguments: set the consultation aside for now."""


def pause_consultation(ctx: ToolContext, args: PauseConsultationArgs) -> ConsultationStep:
    """Pause the consultation when the person wants to stop; nothing is lost."""
    record = consultation.pause(ctx.db, ctx.user_id, ctx.now)
    if record is None:
        raise ToolRetry("no consultation to pause")
    return _step(consultation.ConsultationTurn(record=record, say=_paused(record)))


def _paused(record: consultation.ConsultationRecord) -> str:
    return prompts.render("consultation/paused.j2", record=record)


def tools() -> list[Tool]:
    """The consultation tools."""
    return [
        Tool.from_function(start_consultation),
        Tool.from_function(answer_consultation),
        Tool.from_function(get_consultation),
        Tool.from_function(pause_consultation),
    ]
