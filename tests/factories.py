"""Builders shared by tests: users, conversations, coaches with scripted models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import sqlite_utils
from hypothesis import strategies as st

from agent.loop import Coach
from agent.memory import store
from agent.models.base import ChatModel
from agent.planning.catalog import load_catalog
from agent.planning.models import (
    FOCUSES,
    GOALS,
    ExerciseRecord,
    History,
    Readiness,
    SessionRecord,
    SessionRequest,
    SetRecord,
)

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


# -- planning ---------------------------------------------------------------------------
_VOCAB = load_catalog().vocabulary
_EQUIPMENT = sorted(_VOCAB.equipment)
_PROFILES = sorted(_VOCAB.profiles)
_AREAS = sorted(_VOCAB.constraint_tags)
_TAGS = sorted(_VOCAB.tags)
_IDS = [e.id for e in load_catalog().exercises]
PLAN_TODAY = date(2026, 11, 16)
"""The date planning tests build sessions for (the fixed test clock's Monday)."""

plan_equipment_lists = st.one_of(
    st.sampled_from(_PROFILES).map(lambda p: list(_VOCAB.profiles[p])),
    st.lists(st.sampled_from(_EQUIPMENT), max_size=6, unique=True),
)

plan_readiness = st.builds(
    Readiness,
    energy=st.integers(1, 5),
    poor_sleep=st.booleans(),
    recovery_score=st.none() | st.floats(0, 100, allow_nan=False),
)


@st.composite
def plan_requests(draw: st.DrawFn, minutes: st.SearchStrategy[int] | None = None) -> SessionRequest:
    """Any valid request: goal, level, equipment, minutes, readiness, constraints, choices."""
    return SessionRequest(
        goal=draw(st.sampled_from(GOALS)),
        level=draw(st.sampled_from(["beginner", "intermediate", "advanced"])),
        equipment=draw(plan_equipment_lists),
        minutes=draw(minutes if minutes is not None else st.integers(10, 90)),
        readiness=draw(plan_readiness),
        constraints=draw(st.lists(st.sampled_from(_AREAS), max_size=4, unique=True)),
        avoid_tags=draw(st.lists(st.sampled_from(_TAGS), max_size=2, unique=True)),
        dislikes=draw(st.lists(st.sampled_from(_IDS), max_size=12, unique=True)),
        focus=draw(st.sampled_from(FOCUSES)),
        variation=draw(st.integers(0, 5)),
        difficulty=draw(st.integers(-2, 2)),
        deload=draw(st.booleans()),
        today=PLAN_TODAY,
        age=draw(st.none() | st.integers(18, 85)),
        units=draw(st.sampled_from(["kg", "lb"])),
    )


plan_set_records = st.builds(
    SetRecord,
    reps=st.integers(0, 25),
    load_kg=st.none() | st.floats(2, 200, allow_nan=False),
    rir=st.none() | st.integers(0, 5).map(float),
)


@st.composite
def plan_histories(draw: st.DrawFn) -> History:
    """A few past sessions (done or skipped) of random catalog exercises."""
    sessions = []
    for _ in range(draw(st.integers(0, 6))):
        exercises = [
            ExerciseRecord(
                exercise_id=draw(st.sampled_from(_IDS)),
                sets=draw(st.lists(plan_set_records, min_size=1, max_size=4)),
            )
            for _ in range(draw(st.integers(0, 4)))
        ]
        sessions.append(
            SessionRecord(
                day=PLAN_TODAY - timedelta(days=draw(st.integers(1, 60))),
                status=draw(st.sampled_from(["done", "done", "skipped"])),
                exercises=exercises,
            )
        )
    return History(sessions=sessions)


def logged_sessions(
    exercise_id: str,
    sessions: Sequence[Sequence[tuple[int, float | None]]],
    *,
    last_day: date = PLAN_TODAY - timedelta(days=2),
    every_days: int = 3,
    rir: float | None = 2,
    rep_range: tuple[int, int] | None = None,
) -> History:
    """A scripted history of one exercise: each inner list is one session's (reps, kg) sets.

    Sessions are ``every_days`` apart, the last one on ``last_day``.
    """
    count = len(sessions)
    records = [
        SessionRecord(
            day=last_day - timedelta(days=every_days * (count - 1 - i)),
            exercises=[
                ExerciseRecord(
                    exercise_id=exercise_id,
                    sets=[SetRecord(reps=r, load_kg=kg, rir=rir) for r, kg in sets],
                    rep_low=rep_range[0] if rep_range else None,
                    rep_high=rep_range[1] if rep_range else None,
                )
            ],
        )
        for i, sets in enumerate(sessions)
    ]
    return History(sessions=records)


def query_rows(db_path: str, sql: str, params: list[object] | None = None) -> list[object]:
    """Rows of ``sql`` read through a fresh connection to the database file at ``db_path``."""
    from agent.memory.db import connect

    db = connect(db_path)
    try:
        return list(db.execute(sql, params or []).fetchall())
    finally:
        db.close()
