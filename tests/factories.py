"""Builders shared by tests: users, conversations, coaches with scripted models."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest
import sqlite_utils

from agent.loop import Coach
from agent.memory import store
from agent.models.base import ChatModel

if TYPE_CHECKING:
    from agent.memory.exercises import ExerciseIndex


def make_user(db: sqlite_utils.Database, now: datetime, name: str = "alex") -> tuple[int, int]:
    """A user and an open conversation: (user_id, conversation_id)."""
    user_id = store.ensure_user(db, name, now)
    return user_id, store.start_conversation(db, user_id, now)


def make_coach(
    db: sqlite_utils.Database, model: ChatModel, now: datetime, max_tool_rounds: int = 8
) -> Coach:
    """A coach over ``db`` whose clock is frozen at ``now``."""
    return Coach(db, model, clock=lambda: now, max_tool_rounds=max_tool_rounds)


def make_token_user(
    db: sqlite_utils.Database, now: datetime, name: str = "alex"
) -> tuple[int, str]:
    """A user with an HTTP bearer token: (user_id, token)."""
    from agent.server.auth import issue_token

    return issue_token(db, name, now)


def sample_exercise_index() -> ExerciseIndex:
    """A small catalog for memory tests, independent of the planning catalog's contents."""
    from agent.memory.exercises import ExerciseIndex, ExerciseRef

    return ExerciseIndex(
        [
            ExerciseRef(
                "back_squat",
                "Back squat",
                ("quads", "glutes"),
                ("lower_back",),
                ("barbell squat", "squat"),
            ),
            ExerciseRef(
                "goblet_squat", "Goblet squat", ("quads", "glutes"), (), ("goblet squats",)
            ),
            ExerciseRef(
                "bench_press",
                "Bench press",
                ("chest",),
                ("triceps", "front_delts"),
                ("barbell bench press", "bench"),
            ),
            ExerciseRef(
                "dumbbell_row",
                "Dumbbell row",
                ("lats", "upper_back"),
                ("biceps",),
                ("db row", "bent over row dumbbell", "one arm row"),
            ),
            ExerciseRef(
                "romanian_deadlift", "Romanian deadlift", ("hamstrings", "glutes"), (), ("rdl",)
            ),
            ExerciseRef("pull_up", "Pull-up", ("lats",), ("biceps",), ("pullup", "pull ups")),
            ExerciseRef("push_up", "Push-up", ("chest",), ("triceps",), ("pushups", "press up")),
            ExerciseRef("reverse_lunge", "Reverse lunge", ("quads", "glutes"), (), ("lunges",)),
        ]
    )


def use_exercise_index(monkeypatch: pytest.MonkeyPatch, index: ExerciseIndex) -> None:
    """Make every memory module resolve exercise names against ``index``."""
    import agent.memory.exercises
    import agent.memory.history
    import agent.memory.portability
    import agent.tools.memory_tools

    for module in (
        agent.memory.exercises,
        agent.memory.history,
        agent.memory.portability,
        agent.tools.memory_tools,
    ):
        monkeypatch.setattr(module, "default_index", lambda: index)


def make_flagged_conversation(
    db: sqlite_utils.Database,
    now: datetime,
    text: str = "I feel dizzy",
    *,
    name: str = "alex",
    before: tuple[str, ...] = ("hello",),
    after: tuple[str, ...] = (),
) -> tuple[int, int, int]:
    """A conversation with a flagged turn, driven through the real loop.

    The turns in ``before`` and ``after`` get scripted model replies; the flagged turn
    is answered by the safety gate without the model.

    Returns:
        (user_id, conversation_id, flag_id).
    """
    from agent.models.scripted import ScriptedModel, say

    user_id, conversation_id = make_user(db, now, name)
    model = ScriptedModel([say(f"Noted: {line}") for line in (*before, *after)])
    coach = make_coach(db, model, now)
    for line in before:
        coach.turn(user_id, conversation_id, line)
    coach.turn(user_id, conversation_id, text)
    flag_id = int(
        db.execute(
            "SELECT max(id) FROM safety_flags WHERE conversation_id = ?", [conversation_id]
        ).fetchone()[0]
    )
    for line in after:
        coach.turn(user_id, conversation_id, line)
    model.assert_complete()
    return user_id, conversation_id, flag_id
