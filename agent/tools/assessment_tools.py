"""Tools for the optional home assessments: what suits the person, how to do one, results."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

import prompts
from agent.coaching import assessments
from agent.errors import ToolRetry
from agent.tools.context import ToolContext
from agent.tools.registry import Tool

TestId = Literal[
    "resting_hr",
    "waist",
    "pushup",
    "plank",
    "sit_and_reach",
    "step_test",
    "rockport_walk",
    "e1rm",
    "chair_stand",
    "arm_curl",
]


class ListAssessmentsArgs(BaseModel):
    """No arguments: the tests that suit this person, what is due, and their latest results."""


class AssessmentOverview(BaseModel):
    """Tests offered (allowed or excluded, with reasons), retests due, latest results."""

    offers: list[assessments.Offer]
    due: list[assessments.Due]
    latest: list[assessments.Result]
    say: str = Field(description="A short reply listing the options; tests are optional.")


def list_assessments(ctx: ToolContext, args: ListAssessmentsArgs) -> AssessmentOverview:
    """List optional home fitness tests suited to the person's goal, retests due, last results."""
    facts = assessments.facts_for(ctx.db, ctx.user_id, ctx.now)
    offers = assessments.offers(facts)
    due = assessments.due_reassessments(ctx.db, ctx.user_id, ctx.now)
    latest = list(assessments.latest_results(ctx.db, ctx.user_id, ctx.now).values())
    say = prompts.render("assessments/overview.j2", offers=offers, due=due, latest=latest)
    return AssessmentOverview(offers=offers, due=due, latest=latest, say=say)


class ProtocolArgs(BaseModel):
    """Which test to explain."""

    test_id: TestId = Field(description="The test, e.g. 'pushup'.")


class ProtocolOut(BaseModel):
    """How to do one test safely, and whether this person may."""

    test: assessments.TestSpec
    allowed: bool
    excluded_because: list[str]
    say: str


def assessment_protocol(ctx: ToolContext, args: ProtocolArgs) -> ProtocolOut:
    """Explain how to do one home test: protocol, safety notes, and whether it suits the person."""
    test = assessments.spec(args.test_id)
    reasons = assessments.exclusions(test, assessments.facts_for(ctx.db, ctx.user_id, ctx.now))
    say = prompts.render("assessments/protocol.j2", test=test, excluded=reasons)
    return ProtocolOut(test=test, allowed=not reasons, excluded_because=reasons, say=say)


class RecordAssessmentArgs(BaseModel):
    """A result to store. The Rockport walk takes its time, heart rate and weight instead."""

    test_id: TestId = Field(description="The test, e.g. 'pushup'.")
    value: float | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="The result in the test's unit (reps, seconds, bpm, cm); "
        "omit for rockport_walk and e1rm.",
    )
    minutes: float | None = Field(default=None, description="Rockport: walk time in minutes.")
    heart_rate: float | None = Field(default=None, description="Rockport: heart rate at the end.")
    weight_kg: float | None = Field(default=None, description="Rockport: body weight in kg.")


class RecordedOut(BaseModel):
    """The stored result, rated and compared with last time."""

    recorded: assessments.Recorded
    say: str


def record_assessment(ctx: ToolContext, args: RecordAssessmentArgs) -> RecordedOut:
    """Store a home-test result the person did or reports; it is rated and compared."""
    try:
        if args.test_id == "rockport_walk":
            if None in (args.minutes, args.heart_rate, args.weight_kg):
                raise ToolRetry("rockport_walk needs minutes, heart_rate and weight_kg")
            done = assessments.record_rockport(
                ctx.db,
                ctx.user_id,
                ctx.now,
                minutes=float(args.minutes or 0),
                heart_rate=float(args.heart_rate or 0),
                weight_kg=float(args.weight_kg or 0),
            )
        elif args.test_id == "e1rm":
            done = assessments.record_e1rm(ctx.db, ctx.user_id, ctx.now)
        else:
            if args.value is None:
                raise ToolRetry(f"{args.test_id} needs a value")
            done = assessments.record(ctx.db, ctx.user_id, args.test_id, args.value, ctx.now)
    except ValueError as exc:
        raise ToolRetry(str(exc)) from exc
    say = prompts.render(
        "assessments/recorded.j2",
        result=done.result,
        excluded=done.excluded_because,
        next_due=done.next_due,
    )
    return RecordedOut(recorded=done, say=say)


class IntervalArgs(BaseModel):
    """How often one test should come due again."""

    test_id: TestId = Field(description="The test.")
    days: int = Field(ge=7, le=365, description="Days between tests (default 35).")


class IntervalOut(BaseModel):
    """The interval now in force."""

    test_id: str
    days: int


def set_reassessment_interval(ctx: ToolContext, args: IntervalArgs) -> IntervalOut:
    """Change how often a test comes due for reassessment (e.g. every 4 or 6 weeks)."""
    assessments.set_interval(ctx.db, ctx.user_id, args.test_id, args.days, ctx.now)
    return IntervalOut(test_id=args.test_id, days=args.days)


def tools() -> list[Tool]:
    """The assessment tools."""
    return [
        Tool.from_function(list_assessments),
        Tool.from_function(assessment_protocol),
        Tool.from_function(record_assessment),
        Tool.from_function(set_reassessment_interval),
    ]
