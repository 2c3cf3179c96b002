"""Session length: one type and one bound for every place that takes minutes.

Tools, the CLI, the planner's request and the offline model's parser all use
:data:`Minutes` (or its bounds), so "200 minutes" gets the same clear answer wherever
it is said instead of each layer restating, and disagreeing on, the range.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MIN_MINUTES = 5
"""Shorter than this is not a session (and a bare "got 3" is rarely minutes)."""

MAX_MINUTES = 180
"""Three hours: the longest session the planner builds."""


def check_minutes(value: int) -> int:
    """``value`` when it is a session length, else a clear error.

    Raises:
        PydanticCustomError: ``value`` is outside MIN_MINUTES-MAX_MINUTES (pydantic turns
            it into a validation error whose message is the sentence below).
    """
    if not MIN_MINUTES <= value <= MAX_MINUTES:
        raise PydanticCustomError(
            "minutes_range",
            "{value} minutes is not a session length I can plan: "
            "choose between {low} and {high} minutes",
            {"value": value, "low": MIN_MINUTES, "high": MAX_MINUTES},
        )
    return value


Minutes = Annotated[
    int,
    Field(json_schema_extra={"minimum": MIN_MINUTES, "maximum": MAX_MINUTES}),
    AfterValidator(check_minutes),
]
"""Minutes for one session, MIN_MINUTES to MAX_MINUTES."""
