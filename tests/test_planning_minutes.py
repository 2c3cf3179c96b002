"""Session length: one bound, one clear message, wherever minutes are said."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from agent.memory import store
from agent.models.offline import OfflineModel
from agent.models.offline.slots import extract
from agent.planning.minutes import MAX_MINUTES, MIN_MINUTES, Minutes
from tests.factories import make_coach, make_user


class _Args(BaseModel):
    minutes: Minutes


@given(st.integers(-10_000, 10_000))
def test_every_length_is_accepted_exactly_inside_the_bound(value: int) -> None:
    inside = MIN_MINUTES <= value <= MAX_MINUTES
    try:
        assert _Args(minutes=value).minutes == value
        accepted = True
    except ValidationError as exc:
        (error,) = exc.errors()
        assert error["msg"] == (
            f"{value} minutes is not a session length I can plan: "
            f"choose between {MIN_MINUTES} and {MAX_MINUTES} minutes"
        )
        accepted = False
    assert accepted is inside


def test_the_schema_states_the_bound_for_any_model() -> None:
    schema = _Args.model_json_schema()["properties"]["minutes"]
    assert (schema["minimum"], schema["maximum"]) == (MIN_MINUTES, MAX_MINUTES)


@pytest.mark.parametrize(("text", "minutes"), [("got 200", None), ("got 45", 45)])
def test_a_bare_number_is_minutes_only_inside_the_bound(text: str, minutes: int | None) -> None:
    assert extract(text).minutes == minutes


def test_two_hundred_minutes_gets_a_clear_answer_not_a_validation_dump(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    store.save_profile(
        db, user_id, store.Profile(goal="strength", level="beginner", equipment=["dumbbells"]), now
    )
    coach = make_coach(db, OfflineModel(), now)
    reply = coach.turn(user_id, conversation_id, "I have 200 minutes, what should I do?").reply
    assert "200 minutes is not a session length I can plan" in reply
    assert "less than or equal" not in reply
